/// teamd's command line (`-V` is accepted for `-v`, as the man page documents it), parsed the way the C teamd's getopt_long does: short options may be bundled
/// (`-gg`, `-dt team0`), an argument may be attached (`-tteam0`, `--team-dev=team0`) or follow, and
/// `--` ends the options.
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

    public init() {}

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private static let withArgument: Set<Character> = ["f", "c", "p", "t", "Z", "l", "B"]
    private static let longNames: [String: Character] = [
        "help": "h", "daemonize": "d", "kill": "k", "check": "e", "version": "v", "config-file": "f",
        "config": "c", "pid-file": "p", "debug": "g", "log-output": "l", "force-recreate": "r",
        "take-over": "o", "no-quit-destroy": "N", "team-dev": "t", "no-ports": "n", "dbus-enable": "D",
        "zmq-enable": "Z", "usock-enable": "U", "usock-disable": "u", "backend": "B",
    ]

    /// Parses the arguments after argv[0].
    public static func parse(_ arguments: [String]) throws(ParseError) -> TeamdCommandLine {
        var result = TeamdCommandLine()
        var i = 0
        var operands: [String] = []
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if arg == "--" { operands += arguments[i...]; break }
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                var inline: String? = nil
                if let eq = body.firstIndex(of: "=") { inline = String(body[body.index(after: eq)...]) }
                // getopt_long accepts unambiguous prefixes of long names.
                let matches = longNames.keys.filter { $0.hasPrefix(name) }
                let key = longNames[name] != nil ? name : (matches.count == 1 ? matches[0] : nil)
                guard let key, let option = longNames[key] else {
                    throw ParseError(message: matches.count > 1 ? "option '--\(name)' is ambiguous"
                                                                : "unrecognized option '--\(name)'")
                }
                var value: String? = nil
                if withArgument.contains(option) {
                    if let inline { value = inline } else if i < arguments.count { value = arguments[i]; i += 1 } else {
                        throw ParseError(message: "option '--\(key)' requires an argument")
                    }
                } else if inline != nil {
                    throw ParseError(message: "option '--\(key)' doesn't allow an argument")
                }
                try result.apply(option, value)
                continue
            }
            if arg.hasPrefix("-") && arg.count > 1 {
                var chars = Substring(arg.dropFirst())
                while let option = chars.first {
                    chars = chars.dropFirst()
                    guard "hdkevVfcpglroNtnDZUu".contains(option) else {
                        throw ParseError(message: "invalid option -- '\(option)'")
                    }
                    if withArgument.contains(option) {
                        var value: String
                        if !chars.isEmpty { value = String(chars); chars = "" } else if i < arguments.count {
                            value = arguments[i]; i += 1
                        } else {
                            throw ParseError(message: "option requires an argument -- '\(option)'")
                        }
                        try result.apply(option, value)
                        break
                    }
                    try result.apply(option, nil)
                }
                continue
            }
            operands.append(arg)
        }
        if !operands.isEmpty { throw ParseError(message: "Too many arguments") }
        return result
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
        guard !bytes.isEmpty else { throw refuse("is empty") }
        guard bytes.count <= 15 else { throw refuse("is \(bytes.count) bytes long; an interface name has at most 15") }
        guard name != ".", name != ".." else { throw refuse("is not a possible interface name") }
        guard !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0
                                     || [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d].contains($0) }) else {
            throw refuse("contains '/', NUL or whitespace, which an interface name cannot")
        }
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
               --backend=BACKEND     team or bonding (default: team when the driver
                                     loads, else bonding; also TEAMD_BACKEND)
        Available runners: broadcast, roundrobin, random, activebackup, loadbalance, lacp

        """
    }
}
