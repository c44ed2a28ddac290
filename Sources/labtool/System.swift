import CLabSupport
import Glibc
import SystemSupport

/// Small wrappers over the system calls labtool needs (`setns` and `ppoll` come from CLabSupport:
/// Swift's Glibc module leaves out what glibc declares under _GNU_SOURCE).
enum System {
    /// CLONE_NEWNET from linux/sched.h.
    private static let newNetworkNamespace: Int32 = 0x4000_0000

    /// Milliseconds on the monotonic clock, with nanosecond resolution.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }

    static func sleep(milliseconds: Double) {
        var ts = timespec(tv_sec: Int(milliseconds / 1000),
                          tv_nsec: Int((milliseconds.truncatingRemainder(dividingBy: 1000)) * 1_000_000))
        var left = timespec()
        while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
    }

    /// poll(2) with a sub-millisecond timeout (ppoll); nil waits forever.
    static func poll(_ fds: inout [pollfd], timeout milliseconds: Double?) -> Int32 {
        return fds.withUnsafeMutableBufferPointer { buffer in
            guard let milliseconds else { return lab_ppoll(buffer.baseAddress, nfds_t(buffer.count), nil) }
            let clamped = max(0, milliseconds)
            var ts = timespec(tv_sec: Int(clamped / 1000),
                              tv_nsec: Int(clamped.truncatingRemainder(dividingBy: 1000) * 1_000_000))
            return lab_ppoll(buffer.baseAddress, nfds_t(buffer.count), &ts)
        }
    }

    /// Runs `body` in the network namespace `/run/netns/NAME` (as `ip netns exec` does, but only for
    /// this thread and only for the sockets `body` opens: a socket keeps the namespace it was made in).
    static func inNamespace<T>(_ name: String?, _ body: () throws -> T) throws -> T {
        guard let name else { return try body() }
        let home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard home >= 0, target >= 0 else { throw LabError("no network namespace \(name)") }
        defer { close(home); close(target) }
        guard lab_setns(target, newNetworkNamespace) == 0 else { throw LabError("setns \(name): \(errnoText())") }
        defer { _ = lab_setns(home, newNetworkNamespace) }
        return try body()
    }

    static func readFile(_ path: String) -> String? {
        guard let bytes = try? FileDescriptor.readFile(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The pid in teamd's pid file for `device`.
    static func teamdPID(device: String) -> pid_t? {
        guard let text = readFile("/var/run/teamd/\(device).pid") else { return nil }
        return pid_t(text.filter { $0.isNumber })
    }

    /// CPU time the process has used, all threads, in milliseconds (the scheduler's nanosecond
    /// account from /proc/PID/task/TID/schedstat; /proc/PID/stat has only 10 ms ticks).
    static func cpuMilliseconds(pid: pid_t) -> Double {
        let directory = opendir("/proc/\(pid)/task")
        guard let directory else { return 0 }
        defer { closedir(directory) }
        var total = 0.0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.first?.isNumber == true,
                  let text = readFile("/proc/\(pid)/task/\(name)/schedstat"),
                  let first = text.split(separator: " ").first, let ns = Double(first) else { continue }
            total += ns / 1_000_000
        }
        return total
    }

    /// Starts `argv` with stdin and stdout on /dev/null and stderr on `stderrPath` (or /dev/null).
    static func spawn(_ argv: [String], stderrPath: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard result == 0 else { throw LabError("spawn \(argv[0]): \(Errno(result))") }
        return pid
    }

    /// Waits for a child; its exit status (or 128 + signal).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        guard (try? retryingInterrupts({ waitpid(pid, &status, 0) })) != nil else { return -1 }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    static func errnoText() -> String { Errno.current.description }

    /// Creates or truncates the file at `path` and writes `text` to it.
    static func writeFile(_ path: String, _ text: String) throws(Errno) {
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { file.close() }
        try file.writeAll(text.utf8)
    }
}

struct LabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `--name value` options after the subcommand; `--` ends them and the rest is a command line.
struct Options {
    private var values: [String: String] = [:]
    var rest: [String] = []

    init(_ arguments: ArraySlice<String>) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--" { rest = Array(iterator); break }
            guard argument.hasPrefix("--"), let value = iterator.next() else {
                throw LabError("expected --name value, got \(argument)")
            }
            values[String(argument.dropFirst(2))] = value
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name] else { throw LabError("missing --\(name)") }
        return value
    }
    func string(_ name: String, default fallback: String) -> String { values[name] ?? fallback }
    func optional(_ name: String) -> String? { values[name] }
    func int(_ name: String, default fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text) else { throw LabError("--\(name): not a number: \(text)") }
        return value
    }
    func list(_ name: String) throws -> [String] {
        try string(name).split(separator: ",").map(String.init)
    }
}

/// Prints `key=value` pairs on one line, for the guest script to `eval`.
func emit(_ pairs: [(String, Double)], extra: [(String, String)] = []) {
    var fields = pairs.map { "\($0.0)=\(format($0.1))" }
    fields += extra.map { "\($0.0)=\($0.1)" }
    print(fields.joined(separator: " "))
}

func format(_ value: Double, decimals: Int = 3) -> String {
    if value.isNaN { return "nan" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
    return String(rounded)
}
