import Glibc
import Logging
import SystemSupport
import TeamJSON
import TeamKit

/// A control transport the daemon serves (UNIX socket, D-Bus, ZeroMQ): it names the descriptors to
/// poll and, when one is ready (or its timeout is due), reads requests and answers each with the handler.
public protocol ControlTransport: AnyObject {
    var descriptors: [Int32] { get }
    /// The poll events wanted on one of `descriptors`: POLLIN unless the transport says otherwise
    /// (D-Bus also wants POLLOUT while it has output queued).
    func pollEvents(for fd: Int32) -> Int16
    /// Milliseconds until the transport must run even without a ready descriptor (its library's own
    /// timeouts, or input it has already read); `nil` for never.
    func timeoutMilliseconds() -> Int64?
    /// Called when poll reports anything on `fd` (readable, writable, hang-up).
    func handleReadable(_ fd: Int32, handler: (_ method: String, _ arguments: [String]) -> ControlResult)
    /// Called when `timeoutMilliseconds()` has run out.
    func handleTimeout(handler: (_ method: String, _ arguments: [String]) -> ControlResult)
    func close()
}

extension ControlTransport {
    public func pollEvents(for fd: Int32) -> Int16 { Int16(POLLIN) }
    public func timeoutMilliseconds() -> Int64? { nil }
    public func handleTimeout(handler: (_ method: String, _ arguments: [String]) -> ControlResult) {}
}

/// teamd as a process: command line, config, pid file, daemonizing, signals and the poll loop. The
/// executable calls `TeamdProcess.main`; everything here is what the C teamd's main() does.
public enum TeamdProcess {
    public static let runDirectory = "/var/run/teamd"
    public static let version = "1.32"

    /// Builds the control transports for a device, after its ports are in place; the executable supplies
    /// them. The D-Bus transport must come last: it takes its bus name when it is built, and a client such
    /// as NetworkManager takes the name for "teamd is ready".
    public typealias ControlFactory = (_ deviceName: String, _ options: TeamdCommandLine, _ log: Logger) throws
        -> [any ControlTransport]

    public static func main(arguments: [String], controls: ControlFactory) -> Int32 {
        let argv0 = arguments.first.map { String($0.split(separator: "/").last ?? "teamd") } ?? "teamd"
        let commandLine: TeamdCommandLine
        do {
            commandLine = try TeamdCommandLine.parse(Array(arguments.dropFirst()))
        } catch {
            printError("\(argv0): \(error)")
            return 1
        }
        switch commandLine.command {
        case .help:
            print(TeamdCommandLine.help(argv0: argv0), terminator: "")
            return 0
        case .version:
            print("\(argv0) \(version)")
            return 0
        case .run, .kill, .check:
            break
        }
        let output = commandLine.logOutput ?? getenv("TEAM_LOG_OUTPUT").map { String(cString: $0) }
        // Until it forks, teamd logs to stderr (where the user sees why it refused to start); the daemon
        // child logs to syslog unless -l says otherwise, as libdaemon does.
        var log = makeLogger(output: output, daemonized: false, ident: argv0)
        log.logLevel = commandLine.debugLevel > 0 ? .debug : .info

        // The config, decoded and validated before anything is touched.
        let config: TeamdConfig
        do {
            config = try loadConfig(commandLine, log: log)
        } catch {
            log.error("Failed to load config: \(error)")
            return 1
        }
        for warning in config.warnings { log.warning("config: \(warning)") }
        if config.debugLevel > 0 { log.logLevel = .debug }

        guard let device = commandLine.teamDevice ?? config.device ?? (commandLine.command == .run ? generateName() : nil)
        else {
            log.error("Team device name not specified.")
            return 1
        }
        let pidFile = commandLine.pidFile ?? "\(runDirectory)/\(device).pid"
        let level: Logger.Level = (commandLine.debugLevel > 0 || config.debugLevel > 0) ? .debug : .info
        log = makeLogger(output: output, daemonized: false, ident: "\(argv0)_\(device)")
        log.logLevel = level

        switch commandLine.command {
        case .check:
            return PidFile.runningPID(pidFile) != nil ? 0 : 1
        case .kill:
            guard let pid = PidFile.runningPID(pidFile) else {
                log.warning("Daemon not running")
                return 1
            }
            kill(pid, SIGTERM)
            // Wait for it to go, as the C teamd does (5 s), polling every 10 ms.
            for _ in 0..<500 {
                if Glibc.kill(pid, 0) != 0 { return 0 }
                usleep(10_000)
            }
            log.warning("Failed to kill daemon: timed out")
            return 1
        case .run:
            break
        default:
            return 1
        }

        guard getuid() == 0 else {
            log.error("This program is intended to be run as root.")
            return 1
        }
        if let pid = PidFile.runningPID(pidFile) {
            log.error("Daemon already running on PID \(pid).")
            return 1
        }
        mkdir(runDirectory, 0o755)

        // Daemonize: the parent waits (at most 20 s) for the child to say whether start-up worked.
        var readyPipe: Int32 = -1
        if commandLine.daemonize {
            var fds: [Int32] = [0, 0]
            pipe(&fds)
            let pid = fork()
            if pid < 0 {
                log.error("Daemon fork failed.")
                return 1
            }
            if pid > 0 {
                close(fds[1])
                var status: UInt8 = 1
                let pipe = FileDescriptor(rawValue: fds[0])
                if (try? Poll.wait(fds[0], for: Int16(POLLIN), until: .now.advanced(by: .seconds(20)))) == true,
                   (try? withUnsafeMutableBytes(of: &status) { raw throws(Errno) in try pipe.read(into: raw) }) == 1 {
                    if status != 0 { log.error("Daemon process failed.") }
                    return Int32(status)
                }
                log.error("Could not receive return value from daemon process.")
                return 1
            }
            close(fds[0])
            readyPipe = fds[1]
            log = makeLogger(output: output, daemonized: true, ident: "\(argv0)_\(device)")
            log.logLevel = level
            setsid()
            chdir("/")
            let null = open("/dev/null", O_RDWR)
            if null >= 0 { dup2(null, 0); dup2(null, 1); dup2(null, 2); if null > 2 { close(null) } }
        }
        func report(_ status: UInt8) {
            guard readyPipe >= 0 else { return }
            try? FileDescriptor(rawValue: readyPipe).writeAll([status])
            close(readyPipe)
            readyPipe = -1
        }

        guard PidFile.create(pidFile) else {
            log.error("Could not create PID file \(pidFile).")
            report(1)
            return 1
        }
        defer { unlink(pidFile) }

        // Signals arrive on a descriptor (the self-pipe trick), read by the loop like everything else.
        let signalFD = SignalPipe.install([SIGINT, SIGTERM, SIGQUIT, SIGHUP])

        var options = DaemonOptions(deviceName: device)
        options.takeOver = commandLine.takeOver
        options.forceRecreate = commandLine.forceRecreate
        options.noQuitDestroy = commandLine.noQuitDestroy
        options.noPorts = commandLine.noPorts
        options.daemonized = commandLine.daemonize
        options.pidFile = pidFile
        options.debugLevel = commandLine.debugLevel
        options.dbusEnabled = commandLine.dbus
        options.zmqEnabled = commandLine.zmqAddress != nil

        let daemon: Daemon
        do {
            daemon = try Daemon(config: config, options: options, logger: log)
            try daemon.start()
        } catch {
            log.error("Failed: \(error)")
            report(1)
            return 1
        }
        var transports: [any ControlTransport]
        do {
            transports = try controls(device, commandLine, log)
        } catch {
            log.error("Failed to init control interfaces: \(error)")
            daemon.stop()
            report(1)
            return 1
        }
        report(0)
        log.info("\(version) successfully started.")
        StartupCodeTrim.apply()
        let systemd = SystemdNotifier()  // nil unless systemd started us with NOTIFY_SOCKET
        systemd?.notify("READY=1")

        let exit = runLoop(daemon: daemon, signalFD: signalFD, transports: transports, systemd: systemd, log: log)
        systemd?.notify("STOPPING=1")
        log.info("Exiting...")
        for transport in transports { transport.close() }
        transports.removeAll()
        daemon.stop()
        return exit
    }

    /// The poll loop: team and link events, control requests, timers, signals.
    static func runLoop(daemon: Daemon, signalFD: Int32, transports: [any ControlTransport],
                        systemd: SystemdNotifier? = nil, log: Logger) -> Int32 {
        let handler = { (method: String, arguments: [String]) -> ControlResult in
            daemon.call(method: method, arguments: arguments)
        }
        while !daemon.shouldQuit {
            var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
            fds += daemon.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            for transport in transports {
                fds += transport.descriptors.map { pollfd(fd: $0, events: transport.pollEvents(for: $0), revents: 0) }
            }
            var timeout = daemon.timeoutMilliseconds().map { Int64($0) }
            for transport in transports {
                if let due = transport.timeoutMilliseconds() { timeout = min(timeout ?? due, due) }
            }
            if let due = systemd?.timeoutMilliseconds() { timeout = min(timeout ?? due, due) }
            do throws(Errno) {
                _ = try Poll.wait(&fds, until: timeout.map { .now.advanced(by: .milliseconds($0)) })
            } catch {
                log.error("poll() failed: \(error)")
                return 2
            }
            daemon.fireDueTimers()
            systemd?.keepAlive()  // WATCHDOG=1 when due: the loop is turning
            for transport in transports {
                if let due = transport.timeoutMilliseconds(), due <= 0 { transport.handleTimeout(handler: handler) }
            }
            for entry in fds where entry.revents != 0 {
                if entry.fd == signalFD {
                    var signo: UInt8 = 0
                    while read(signalFD, &signo, 1) == 1 {
                        if [SIGINT, SIGTERM, SIGQUIT].contains(Int32(signo)) {
                            log.warning("Got SIGINT, SIGQUIT or SIGTERM.")
                            return 0
                        }
                    }
                } else if daemon.descriptors.contains(entry.fd) {
                    daemon.handleReadable(entry.fd)
                } else if let transport = transports.first(where: { $0.descriptors.contains(entry.fd) }) {
                    transport.handleReadable(entry.fd, handler: handler)
                }
            }
        }
        return 0
    }

    static func loadConfig(_ commandLine: TeamdCommandLine, log: Logger) throws -> TeamdConfig {
        if let text = commandLine.configText {
            if commandLine.configFile != nil { log.warning("Command line config string is present, ignoring given config file.") }
            return try TeamdConfig(parsing: text)
        }
        if let path = commandLine.configFile {
            let bytes: [UInt8]
            do throws(Errno) {
                bytes = try FileDescriptor.readFile(path)
            } catch {
                throw DaemonStartError("Failed to read config file \"\(path)\": \(error)")
            }
            return try TeamdConfig(parsing: String(decoding: bytes, as: UTF8.self))
        }
        return try TeamdConfig(parsing: "{}")
    }

    /// The first free teamN.
    static func generateName() -> String {
        var i = 0
        while if_nametoindex("team\(i)") != 0 { i += 1 }
        return "team\(i)"
    }

    static func printError(_ text: String) {
        try? FileDescriptor.standardError.writeAll((text + "\n").utf8)
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
}

/// The pid file: `/var/run/teamd/DEV.pid` holding the daemon's pid.
enum PidFile {
    /// The pid in the file if that process is alive.
    static func runningPID(_ path: String) -> pid_t? {
        guard let bytes = try? FileDescriptor.readFile(path, limit: 64),
              let pid = pid_t(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \n")), pid > 0 else { return nil }
        return (kill(pid, 0) == 0 || errno == EPERM) ? pid : nil
    }

    static func create(_ path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        let text = Array("\(getpid())\n".utf8)
        let ok = write(fd, text, text.count) == text.count
        close(fd)
        return ok
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
