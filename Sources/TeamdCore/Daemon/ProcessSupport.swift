import Glibc
import Logging
import SystemSupport

extension TeamdProcess {
    enum Daemonized {
        /// The parent, which waited for the child's word: exit with this status.
        case parent(Int32)
        /// The child, the daemon from here on; it reports on this pipe whether start-up worked.
        case child(ReadyPipe)
    }

    /// `-d`: forks; the parent waits (at most `wait`: the C teamd's 20 s for one team, more for
    /// `--config-dir`'s many) for the child to say whether start-up worked and exits with that, the child
    /// detaches (new session, `/`, standard descriptors on /dev/null).
    static func daemonize(log: Logger, wait: Duration = .seconds(20)) -> Daemonized {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        let pid = fork()
        if pid < 0 {
            log.error("Daemon fork failed.")
            return .parent(1)
        }
        if pid > 0 {
            close(fds[1])
            var status: UInt8 = 1
            let pipe = FileDescriptor(rawValue: fds[0])
            if (try? Poll.wait(fds[0], for: Int16(POLLIN), until: .now.advanced(by: wait))) == true,
               (try? withUnsafeMutableBytes(of: &status) { raw throws(Errno) in try pipe.read(into: raw) }) == 1 {
                if status != 0 { log.error("Daemon process failed.") }
                return .parent(Int32(status))
            }
            log.error("Could not receive return value from daemon process.")
            return .parent(1)
        }
        close(fds[0])
        setsid()
        chdir("/")
        let null = open("/dev/null", O_RDWR)
        if null >= 0 { dup2(null, 0); dup2(null, 1); dup2(null, 2); if null > 2 { close(null) } }
        return .child(ReadyPipe(fds[1]))
    }
}

/// The daemonized child's word to its waiting parent: one status byte, once. Without `-d` there is no
/// parent and nothing is sent.
struct ReadyPipe {
    private var descriptor: Int32

    init(_ descriptor: Int32 = -1) { self.descriptor = descriptor }

    mutating func report(_ status: UInt8) {
        guard descriptor >= 0 else { return }
        try? FileDescriptor(rawValue: descriptor).writeAll([status])
        close(descriptor)
        descriptor = -1
    }
}

/// Signals as bytes on a pipe: the handler only writes the signal number, the poll loop reads it.
enum SignalPipe {
    nonisolated(unsafe) static var writeEnd: Int32 = -1

    /// Installs handlers for `signals` and returns the pipe's read end.
    static func install(_ signals: [Int32]) -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        writeEnd = fds[1]
        for sig in signals {
            signal(sig) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeEnd, &byte, 1)
            }
        }
        signal(SIGPIPE, SIG_IGN)
        return fds[0]
    }

    /// How a signal asks the daemon to end.
    enum Ending: Equatable {
        /// SIGINT, SIGTERM, SIGQUIT: release the ports, delete the device (unless -N).
        case terminate
        /// SIGUSR1 (SONiC's warm reboot): keep the team, save the LACP state in `-L DIR`.
        case warmRestart
        /// SIGUSR2 (SONiC's fast reboot): keep the team, save nothing.
        case fastRestart

        /// What teamd logs on receiving it (the C teamd's words for the first).
        var logLine: String {
            switch self {
            case .terminate: return "Got SIGINT, SIGQUIT or SIGTERM."
            case .warmRestart: return "Got SIGUSR1."
            case .fastRestart: return "Got SIGUSR2."
            }
        }
    }

    /// Reads the signals waiting on the pipe; the first that asks the daemon to end, or nil.
    static func readEnding(_ fd: Int32) -> Ending? {
        var signo: UInt8 = 0
        while read(fd, &signo, 1) == 1 {
            switch Int32(signo) {
            case SIGINT, SIGTERM, SIGQUIT: return .terminate
            case SIGUSR1: return .warmRestart
            case SIGUSR2: return .fastRestart
            default: continue
            }
        }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
