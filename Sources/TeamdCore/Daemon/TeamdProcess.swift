import Glibc
import Logging
import SystemSupport
import TeamJSON
import TeamKit
import TeamdControl

/// teamd as a process: command line, config, pid file, daemonizing, signals and the poll loop. The
/// executable calls `TeamdProcess.main`; everything here is what the C teamd's main() does, in three
/// steps: `parse` (command line, config, names), `daemonize` (fork, wait for the child's word), `run`
/// (pid file, the daemon, the control transports, the loop).
public enum TeamdProcess {
    public static let runDirectory = "/var/run/teamd"
    public static let version = "1.32"

    /// Builds the control transports for a device, after its ports are in place; the executable supplies
    /// them. The D-Bus transport must come last: it takes its bus name when it is built, and a client such
    /// as NetworkManager takes the name for "teamd is ready".
    public typealias ControlFactory = (_ deviceName: String, _ options: TeamdCommandLine, _ log: Logger) throws
        -> [any ControlTransport]

    /// What one run of teamd was asked to do, once the command line and the config are read.
    struct Invocation {
        var argv0: String
        var commandLine: TeamdCommandLine
        var config: TeamdConfig
        var device: String
        var pidFile: String
        var logOutput: String?
        var logLevel: Logger.Level
        var log: Logger

        /// The logger for the daemon's lines, `ident` naming the device.
        mutating func relog(daemonized: Bool) {
            log = TeamdProcess.makeLogger(output: logOutput, daemonized: daemonized, ident: "\(argv0)_\(device)")
            log.logLevel = logLevel
        }
    }

    /// `kernel` is the real kernel's sockets (`KernelAccess.system`); `controls` builds the transports.
    public static func main(arguments: [String], kernel: KernelAccess, controls: ControlFactory) -> Int32 {
        var invocation: Invocation
        switch parse(arguments) {
        case .exit(let status): return status
        case .proceed(let parsed): invocation = parsed
        }
        switch invocation.commandLine.command {
        case .check: return PidFile.status(invocation.pidFile, device: invocation.device) != .notRunning ? 0 : 1
        case .kill: return killRunning(invocation)
        case .run: break
        default: return 1
        }
        guard canRun(invocation) else { return 1 }
        var ready = ReadyPipe()
        if invocation.commandLine.daemonize {
            switch daemonize(log: invocation.log) {
            case .parent(let status): return status
            case .child(let pipe):
                ready = pipe
                invocation.relog(daemonized: true)
            }
        }
        return run(invocation, ready: &ready, kernel: kernel, controls: controls)
    }

    enum Parsed {
        case exit(Int32)
        case proceed(Invocation)
    }

    /// The command line and the config, decoded and validated before anything is touched; help and
    /// version are answered here.
    static func parse(_ arguments: [String]) -> Parsed {
        let argv0 = arguments.first.map { String($0.split(separator: "/").last ?? "teamd") } ?? "teamd"
        var commandLine: TeamdCommandLine
        do {
            commandLine = try TeamdCommandLine.parse(Array(arguments.dropFirst()))
        } catch {
            printError("\(argv0): \(error)")
            return .exit(1)
        }
        switch commandLine.command {
        case .help:
            print(TeamdCommandLine.help(argv0: argv0), terminator: "")
            return .exit(0)
        case .version:
            print("\(argv0) \(version)")
            return .exit(0)
        case .run, .kill, .check:
            break
        }
        if commandLine.backend == nil, let text = getenv("TEAMD_BACKEND").map({ String(cString: $0) }), !text.isEmpty {
            do throws(TeamdCommandLine.ParseError) { commandLine.backend = try TeamdCommandLine.backend(text) } catch {
                printError("\(argv0): TEAMD_BACKEND: \"\(text)\" is not a backend; use team or bonding")
                return .exit(1)
            }
        }
        let output = commandLine.logOutput ?? getenv("TEAM_LOG_OUTPUT").map { String(cString: $0) }
        // Until it forks, teamd logs to stderr (where the user sees why it refused to start); the daemon
        // child logs to syslog unless -l says otherwise, as libdaemon does.
        var log = makeLogger(output: output, daemonized: false, ident: argv0)
        log.logLevel = commandLine.debugLevel > 0 ? .debug : .info
        let config: TeamdConfig
        do {
            config = try loadConfig(commandLine, log: log)
        } catch {
            log.error("Failed to load config: \(error)")
            return .exit(1)
        }
        for warning in config.warnings { log.warning("config: \(warning)") }
        if config.debugLevel > 0 { log.logLevel = .debug }
        guard let device = commandLine.teamDevice ?? config.device ?? (commandLine.command == .run ? generateName() : nil)
        else {
            log.error("Team device name not specified.")
            return .exit(1)
        }
        var invocation = Invocation(
            argv0: argv0, commandLine: commandLine, config: config, device: device,
            pidFile: commandLine.pidFile ?? "\(runDirectory)/\(device).pid", logOutput: output,
            logLevel: (commandLine.debugLevel > 0 || config.debugLevel > 0) ? .debug : .info, log: log)
        invocation.relog(daemonized: false)
        return .proceed(invocation)
    }

    /// `-k`: SIGTERM to the running daemon, then wait for it to go, as the C teamd does (5 s), polling
    /// every 10 ms. Only a teamd for this team is signalled (see `PidFile`), never whatever process
    /// reuses a stale file's pid.
    static func killRunning(_ invocation: Invocation) -> Int32 {
        guard case .running(let pid) = PidFile.status(invocation.pidFile, device: invocation.device) else {
            invocation.log.warning("Daemon not running")
            return 1
        }
        kill(pid, SIGTERM)
        for _ in 0..<500 {
            if Glibc.kill(pid, 0) != 0 { return 0 }
            usleep(10_000)
        }
        invocation.log.warning("Failed to kill daemon: timed out")
        return 1
    }

    /// Root, and no daemon running for the device yet.
    static func canRun(_ invocation: Invocation) -> Bool {
        guard getuid() == 0 else {
            invocation.log.error("This program is intended to be run as root.")
            return false
        }
        if case .running(let pid) = PidFile.status(invocation.pidFile, device: invocation.device) {
            invocation.log.error("Daemon already running on PID \(pid).")
            return false
        }
        mkdir(runDirectory, 0o755)
        return true
    }

    /// The daemon itself: pid file, signals, the team, the control transports, the loop; `ready` hears
    /// whether start-up worked (the waiting parent of `-d`).
    static func run(_ invocation: Invocation, ready: inout ReadyPipe, kernel: KernelAccess,
                    controls: ControlFactory) -> Int32 {
        let log = invocation.log
        // The pid file is taken here, after the fork, exclusively and locked for the daemon's life: of two
        // teamds started together, the second stops here and leaves the first one's file alone.
        let pidFile: PidFile
        switch PidFile.acquire(invocation.pidFile, device: invocation.device) {
        case .success(let acquired): pidFile = acquired
        case .failure(.running(let pid)):
            log.error("Daemon already running on PID \(pid).")
            ready.report(1)
            return 1
        case .failure(.system(let code)):
            log.error("Could not create PID file \(invocation.pidFile): \(Errno(rawValue: code)).")
            ready.report(1)
            return 1
        }
        defer { pidFile.release() }
        // Signals arrive on a descriptor (the self-pipe trick), read by the loop like everything else.
        let signalFD = SignalPipe.install([SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2])
        let daemon: Daemon
        do {
            daemon = try Daemon.start(config: invocation.config, options: daemonOptions(invocation), kernel: kernel,
                                      logger: log)
        } catch {
            log.error("Failed: \(error)")
            ready.report(1)
            return 1
        }
        var transports: [any ControlTransport]
        do {
            transports = try controls(invocation.device, invocation.commandLine, log)
        } catch {
            log.error("Failed to init control interfaces: \(error)")
            daemon.stop()
            ready.report(1)
            return 1
        }
        ready.report(0)
        log.info("\(version) successfully started.")
        StartupCodeTrim.apply()
        let systemd = SystemdNotifier()  // nil unless systemd started us with NOTIFY_SOCKET
        systemd?.notify("READY=1")

        daemon.subscribe { [transports] event in
            for transport in transports { transport.publish(event) }
        }
        let (exit, ending) = runLoop(daemon: daemon, signalFD: signalFD, transports: transports, systemd: systemd, log: log)
        systemd?.notify("STOPPING=1")
        log.info("Exiting...")
        daemon.announceStop()
        for transport in transports { transport.close() }
        transports.removeAll()
        switch ending {
        case .warmRestart?: daemon.exitForRestart(saveState: true)
        case .fastRestart?: daemon.exitForRestart(saveState: false)
        case .terminate?, nil: daemon.stop()
        }
        return exit
    }

    static func daemonOptions(_ invocation: Invocation) -> DaemonOptions {
        let commandLine = invocation.commandLine
        var options = DaemonOptions(deviceName: invocation.device)
        options.takeOver = commandLine.takeOver
        options.forceRecreate = commandLine.forceRecreate
        options.noQuitDestroy = commandLine.noQuitDestroy
        options.noPorts = commandLine.noPorts
        options.daemonized = commandLine.daemonize
        options.pidFile = invocation.pidFile
        options.debugLevel = commandLine.debugLevel
        options.dbusEnabled = commandLine.dbus
        options.zmqEnabled = commandLine.zmqAddress != nil
        options.backend = commandLine.backend
        options.warmStart = commandLine.warmStart
        options.stateDirectory = commandLine.stateDirectory
        return options
    }

    /// The poll loop: team and link events, control requests, timers, signals. Returns the exit status and
    /// the signal's way of ending, if a signal ended it.
    static func runLoop(daemon: Daemon, signalFD: Int32, transports: [any ControlTransport],
                        systemd: SystemdNotifier? = nil, log: Logger) -> (Int32, SignalPipe.Ending?) {
        let handler = { (request: ControlRequest) -> ControlReply in daemon.reply(to: request) }
        while !daemon.shouldQuit {
            var turn = LoopTurn(daemon: daemon, signalFD: signalFD, transports: transports, systemd: systemd)
            do throws(Errno) {
                _ = try Poll.wait(&turn.fds, until: turn.timeout.map { .now.advanced(by: .milliseconds($0)) })
            } catch {
                log.error("poll() failed: \(error)")
                return (2, nil)
            }
            daemon.fireDueTimers()
            systemd?.keepAlive()  // WATCHDOG=1 when due: the loop is turning
            for transport in transports {
                if let due = transport.timeoutMilliseconds(), due <= 0 { transport.handleTimeout(handler: handler) }
            }
            for entry in turn.fds where entry.revents != 0 {
                if entry.fd == signalFD {
                    switch SignalPipe.readEnding(signalFD) {
                    case .terminate?:
                        log.warning("Got SIGINT, SIGQUIT or SIGTERM.")
                        return (0, .terminate)
                    case .warmRestart?:
                        log.warning("Got SIGUSR1.")
                        return (0, .warmRestart)
                    case .fastRestart?:
                        log.warning("Got SIGUSR2.")
                        return (0, .fastRestart)
                    case nil:
                        break
                    }
                } else if turn.daemonDescriptors.contains(entry.fd) {
                    daemon.handleReadable(entry.fd)
                } else if let index = turn.transportOf[entry.fd] {
                    transports[index].handleReadable(entry.fd, handler: handler)
                }
            }
        }
        return (0, nil)
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

/// What one turn of the loop polls: the signal descriptor, the daemon's, every transport's (with the
/// transport that owns each, found once per turn rather than once per ready descriptor), and the
/// earliest timeout of the daemon, the transports and systemd's watchdog.
struct LoopTurn {
    var fds: [pollfd]
    let daemonDescriptors: [Int32]
    let transportOf: [Int32: Int]
    let timeout: Int64?

    init(daemon: Daemon, signalFD: Int32, transports: [any ControlTransport], systemd: SystemdNotifier?) {
        daemonDescriptors = daemon.descriptors
        fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        fds += daemonDescriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var owners: [Int32: Int] = [:]
        var timeout = daemon.timeoutMilliseconds().map { Int64($0) }
        for (index, transport) in transports.enumerated() {
            for fd in transport.descriptors {
                fds.append(pollfd(fd: fd, events: transport.pollEvents(for: fd), revents: 0))
                owners[fd] = index
            }
            if let due = transport.timeoutMilliseconds() { timeout = min(timeout ?? due, due) }
        }
        if let due = systemd?.timeoutMilliseconds() { timeout = min(timeout ?? due, due) }
        transportOf = owners
        self.timeout = timeout
    }
}
