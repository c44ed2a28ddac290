import Glibc
import Logging
import SystemSupport
import TeamWire
import TeamdControl

/// One team of the process: its daemon, its control transports and its pid file. A process runs one
/// (the C teamd's way) or one per file of `--config-dir`, all in one loop (`TeamdProcess.runLoop`).
final class TeamRun {
    let device: String
    let daemon: Daemon
    private(set) var transports: [any ControlTransport]
    private let pidFile: PidFile?
    /// Answers this team's control requests.
    let handler: (ControlRequest) -> ControlReply

    init(device: String, daemon: Daemon, transports: [any ControlTransport], pidFile: PidFile?) {
        self.device = device
        self.daemon = daemon
        self.transports = transports
        self.pidFile = pidFile
        handler = { [daemon] request in daemon.reply(to: request) }
        daemon.subscribe { [transports] event in
            for transport in transports { transport.publish(event) }
        }
    }

    /// Ends the team: its event subscribers hear it stop, its transports close, then the daemon stops
    /// (releasing the ports and deleting the device unless -N) or, for SIGUSR1/SIGUSR2, leaves the team
    /// to the next teamd; last the pid file goes.
    func finish(_ ending: SignalPipe.Ending?) {
        daemon.announceStop()
        for transport in transports { transport.close() }
        transports.removeAll()
        switch ending {
        case .warmRestart?: daemon.exitForRestart(saveState: true)
        case .fastRestart?: daemon.exitForRestart(saveState: false)
        case .terminate?, nil: daemon.stop()
        }
        pidFile?.release()
    }
}

extension TeamdProcess {
    /// The poll loop of one team (the tests' way in): see `runLoop(teams:...)`.
    static func runLoop(daemon: Daemon, signalFD: Int32, transports: [any ControlTransport],
                        systemd: SystemdNotifier? = nil, log: Logger) -> (Int32, SignalPipe.Ending?) {
        var teams = [TeamRun(device: daemon.options.deviceName, daemon: daemon, transports: transports, pidFile: nil)]
        return runLoop(teams: &teams, signalFD: signalFD, systemd: systemd, log: log)
    }

    /// The poll loop: every team's kernel events, control requests and timers, and the signals. A team
    /// that ends by itself (its device deleted) is finished and left out; the loop returns when none is
    /// left, or with the signal's way of ending, which the caller applies to the teams still in `teams`.
    static func runLoop(teams: inout [TeamRun], signalFD: Int32, systemd: SystemdNotifier? = nil,
                        log: Logger) -> (Int32, SignalPipe.Ending?) {
        while true {
            for team in teams where team.daemon.shouldQuit { team.finish(nil) }
            teams.removeAll { $0.daemon.shouldQuit }
            if teams.isEmpty { return (0, nil) }
            var turn = LoopTurn(teams: teams, signalFD: signalFD, systemd: systemd)
            do throws(Errno) {
                _ = try Poll.wait(&turn.fds, until: turn.timeout.map { .now.advanced(by: .milliseconds($0)) })
            } catch {
                log.error("poll() failed: \(error)")
                return (2, nil)
            }
            for team in teams { team.daemon.fireDueTimers() }
            systemd?.keepAlive()  // WATCHDOG=1 when due: the loop is turning
            for team in teams {
                for transport in team.transports {
                    if let due = transport.timeoutMilliseconds(), due <= 0 { transport.handleTimeout(handler: team.handler) }
                }
            }
            for entry in turn.fds where entry.revents != 0 {
                if entry.fd == signalFD {
                    if let ending = SignalPipe.readEnding(signalFD) {
                        log.warning("\(ending.logLine)")
                        return (0, ending)
                    }
                    continue
                }
                switch turn.owners[entry.fd] {
                case .daemon(let team)?: teams[team].daemon.handleReadable(entry.fd)
                case .transport(let team, let index)?:
                    teams[team].transports[index].handleReadable(entry.fd, handler: teams[team].handler)
                case nil: break
                }
            }
        }
    }

    /// `--config-dir DIR`: a team for every `DIR/*.conf`, in name order, its device the config's
    /// `device` or else the file's name without `.conf`. A file that cannot be read or decoded, names an
    /// impossible device or one an earlier file took, is logged with its path and left out.
    static func teamsInDirectory(_ directory: String, commandLine: TeamdCommandLine, argv0: String,
                                 logOutput: String?, log: Logger) -> [Invocation] {
        guard let names = Directory.names(at: directory) else {
            log.error("--config-dir: cannot read \(directory): \(Errno(rawValue: errno))")
            return []
        }
        let files = names.filter { $0.hasSuffix(".conf") && $0.count > ".conf".count }
        guard !files.isEmpty else {
            log.error("--config-dir: no *.conf file in \(directory)")
            return []
        }
        var invocations: [Invocation] = []
        var owners: [String: String] = [:]
        for name in files {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var teamLine = commandLine
            teamLine.configDirectory = nil
            teamLine.configFile = path
            let config: TeamdConfig
            do {
                config = try loadConfig(teamLine, log: log)
            } catch {
                log.error("\(path): Failed to load config: \(error)")
                continue
            }
            let device = config.device ?? String(name.dropLast(".conf".count))
            if let problem = InterfaceName.problem(device) {
                log.error("\(path): team device name \"\(device)\" \(problem)")
                continue
            }
            if let earlier = owners[device] {
                log.error("\(path): team device \(device) is already the team of \(earlier)")
                continue
            }
            owners[device] = path
            for warning in config.warnings { log.warning("\(path): config: \(warning)") }
            var invocation = Invocation(
                argv0: argv0, commandLine: teamLine, config: config, device: device,
                pidFile: "\(runDirectory)/\(device).pid", logOutput: logOutput,
                logLevel: (commandLine.debugLevel > 0 || config.debugLevel > 0) ? .debug : .info, log: log,
                origin: "\(path): ")
            invocation.relog(daemonized: false)
            invocations.append(invocation)
        }
        return invocations
    }

    /// Many teams need more descriptors than the usual soft limit of 1024 (each has its netlink sockets,
    /// a packet socket per port and watcher, its control socket and clients): the soft limit goes up to
    /// the hard one. poll() has no FD_SETSIZE bound.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// What one turn of the loop polls: the signal descriptor, then every team's daemon and transport
/// descriptors, each with its owner (found once per turn, not once per ready descriptor), and the
/// earliest timeout of the daemons, the transports and systemd's watchdog.
struct LoopTurn {
    enum Owner {
        case daemon(Int)
        case transport(Int, Int)
    }

    var fds: [pollfd]
    let owners: [Int32: Owner]
    let timeout: Int64?

    init(teams: [TeamRun], signalFD: Int32, systemd: SystemdNotifier?) {
        fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        var owners: [Int32: Owner] = [:]
        var timeout: Int64?
        func earliest(_ due: Int64?) {
            if let due { timeout = min(timeout ?? due, due) }
        }
        for (team, run) in teams.enumerated() {
            for fd in run.daemon.descriptors {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                owners[fd] = .daemon(team)
            }
            earliest(run.daemon.timeoutMilliseconds().map { Int64($0) })
            for (index, transport) in run.transports.enumerated() {
                for fd in transport.descriptors {
                    fds.append(pollfd(fd: fd, events: transport.pollEvents(for: fd), revents: 0))
                    owners[fd] = .transport(team, index)
                }
                earliest(transport.timeoutMilliseconds())
            }
        }
        earliest(systemd?.timeoutMilliseconds())
        self.owners = owners
        self.timeout = timeout
    }
}
