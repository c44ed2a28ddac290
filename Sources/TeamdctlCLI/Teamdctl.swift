import Glibc
import SystemSupport
import TeamdControl
import TeamJSON
import Getopt

/// Where teamdctl writes. The executable writes through to stdout and stderr; tests
/// record.
public protocol TeamdctlOutput {
    mutating func standardOutput(_ text: String)
    mutating func standardError(_ text: String)
}

/// The result of looking up the team device (`SIOCGIFINDEX`).
public enum InterfaceLookup: Hashable, Sendable {
    case index(UInt32)
    /// ENODEV: no such device.
    case notFound
    /// The lookup itself failed (e.g. EPERM: the C tool opens a packet socket for it,
    /// which needs CAP_NET_RAW).
    case failed(errno: Int32)
}

/// What teamdctl needs from the system, so that the whole tool runs in tests against
/// fakes.
public struct TeamdctlSystem {
    /// Looks up a device by name.
    public var interfaceIndex: (String) -> InterfaceLookup
    /// Opens a transport to the teamd of a device.
    public var connect: (String, TeamdControlTransportKind) throws(TeamdControlError) -> any TeamdControlTransport
    /// Transports built in besides the UNIX socket; `-D`/`-Z` are refused without them,
    /// as a C teamdctl built without them does.
    public var dbusAvailable: Bool
    public var zeroMQAvailable: Bool
    /// GNU getopt stops at the first operand when POSIXLY_CORRECT is set.
    public var posixlyCorrect: Bool

    public init(interfaceIndex: @escaping (String) -> InterfaceLookup,
                connect: @escaping (String, TeamdControlTransportKind) throws(TeamdControlError)
                    -> any TeamdControlTransport,
                dbusAvailable: Bool = false, zeroMQAvailable: Bool = false, posixlyCorrect: Bool = false)
    {
        self.interfaceIndex = interfaceIndex
        self.connect = connect
        self.dbusAvailable = dbusAvailable
        self.zeroMQAvailable = zeroMQAvailable
        self.posixlyCorrect = posixlyCorrect
    }

    /// The real system: the kernel's interface table, the three transports, and the
    /// POSIXLY_CORRECT environment variable.
    public static var live: TeamdctlSystem {
        TeamdctlSystem(
            interfaceIndex: lookUpInterface,
            connect: { (device, kind) throws(TeamdControlError) -> any TeamdControlTransport in
                switch kind {
                case .unixSocket: return try UnixControlTransport(teamDevice: device)
                case .dbus: return try DBusControlTransport(teamDevice: device)
                case .zeroMQ(let address): return try ZeroMQControlTransport(address: address)
                }
            },
            dbusAvailable: true, zeroMQAvailable: true,
            posixlyCorrect: getenv("POSIXLY_CORRECT") != nil)
    }
}

/// teamdctl (utils/teamdctl.c) as a function: parses the command line, talks to teamd,
/// and writes exactly what the C tool writes, to the same streams, with the same exit
/// status. Deliberate differences: a teamd that is not running gets one more line
/// saying so, and `port config update` checks that its JSON argument is a JSON object
/// before sending it.
public enum Teamdctl {
    public static let exitSuccess: Int32 = 0
    public static let exitFailure: Int32 = 1

    static let longOptions: [GetoptLong.LongOption] = [
        .init(name: "help", takesArgument: false, short: "h"),
        .init(name: "verbose", takesArgument: false, short: "v"),
        .init(name: "oneline", takesArgument: false, short: "o"),
        .init(name: "force-dbus", takesArgument: false, short: "D"),
        .init(name: "force-zmq", takesArgument: true, short: "Z"),
        .init(name: "force-usock", takesArgument: false, short: "U"),
    ]

    /// The help, as `teamdctl -h` prints it; `program` is argv[0].
    public static func help(program: String) -> String {
        var text = """
            \(program) [options] teamdevname command [command args]
                -h --help                Show this help
                -v --verbose             Increase output verbosity
                -o --oneline             Force output to one line if possible
                -D --force-dbus          Force to use D-Bus interface
                -Z --force-zmq=ADDRESS   Force to use ZeroMQ interface [-Z[Address]]
                -U --force-usock         Force to use UNIX domain socket interface
            Commands:

            """
        for line in TeamdctlCommand.usageLines {
            text += "    \(line)\n"
        }
        return text
    }

    /// The options as teamdctl's getopt loop takes them: `-v` counted, `-o`, the transports forced.
    struct Options {
        var verbosity = 0
        var oneLine = false
        var forced: [TeamdControlTransportKind] = []
    }

    /// Scans the options; nil after printing why teamdctl stops (help, a getopt error, a transport not
    /// compiled in), with the exit status in `status`.
    static func scanOptions(_ items: [GetoptLong.Item], program: String, system: TeamdctlSystem, status: inout Int32,
                            output: inout some TeamdctlOutput) -> Options? {
        var options = Options()
        for item in items {
            switch item {
            case .error(let message):
                output.standardError("\(program): \(message)\n")
                output.standardError("unknown option.\n")
                output.standardOutput(help(program: program))
                status = exitFailure
                return nil
            case .option("h", _):
                output.standardOutput(help(program: program))
                status = exitSuccess
                return nil
            case .option("v", _):
                options.verbosity += 1
            case .option("o", _):
                options.oneLine = true
            case .option("D", _):
                guard system.dbusAvailable else {
                    output.standardError("D-Bus support is not compiled-in\n")
                    status = exitFailure
                    return nil
                }
                options.forced.append(.dbus)
            case .option("Z", let address):
                guard system.zeroMQAvailable else {
                    output.standardError("ZeroMQ support is not compiled-in\n")
                    status = exitFailure
                    return nil
                }
                options.forced.append(.zeroMQ(address: address ?? ""))
            case .option(_, _):
                // -U (the only option left; getopt returns no other letter).
                options.forced.append(.unixSocket)
            }
        }
        return options
    }

    /// Runs teamdctl with `arguments` (argv, program name first); returns the exit status.
    public static func run(arguments: [String], system: TeamdctlSystem, output: inout some TeamdctlOutput) -> Int32 {
        let program = arguments.first ?? "teamdctl"
        let scanner = GetoptLong(shortOptions: "hvoDZ:U", longOptions: longOptions,
                                 posixlyCorrect: system.posixlyCorrect)
        let scanned = scanner.scan(Array(arguments.dropFirst()))
        var status = exitFailure
        guard let options = scanOptions(scanned.items, program: program, system: system, status: &status,
                                        output: &output) else { return status }
        let forced = options.forced
        // Repeating the same -U is fine; two different transports are not.
        var distinct: [TeamdControlTransportKind] = []
        for kind in forced where !distinct.contains(where: { $0.name == kind.name }) {
            distinct.append(kind)
        }
        guard distinct.count <= 1 else {
            output.standardError(
                "Only one interface could be forced at a time (UNIX domain socket, D-Bus, ZMQ).\n")
            output.standardOutput(help(program: program))
            return exitFailure
        }
        guard let device = scanned.operands.first else {
            output.standardError("No team device specified.\n")
            output.standardOutput(help(program: program))
            return exitFailure
        }
        let command: TeamdctlCommand
        switch TeamdctlCommand.parse(Array(scanned.operands.dropFirst())) {
        case .success(let parsed):
            command = parsed
        case .failure(let error):
            output.standardError("\(error)\n")
            output.standardOutput(help(program: program))
            return exitFailure
        }

        switch system.interfaceIndex(device) {
        case .index(let index) where index != 0:
            break
        case .index, .notFound:
            output.standardError("Device \"\(device)\" does not exist\n")
            return exitFailure
        case .failed(let code):
            output.standardError("Device \"\(device)\" - failed to get interface index (\(Errno(code).description))\n")
            return exitFailure
        }

        var session = Session(device: device, verbosity: options.verbosity, oneLine: options.oneLine)
        return session.run(command, forced: distinct.last, system: system, output: &output)
    }
}

/// One connection's worth of teamdctl: libteamdctl's connect (which fetches and caches
/// ConfigDump, ConfigDumpActual and StateDump), the device check, and the command.
struct Session {
    let device: String
    let verbosity: Int
    let oneLine: Bool

    var transport: (any TeamdControlTransport)?
    /// The UNIX socket's connect error, for a line saying what it means: the C tool
    /// only says "Invalid argument" when no transport connects.
    var socketError: TeamdControlError?
    var configDump = ""
    var configDumpActual = ""
    var stateDump = ""

    init(device: String, verbosity: Int, oneLine: Bool) {
        self.device = device
        self.verbosity = verbosity
        self.oneLine = oneLine
    }

    mutating func run(_ command: TeamdctlCommand, forced: TeamdControlTransportKind?, system: TeamdctlSystem,
                      output: inout some TeamdctlOutput) -> Int32
    {
        if let failure = connect(forced: forced, system: system, output: &output) {
            output.standardError("teamdctl_connect failed (\(Errno(failure).description))\n")
            if let hint = connectHint { output.standardError(hint) }
            return Teamdctl.exitFailure
        }
        guard checkDevice(output: &output) else { return Teamdctl.exitFailure }
        if let failure = call(command, output: &output) {
            output.standardError("command call failed (\(Errno(failure).description))\n")
            return Teamdctl.exitFailure
        }
        return Teamdctl.exitSuccess
    }

    /// libteamdctl `teamdctl_connect`; returns the errno of a failure.
    private mutating func connect(forced: TeamdControlTransportKind?, system: TeamdctlSystem,
                                  output: inout some TeamdctlOutput) -> Int32?
    {
        if let forced {
            do throws(TeamdControlError) {
                transport = try system.connect(device, forced)
            } catch {
                if forced == .unixSocket { socketError = error }
                output.standardError(Self.initMessages(error, transport: forced))
                output.standardError("libteamdctl: teamdctl_connect: Failed to connect using CLI \"\(forced.name)\".\n")
                return error.errno
            }
        } else {
            // Each transport in turn, quietly; libteamdctl silences their messages here.
            // ZeroMQ has no address in this mode, so it fails, as in libteamdctl.
            var candidates: [TeamdControlTransportKind] = [.unixSocket]
            if system.dbusAvailable { candidates.append(.dbus) }
            if system.zeroMQAvailable { candidates.append(.zeroMQ(address: "")) }
            for kind in candidates {
                do throws(TeamdControlError) {
                    transport = try system.connect(device, kind)
                    break
                } catch {
                    if kind == .unixSocket { socketError = error }
                }
            }
            guard transport != nil else {
                output.standardError("libteamdctl: teamdctl_connect: Failed to connect using all CLIs.\n")
                return EINVAL
            }
        }
        // teamdctl_refresh: the three dumps, cached for the commands that read them.
        do throws(TeamdControlError) {
            configDump = try call(.configDump)
            configDumpActual = try call(.configDumpActual)
            stateDump = try call(.stateDump)
        } catch {
            output.standardError(methodCallMessages(error))
            return error.errno
        }
        return nil
    }

    /// Our addition after libteamdctl's lines when the UNIX socket did not connect.
    private var connectHint: String? {
        guard transport == nil, case .connectFailed(let path, let code)? = socketError else { return nil }
        switch code {
        case ENOENT, ECONNREFUSED:
            return "teamdctl: teamd is not running for \"\(device)\" (nothing answers at \(path)).\n"
        case EACCES, EPERM:
            return "teamdctl: no permission to connect to \(path) (the control socket is root-only).\n"
        default:
            return nil
        }
    }

    private func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        guard let transport else { throw .connectionClosed }
        return try transport.call(request)
    }

    /// teamdctl `check_teamd_team_devname`: the daemon must control this device (the
    /// socket may be a link to another team's).
    private func checkDevice(output: inout some TeamdctlOutput) -> Bool {
        guard let config = loadJSON(configDump, output: &output) else { return false }
        guard case .string(let controlled)? = config["device"] else {
            output.standardError("Failed to parse device name from config.\n")
            return false
        }
        guard controlled == device else {
            output.standardError(
                "Unable to access to \(device) through connected teamd daemon because it controls \(controlled).\n")
            return false
        }
        return true
    }

    /// jansson `json_loads` as teamdctl calls it: duplicate keys rejected, and only an
    /// object or an array at the top (no JSON_DECODE_ANY).
    private func loadJSON(_ text: String, output: inout some TeamdctlOutput) -> JSONValue? {
        guard let value = try? JSONValue(parsing: text) else {
            output.standardError("Failed to parse JSON dump.\n")
            return nil
        }
        switch value {
        case .object, .array: return value
        default:
            output.standardError("Failed to parse JSON dump.\n")
            return nil
        }
    }

    private func dump(_ value: JSONValue, output: inout some TeamdctlOutput) {
        output.standardOutput(value.serialized(oneLine ? .teamdctlOneLine : .teamdctl) + "\n")
    }

    /// `port config update`'s JSON, checked here so that a typo gets a message naming it, not the daemon's
    /// bare ConfigUpdateFail.
    private static func isPortConfigObject(_ config: String, output: inout some TeamdctlOutput) -> Bool {
        do throws(JSONParseError) {
            let parsed = try JSONValue(parsing: config)
            guard case .object = parsed else {
                output.standardError("Port config must be a JSON object, not \(parsed.typeName).\n")
                return false
            }
            return true
        } catch {
            output.standardError("Port config is not valid JSON: \(error).\n")
            return false
        }
    }

    /// Runs the command; returns the errno of a failure.
    private mutating func call(_ command: TeamdctlCommand, output: inout some TeamdctlOutput) -> Int32? {
        do throws(TeamdControlError) {
            switch command {
            case .configDump:
                guard let value = loadJSON(configDump, output: &output) else { return EINVAL }
                dump(value, output: &output)
            case .configDumpNoPorts:
                guard var value = loadJSON(configDump, output: &output) else { return EINVAL }
                if case .object(var object) = value {
                    object.removeValue(forKey: "ports")
                    value = .object(object)
                }
                dump(value, output: &output)
            case .configDumpActual:
                guard let value = loadJSON(configDumpActual, output: &output) else { return EINVAL }
                dump(value, output: &output)
            case .stateDump:
                guard let value = loadJSON(stateDump, output: &output) else { return EINVAL }
                dump(value, output: &output)
            case .stateView:
                guard let value = loadJSON(stateDump, output: &output) else { return EINVAL }
                let rendering = StateView.render(value, verbosity: verbosity)
                output.standardOutput(rendering.text)
                if let failure = rendering.failure {
                    output.standardError(failure + "\n")
                    return EINVAL
                }
            case .stateItemGet(let path):
                let value = try call(.stateItemValueGet(path: path))
                output.standardOutput(value + "\n")
            case .stateItemSet(let path, let value):
                _ = try call(.stateItemValueSet(path: path, value: value))
            case .portAdd(let port):
                _ = try call(.portAdd(port: port))
            case .portRemove(let port):
                _ = try call(.portRemove(port: port))
            case .portPresent(let port):
                guard let value = loadJSON(stateDump, output: &output) else { return EINVAL }
                guard case .object? = value["ports"]?[port] else { return ENODEV }
            case .portConfigUpdate(let port, let config):
                guard Self.isPortConfigObject(config, output: &output) else { return EINVAL }
                _ = try call(.portConfigUpdate(port: port, config: config))
            case .portConfigDump(let port):
                // libteamdctl refuses names longer than IFNAMSIZ without a word.
                guard port.utf8.count <= 16 else { return EINVAL }
                let text = try call(.portConfigDump(port: port))
                guard let value = loadJSON(text, output: &output) else { return EINVAL }
                dump(value, output: &output)
            case .monitor:
                return try monitor(output: &output)
            }
        } catch {
            output.standardError(methodCallMessages(error))
            return error.errno
        }
        return nil
    }
}

/// `SIOCGIFINDEX` on a packet socket, as libteam's `ifname2ifindex` does, so that the
/// lookup fails the same way the C tool's does (a name is cut at 15 bytes; without
/// CAP_NET_RAW the socket cannot be opened).
func lookUpInterface(_ name: String) -> InterfaceLookup {
    let descriptor = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { return .failed(errno: errno) }
    defer { close(descriptor) }
    var request = ifreq()
    let bytes = Array(name.utf8.prefix(Int(IFNAMSIZ)))
    withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { raw in
        raw.copyBytes(from: bytes.prefix(raw.count))
    }
    guard ioctl(descriptor, UInt(SIOCGIFINDEX), &request) == 0 else {
        let code = errno
        return code == ENODEV ? .notFound : .failed(errno: code)
    }
    return .index(UInt32(bitPattern: request.ifr_ifru.ifru_ivalue))
}
