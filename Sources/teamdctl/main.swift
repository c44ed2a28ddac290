import Glibc
import SystemSupport
import TeamdctlCLI

/// Writes each piece at once to file descriptors 1 and 2, so the order of output and
/// errors on a terminal is the order the tool produced them.
struct StandardStreams: TeamdctlOutput {
    mutating func standardOutput(_ text: String) { Self.write(text, to: 1) }
    mutating func standardError(_ text: String) { Self.write(text, to: 2) }

    static func write(_ text: String, to descriptor: Int32) {
        // EPIPE and the like: nobody is reading; the C tool ignores it too.
        try? FileDescriptor(rawValue: descriptor).writeAll(text.utf8)
    }
}

// Writing to a closed pipe (`teamdctl team0 state dump | head -1`) must not kill us
// with SIGPIPE before the exit status is set.
signal(SIGPIPE, SIG_IGN)
var streams = StandardStreams()
exit(Teamdctl.run(arguments: CommandLine.arguments, system: .live, output: &streams))
