#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TeamdControl

/// Writes each piece at once to file descriptors 1 and 2, so the order of output and
/// errors on a terminal is the order the tool produced them.
struct StandardStreams: TeamdctlOutput {
    mutating func standardOutput(_ text: String) { Self.write(text, to: 1) }
    mutating func standardError(_ text: String) { Self.write(text, to: 2) }

    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return  // EPIPE and the like: nobody is reading; the C tool ignores it too.
            }
            bytes = bytes.dropFirst(written)
        }
    }
}

// Writing to a closed pipe (`teamdctl team0 state dump | head -1`) must not kill us
// with SIGPIPE before the exit status is set.
signal(SIGPIPE, SIG_IGN)
var streams = StandardStreams()
exit(Teamdctl.run(arguments: CommandLine.arguments, system: .live, output: &streams))
