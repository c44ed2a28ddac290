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

    /// Runs teamdctl with `arguments` (argv, program name first); returns the exit status.
    public static func run(arguments: [String], system: TeamdctlSystem, output: inout some TeamdctlOutput) -> Int32 {
        let program = arguments.first ?? "teamdctl"
        let scanner = GetoptLong(shortOptions: "hvoDZ:U", longOptions: longOptions,
                                 posixlyCorrect: system.posixlyCorrect)
        let scanned = scanner.scan(Array(arguments.dropFirst()))
        var verbosity = 0
        var oneLine = false
        var forced: [TeamdControlTransportKind] = []
        for item in scanned.items {
            switch item {
            case .error(let message):
                output.standardError("\(program): \(message)\n")
                output.standardError("unknown option.\n")
                output.standardOutput(help(program: program))
                return exitFailure
            case .option("h", _):
                output.standardOutput(help(program: program))
                return exitSuccess
            case .option("v", _):
                verbosity += 1
            case .option("o", _):
                oneLine = true
            case .option("D", _):
                guard system.dbusAvailable else {
                    output.standardError("D-Bus support is not compiled-in\n")
                    return exitFailure
                }
                forced.append(.dbus)
            case .option("Z", let address):
                guard system.zeroMQAvailable else {
                    output.standardError("ZeroMQ support is not compiled-in\n")
                    return exitFailure
                }
                forced.append(.zeroMQ(address: address ?? ""))
            case .option(_, _):
                // -U (the only option left; getopt returns no other letter).
                forced.append(.unixSocket)
            }
        }
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

        var session = Session(device: device, verbosity: verbosity, oneLine: oneLine)
        return session.run(command, forced: distinct.last, system: system, output: &output)
    }
}

/// One connection's worth of teamdctl: libteamdctl's connect (which fetches and caches
/// ConfigDump, ConfigDumpActual and StateDump), the device check, and the command.
private struct Session {
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

    /// What libteamdctl logs when a transport fails to connect (its D-Bus transport
    /// connects with a first ConfigDump call, whose failure is logged as a call's).
    private static func initMessages(_ error: TeamdControlError, transport: TeamdControlTransportKind) -> String {
        switch (error, transport) {
        case (.socketFailed, _):
            return "libteamdctl: cli_usock_init: usock: Failed to create socket.\n"
        case (.connectFailed(let path, _), _):
            return "libteamdctl: cli_usock_init: usock: Failed to connect socket (\(path)).\n"
        case (.busConnectFailed(let code), _):
            let (name, message) = libdbusConnectError(code)
            return "libteamdctl: cli_dbus_init: dbus: Could not acquire the system bus: \(name) - \(message)\n"
        case (.invalidArgument(let text), .dbus):
            return "libteamdctl: cli_dbus_init: dbus: Could not validate bus name: \(text)\n"
        case (.zeroMQFailed, .zeroMQ(let address)):
            return "libteamdctl: cli_zmq_init: zmq: Failed to connect socket (\(address)).\n"
        case (.transportUnavailable(let name), _):
            return "libteamdctl: teamdctl_connect: the \(name) transport is not compiled in.\n"
        case (_, .dbus):
            return methodCallMessages(error, transport: "dbus")
        default:
            return ""
        }
    }

    /// libdbus's error for a failed connection to the system bus socket, which the C
    /// teamdctl prints (`_dbus_error_from_errno`, "Failed to connect to socket ...").
    private static func libdbusConnectError(_ code: Int32) -> (name: String, message: String) {
        let name: String
        switch code {
        case ENOENT: name = "org.freedesktop.DBus.Error.FileNotFound"
        case ECONNREFUSED: name = "org.freedesktop.DBus.Error.NoServer"
        case EACCES, EPERM: name = "org.freedesktop.DBus.Error.AccessDenied"
        default: name = "org.freedesktop.DBus.Error.Failed"
        }
        let socket = "/run/dbus/system_bus_socket"
        return (name, "Failed to connect to socket \(socket): \(Errno(code).description)")
    }

    /// What libteamdctl logs when a method call fails on `transport` ("usock", "dbus",
    /// "zmq"); timeouts and broken connections are only debug messages there, so nothing.
    private static func methodCallMessages(_ error: TeamdControlError, transport: String) -> String {
        switch transport {
        case "dbus": return dbusCallMessages(error)
        case "zmq": return zeroMQCallMessages(error)
        default: return socketCallMessages(error)
        }
    }

    private func methodCallMessages(_ error: TeamdControlError) -> String {
        Self.methodCallMessages(error, transport: transport?.name ?? "usock")
    }

    /// libteamdctl/cli_dbus.c: `cli_dbus_check_error_msg`, `cli_dbus_get_reply_str`.
    private static func dbusCallMessages(_ error: TeamdControlError) -> String {
        switch error {
        case .busError(let name, let message):
            var text = "libteamdctl: cli_dbus_check_error_msg: dbus: Error message received: \"\(name)\"\n"
            if let message {
                text += "libteamdctl: cli_dbus_check_error_msg: dbus: Error message content: \"\(message)\"\n"
            }
            return text
        case .unexpectedReply:
            return "libteamdctl: cli_dbus_get_reply_str: Failed, no data received.\n"
        default:
            return ""
        }
    }

    /// libteamdctl/cli_zmq.c `cli_zmq_process_msg` (whose format strings end in "\n",
    /// to which the logger adds another).
    private static func zeroMQCallMessages(_ error: TeamdControlError) -> String {
        let prefix = "libteamdctl: cli_zmq_process_msg: "
        switch error {
        case .errorReply(let reply):
            return prefix + "zmq: Error message received: \"\(reply.code)\"\n"
                + prefix + "zmq: Error message content: \"\(reply.message)\"\n"
        case .malformedReply(.empty), .malformedReply(.missingErrorCode):
            return prefix + "zmq: Incomplete message.\n\n"
        case .malformedReply(.missingErrorMessage(let code)):
            return prefix + "zmq: Error message received: \"\(code)\"\n" + prefix + "zmq: Incomplete message.\n\n"
        case .malformedReply(.unsupportedType):
            return prefix + "zmq: Unsupported message type.\n\n"
        case .malformedReply(.invalidUTF8):
            return prefix + "zmq: Reply is not valid UTF-8.\n"
        case .invalidArgument(let text):
            return "teamdctl: \(text).\n"
        default:
            return ""
        }
    }

    /// libteamdctl/cli_usock.c `cli_usock_process_msg`.
    private static func socketCallMessages(_ error: TeamdControlError) -> String {
        let prefix = "libteamdctl: cli_usock_process_msg: "
        switch error {
        case .errorReply(let reply):
            return prefix + "usock: Error message received: \"\(reply.code)\"\n"
                + prefix + "usock: Error message content: \"\(reply.message)\"\n"
        case .malformedReply(.empty), .malformedReply(.missingErrorCode):
            // The C format ends in "\n" and the logger adds another.
            return prefix + "usock: Incomplete message.\n\n"
        case .malformedReply(.missingErrorMessage(let code)):
            return prefix + "usock: Error message received: \"\(code)\"\n" + prefix + "usock: Incomplete message.\n\n"
        case .malformedReply(.unsupportedType):
            return prefix + "usock: Unsupported message type.\n\n"
        case .malformedReply(.invalidUTF8):
            return prefix + "usock: Reply is not valid UTF-8.\n"
        default:
            return ""
        }
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
                // Checked here so that a typo gets a message naming it, not the daemon's
                // bare ConfigUpdateFail.
                do throws(JSONParseError) {
                    let parsed = try JSONValue(parsing: config)
                    guard case .object = parsed else {
                        output.standardError("Port config must be a JSON object, not \(parsed.typeName).\n")
                        return EINVAL
                    }
                } catch {
                    output.standardError("Port config is not valid JSON: \(error).\n")
                    return EINVAL
                }
                _ = try call(.portConfigUpdate(port: port, config: config))
            case .portConfigDump(let port):
                // libteamdctl refuses names longer than IFNAMSIZ without a word.
                guard port.utf8.count <= 16 else { return EINVAL }
                let text = try call(.portConfigDump(port: port))
                guard let value = loadJSON(text, output: &output) else { return EINVAL }
                dump(value, output: &output)
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
