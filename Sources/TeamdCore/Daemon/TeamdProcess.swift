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
        /// What an error about this team starts with: "" for the one team of `-t`/`-f`/`-c`, the config
        /// file's path and a colon for each team of `--config-dir`.
        var origin = ""

        /// The logger for the daemon's lines, `ident` naming the device.
        mutating func relog(daemonized: Bool) {
            log = TeamdProcess.makeLogger(output: logOutput, daemonized: daemonized, ident: "\(argv0)_\(device)")
            log.logLevel = logLevel
        }
    }

    /// `kernel` is the real kernel's sockets (`KernelAccess.system`); `controls` builds the transports.
    public static func main(arguments: [String], kernel: KernelAccess, controls: ControlFactory) -> Int32 {
        var request: Request
        switch parse(arguments) {
        case .exit(let status): return status
        case .proceed(let parsed): request = parsed
        }
        let first = request.invocations[0]
        switch first.commandLine.command {
        case .check: return PidFile.status(first.pidFile, device: first.device) != .notRunning ? 0 : 1
        case .kill: return killRunning(first)
        case .run: break
        default: return 1
        }
        guard getuid() == 0 else {
            request.log.error("This program is intended to be run as root.")
            return 1
        }
        request.invocations.removeAll { isRunning($0) }
        guard !request.invocations.isEmpty else { return 1 }
        mkdir(runDirectory, 0o755)
        var ready = ReadyPipe()
        if first.commandLine.daemonize {
            // 20 s as the C teamd's for one team, and a second more for each further team.
            switch daemonize(log: request.log, wait: .seconds(20 + request.invocations.count - 1)) {
            case .parent(let status): return status
            case .child(let pipe):
                ready = pipe
                request.relog(daemonized: true)
            }
        }
        return run(request.invocations, ready: &ready, kernel: kernel, controls: controls, log: request.log)
    }

    /// The teams one process runs (one, or one per file of `--config-dir`) and the process's own logger.
    struct Request {
        var invocations: [Invocation]
        var log: Logger
        var logOutput: String?
        var argv0: String

        /// After the fork: each team's logger, and the process's (the one team's own, as the C teamd's
        /// ident `teamd_DEV`, or `teamd` for `--config-dir`).
        mutating func relog(daemonized: Bool) {
            for index in invocations.indices { invocations[index].relog(daemonized: daemonized) }
            if invocations.count == 1, invocations[0].origin.isEmpty {
                log = invocations[0].log
            } else {
                let level = log.logLevel
                log = TeamdProcess.makeLogger(output: logOutput, daemonized: daemonized, ident: argv0)
                log.logLevel = level
            }
        }
    }

    enum Parsed {
        case exit(Int32)
        case proceed(Request)
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
        if let directory = commandLine.configDirectory {
            let invocations = teamsInDirectory(directory, commandLine: commandLine, argv0: argv0, logOutput: output, log: log)
            guard !invocations.isEmpty else { return .exit(1) }
            return .proceed(Request(invocations: invocations, log: log, logOutput: output, argv0: argv0))
        }
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
        return .proceed(Request(invocations: [invocation], log: invocation.log, logOutput: output, argv0: argv0))
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

    /// Whether a daemon runs for the invocation's device already (said in the log).
    static func isRunning(_ invocation: Invocation) -> Bool {
        guard case .running(let pid) = PidFile.status(invocation.pidFile, device: invocation.device) else { return false }
        invocation.log.error("\(invocation.origin)Daemon already running on PID \(pid).")
        return true
    }

    /// The daemon itself: per team its pid file, the team and its control transports, then signals and
    /// the loop; `ready` hears whether start-up worked (the waiting parent of `-d`). With one team (the C
    /// teamd's way) any failure ends the process; with `--config-dir` a team that fails is logged, naming
    /// its file, and the others run; none running is a failure.
    static func run(_ invocations: [Invocation], ready: inout ReadyPipe, kernel: KernelAccess,
                    controls: ControlFactory, log: Logger) -> Int32 {
        if invocations.count > 1 { raiseDescriptorLimit() }
        var teams: [TeamRun] = []
        for invocation in invocations {
            if let team = startTeam(invocation, kernel: kernel, controls: controls) {
                teams.append(team)
            } else if invocations.count == 1 {
                ready.report(1)
                return 1
            }
        }
        guard !teams.isEmpty else {
            log.error("No team started.")
            ready.report(1)
            return 1
        }
        // Signals arrive on a descriptor (the self-pipe trick), read by the loop like everything else.
        let signalFD = SignalPipe.install([SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2])
        ready.report(0)
        StartupCodeTrim.apply()
        let systemd = SystemdNotifier()  // nil unless systemd started us with NOTIFY_SOCKET
        systemd?.notify("READY=1")
        let (exit, ending) = runLoop(teams: &teams, signalFD: signalFD, systemd: systemd, log: log)
        systemd?.notify("STOPPING=1")
        log.info("Exiting...")
        for team in teams { team.finish(ending) }
        return exit
    }

    /// One team's start: its pid file (taken after the fork, exclusively and locked for the daemon's life:
    /// of two teamds started together, the second stops here and leaves the first one's file alone), the
    /// daemon, its control transports. Nil, with the reason logged and nothing left behind, on failure.
    static func startTeam(_ invocation: Invocation, kernel: KernelAccess, controls: ControlFactory) -> TeamRun? {
        let log = invocation.log
        let pidFile: PidFile
        switch PidFile.acquire(invocation.pidFile, device: invocation.device) {
        case .success(let acquired): pidFile = acquired
        case .failure(.running(let pid)):
            log.error("\(invocation.origin)Daemon already running on PID \(pid).")
            return nil
        case .failure(.system(let code)):
            log.error("\(invocation.origin)Could not create PID file \(invocation.pidFile): \(Errno(rawValue: code)).")
            return nil
        }
        let daemon: Daemon
        do {
            daemon = try Daemon.start(config: invocation.config, options: daemonOptions(invocation), kernel: kernel,
                                      logger: log)
        } catch {
            log.error("\(invocation.origin)Failed: \(error)")
            pidFile.release()
            return nil
        }
        let transports: [any ControlTransport]
        do {
            transports = try controls(invocation.device, invocation.commandLine, log)
        } catch {
            log.error("\(invocation.origin)Failed to init control interfaces: \(error)")
            daemon.stop()
            pidFile.release()
            return nil
        }
        log.info("\(version) successfully started.")
        return TeamRun(device: invocation.device, daemon: daemon, transports: transports, pidFile: pidFile)
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
