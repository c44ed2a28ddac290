import Getopt
import TeamWire

/// teamd's command line (`-V` is accepted for `-v`, as the man page documents it), parsed by the shared
/// getopt_long (Getopt) as the C teamd's: short options may be bundled (`-gg`, `-dt team0`), an argument
/// may be attached (`-tteam0`, `--team-dev=team0`) or follow, and `--` ends the options.
public struct TeamdCommandLine: Equatable, Sendable {
    public enum Command: Equatable, Sendable {
        case run, help, version, kill, check
    }

    public var command: Command = .run
    public var daemonize = false
    public var configFile: String?
    public var configText: String?
    public var pidFile: String?
    /// `-g`, repeatable.
    public var debugLevel = 0
    /// `-l`: stdout, stderr or syslog (also TEAM_LOG_OUTPUT).
    public var logOutput: String?
    public var forceRecreate = false
    public var takeOver = false
    public var noQuitDestroy = false
    public var teamDevice: String?
    public var noPorts = false
    public var dbus = false
    public var zmqAddress: String?
    public var unixSocket = true
    /// `--backend team|bonding` (ours): force the kernel driver; nil picks one (TEAMD_BACKEND, then probing).
    public var backend: Backend?
    /// `-w`, `--warm-start` (SONiC): warm start; also takes over an existing device, as `-o`.
    public var warmStart = false
    /// `-L`, `--lacp-directory` (SONiC): the state directory of warm restart.
    public var stateDirectory: String?
    /// `--config-dir DIR` (ours): one process runs a team for every `DIR/*.conf` (see `TeamSet`).
    public var configDirectory: String?

    public init() {}

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// C teamd's getopt_long table, in its order ("-V" is accepted for "-v", as the man page documents).
    static let options = GetoptLong(shortOptions: "hdkevVf:c:p:gl:roNt:nDZ:UuwL:", longOptions: [
        .init(name: "help", takesArgument: false, short: "h"),
        .init(name: "daemonize", takesArgument: false, short: "d"),
        .init(name: "kill", takesArgument: false, short: "k"),
        .init(name: "check", takesArgument: false, short: "e"),
        .init(name: "version", takesArgument: false, short: "v"),
        .init(name: "config-file", takesArgument: true, short: "f"),
        .init(name: "config", takesArgument: true, short: "c"),
        .init(name: "pid-file", takesArgument: true, short: "p"),
        .init(name: "debug", takesArgument: false, short: "g"),
        .init(name: "log-output", takesArgument: true, short: "l"),
        .init(name: "force-recreate", takesArgument: false, short: "r"),
        .init(name: "take-over", takesArgument: false, short: "o"),
        .init(name: "no-quit-destroy", takesArgument: false, short: "N"),
        .init(name: "team-dev", takesArgument: true, short: "t"),
        .init(name: "no-ports", takesArgument: false, short: "n"),
        .init(name: "dbus-enable", takesArgument: false, short: "D"),
        .init(name: "zmq-enable", takesArgument: true, short: "Z"),
        .init(name: "usock-enable", takesArgument: false, short: "U"),
        .init(name: "usock-disable", takesArgument: false, short: "u"),
        .init(name: "warm-start", takesArgument: false, short: "w"),      // SONiC's
        .init(name: "lacp-directory", takesArgument: true, short: "L"),   // SONiC's
        .init(name: "backend", takesArgument: true, short: "B"),   // ours, long only
        .init(name: "config-dir", takesArgument: true, short: "M"),   // ours, long only
    ])

    /// Parses the arguments after argv[0]; the first error (getopt's, as glibc words it, or ours) stops.
    public static func parse(_ arguments: [String]) throws(ParseError) -> TeamdCommandLine {
        var result = TeamdCommandLine()
        let scanned = options.scan(arguments)
        for item in scanned.items {
            switch item {
            case .error(let message): throw ParseError(message: message)
            case .option(let option, let value): try result.apply(option, value)
            }
        }
        if !scanned.operands.isEmpty { throw ParseError(message: "Too many arguments") }
        try result.checkConfigDirectory()
        return result
    }

    /// `--config-dir` names every team's config, device, pid file and sockets itself: the options that
    /// name one team's cannot go with it, nor -k/-e (which look at one team's pid file).
    private func checkConfigDirectory() throws(ParseError) {
        guard configDirectory != nil else { return }
        let clashes = [("-f", configFile != nil), ("-c", configText != nil), ("-t", teamDevice != nil),
                       ("-p", pidFile != nil), ("-Z", zmqAddress != nil), ("-k", command == .kill),
                       ("-e", command == .check)]
        if let (option, _) = clashes.first(where: { $0.1 }) {
            throw ParseError(message: "--config-dir: \(option) cannot be used with it (each file names its own team)")
        }
    }

    private mutating func apply(_ option: Character, _ value: String?) throws(ParseError) {
        switch option {
        case "h": command = .help
        case "d": daemonize = true
        case "k": command = .kill
        case "e": command = .check
        case "v", "V": command = .version
        case "f": configFile = value
        case "c": configText = value
        case "p": pidFile = value
        case "g": debugLevel += 1
        case "l":
            guard let value, ["stdout", "stderr", "syslog"].contains(value) else {
                throw ParseError(message: "-l: log output must be stdout, stderr or syslog")
            }
            logOutput = value
        case "r": forceRecreate = true
        case "o": takeOver = true
        case "N": noQuitDestroy = true
        case "t":
            guard let value else { break }
            try Self.validateDeviceName(value)
            teamDevice = value
        case "n": noPorts = true
        case "D": dbus = true
        case "Z": zmqAddress = value
        case "U": unixSocket = true
        case "u": unixSocket = false
        case "B": backend = try Self.backend(value ?? "")
        case "M":
            guard let value, !value.isEmpty else { throw ParseError(message: "--config-dir: the directory is empty") }
            configDirectory = value
        case "w": warmStart = true
        case "L":
            guard let value, !value.isEmpty else { throw ParseError(message: "-L: the lacp directory is empty") }
            if let why = SavedStateDirectory.check(value) { throw ParseError(message: "-L: \(why)") }
            stateDirectory = value
        default: break
        }
    }

    /// `--backend` and TEAMD_BACKEND: "team" or "bonding".
    static func backend(_ text: String) throws(ParseError) -> Backend {
        guard let backend = Backend(rawValue: text) else {
            throw ParseError(message: "--backend: \"\(text)\" is not a backend; use team or bonding")
        }
        return backend
    }

    /// `-t NAME` names the team device, and also the pid file (`/var/run/teamd/NAME.pid`) and the control
    /// socket (`/var/run/teamd/NAME.sock`): it must be a name the kernel could give an interface
    /// (dev_valid_name: 1 to IFNAMSIZ-1 = 15 bytes, no '/', no whitespace, not "." or ".."; a NUL cannot
    /// be passed in argv), so that it can never reach outside the run directory or overflow a netlink
    /// attribute. The C teamd does not check it.
    static func validateDeviceName(_ name: String) throws(ParseError) {
        let bytes = Array(name.utf8)
        let shown = bytes.count > 32 ? String(decoding: bytes.prefix(32), as: UTF8.self) + "..." : name
        func refuse(_ why: String) -> ParseError {
            ParseError(message: "-t: team device name \"\(shown)\" \(why)")
        }
        if let problem = InterfaceName.problem(name) { throw refuse(problem) }
    }

    public static func help(argv0: String) -> String {
        """
        \(argv0) [options]
            -h --help                Show this help
            -d --daemonize           Daemonize after startup
            -k --kill                Kill running daemon instance
            -e --check               Return 0 if a daemon is already running
            -v --version             Show version
            -f --config-file=FILE    Load the specified configuration file
            -c --config=TEXT         Use given config string (This causes configuration
                                     file will be ignored)
            -p --pid-file=FILE       Use the specified PID file
            -g --debug               Increase verbosity
            -l --log-output=OUTPUT   Log to stdout, stderr or syslog
            -r --force-recreate      Force team device recreation in case it
                                     already exists
            -o --take-over           Take over the device if it already exists
            -N --no-quit-destroy     Do not destroy the device on quit
            -t --team-dev=DEVNAME    Use the specified team device
            -n --no-ports            Start without ports
            -D --dbus-enable         Enable D-Bus interface
            -Z --zmq-enable=ADDRESS  Enable ZeroMQ interface
            -U --usock-enable        Enable UNIX domain socket interface
            -u --usock-disable       Disable UNIX domain socket interface
            -w --warm-start          Warm-start startup mode
            -L --lacp-directory      Directory for saving lacp pdu dumps
               --backend=BACKEND     team or bonding (default: team when the driver
                                     loads, else bonding; also TEAMD_BACKEND)
               --config-dir=DIR      Run a team for every DIR/*.conf in this one process
        Available runners: broadcast, roundrobin, random, activebackup, loadbalance, lacp

        """
    }
}
