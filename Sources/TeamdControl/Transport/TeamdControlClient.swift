import Glibc
import SystemSupport
import DBusWire

/// Why a control call failed, on the client side.
public enum TeamdControlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// teamd answered with an error reply: its code and message.
    case errorReply(ControlError)
    /// No reply within the timeout.
    case timedOut
    /// teamd closed the connection instead of replying.
    case connectionClosed
    /// The reply is not a valid reply message.
    case malformedReply(ControlReplyError)
    /// `socket(2)` failed.
    case socketFailed(errno: Int32)
    /// Nobody accepts on the control socket at `path` (teamd not running: ENOENT or
    /// ECONNREFUSED; not root: EACCES).
    case connectFailed(path: String, errno: Int32)
    /// Sending the request failed.
    case sendFailed(errno: Int32)
    /// Receiving the reply failed.
    case receiveFailed(errno: Int32)
    /// The transport is not compiled into this teamdctl ("dbus", "zmq").
    case transportUnavailable(String)
    /// With automatic transport selection, every transport failed; the errors in order.
    case noTransport([TeamdControlError])
    /// An argument the client refuses before sending (as libteamdctl does).
    case invalidArgument(String)
    /// D-Bus: no connection to the system bus (no bus daemon, or no permission).
    case busConnectFailed(errno: Int32)
    /// D-Bus: an error reply, as it came: teamd's (`org.libteam.teamd.NoSuchDev`, or the
    /// C teamd's `org.libteam.teamdNoSuchDev`) or the bus's own
    /// (`org.freedesktop.DBus.Error.ServiceUnknown` when no teamd owns the name).
    /// `controlError` gives teamd's errors as a `ControlError`.
    case busError(name: String, message: String?)
    /// D-Bus: a call failed without an error reply (the connection broke).
    case busCallFailed(errno: Int32)
    /// ZeroMQ: a libzmq call failed (`zmq_connect` of a bad address, `zmq_send`, ...).
    case zeroMQFailed(operation: String, errno: Int32)
    /// D-Bus: a reply without the string the method returns.
    case unexpectedReply(String)

    /// The errno libteamdctl returns for the same failure (its functions return
    /// `-errno`), which teamdctl prints with strerror.
    public var errno: Int32 {
        switch self {
        case .errorReply, .malformedReply, .invalidArgument, .noTransport, .transportUnavailable, .busConnectFailed,
            .busError, .unexpectedReply:
            return EINVAL
        case .busCallFailed(let code), .zeroMQFailed(_, let code): return code
        case .timedOut: return ETIMEDOUT
        case .connectionClosed: return EPIPE
        case .socketFailed(let code), .connectFailed(_, let code), .sendFailed(let code), .receiveFailed(let code):
            return code
        }
    }

    public var description: String {
        switch self {
        case .errorReply(let error): return "teamd replied \(error.code): \(error.message)"
        case .timedOut: return "no reply from teamd in time"
        case .connectionClosed: return "teamd closed the connection"
        case .malformedReply(let error): return "malformed reply: \(error)"
        case .socketFailed(let code): return "socket: \(Errno(code).description)"
        case .connectFailed(let path, let code): return "connect to \(path): \(Errno(code).description)"
        case .sendFailed(let code): return "send: \(Errno(code).description)"
        case .receiveFailed(let code): return "receive: \(Errno(code).description)"
        case .transportUnavailable(let name): return "the \(name) transport is not compiled in"
        case .noTransport(let errors): return "no transport connected (\(errors.map(\.description).joined(separator: "; ")))"
        case .invalidArgument(let text): return text
        case .busConnectFailed(let code): return "could not connect to the system bus: \(Errno(code).description)"
        case .busError(let name, let message): return "D-Bus error \(name)" + (message.map { ": \($0)" } ?? "")
        case .busCallFailed(let code): return "D-Bus call failed: \(Errno(code).description)"
        case .zeroMQFailed(let operation, let code): return "\(operation): \(Errno(code).description)"
        case .unexpectedReply(let text): return "unexpected reply: \(text)"
        }
    }

    /// teamd's error reply, whatever the transport: the code and message of an error
    /// reply on the UNIX socket or ZeroMQ, or of a teamd error on D-Bus.
    public var controlError: ControlError? {
        switch self {
        case .errorReply(let error): return error
        case .busError(let name, let message):
            guard let code = TeamdDBus.controlErrorCode(errorName: name) else { return nil }
            return ControlError(code: code, message: message ?? "")
        default: return nil
        }
    }
}

/// One way of reaching teamd's control methods: the UNIX socket, D-Bus or ZeroMQ.
public protocol TeamdControlTransport: AnyObject {
    /// libteamdctl's name of the transport ("usock", "dbus", "zmq"); it appears in
    /// teamdctl's messages.
    var name: String { get }
    /// Calls a method and waits for the reply: the payload on success (empty for
    /// methods that return nothing).
    func call(_ request: ControlRequest) throws(TeamdControlError) -> String
    /// Subscribes to teamd's event stream and hands each event's JSON text to `onEvent` until teamd ends
    /// the stream. Only the UNIX socket carries one (D-Bus has the `Event` signal instead).
    func subscribe(_ onEvent: (String) -> Void) throws(TeamdControlError)
}

extension TeamdControlTransport {
    public func subscribe(_ onEvent: (String) -> Void) throws(TeamdControlError) {
        throw .invalidArgument("the \(name) transport carries no event stream; monitor needs the UNIX socket (-U)")
    }
}

/// Which transport to connect with.
public enum TeamdControlTransportKind: Hashable, Sendable {
    /// The UNIX socket `/var/run/teamd/DEV.sock` (libteamdctl "usock").
    case unixSocket
    /// D-Bus name `org.libteam.teamd.DEV` on the system bus.
    case dbus
    /// A ZeroMQ address such as `tcp://127.0.0.1:5555` or `ipc:///run/teamd/team0.zmq`.
    case zeroMQ(address: String)

    /// libteamdctl's CLI name.
    public var name: String {
        switch self {
        case .unixSocket: return "usock"
        case .dbus: return "dbus"
        case .zeroMQ: return "zmq"
        }
    }
}

/// The UNIX socket transport (libteamdctl/cli_usock.c): one SOCK_SEQPACKET connection,
/// one datagram per request, and a wait of at most `timeout` for each reply.
public final class UnixControlTransport: TeamdControlTransport {
    public let name = "usock"
    public let path: String
    public let timeout: Duration
    private var descriptor: Int32

    /// libteamdctl's `TEAMDCTL_REPLY_TIMEOUT`: 5 s.
    public static let defaultTimeout: Duration = .seconds(5)

    /// Connects to the teamd controlling `teamDevice`.
    public convenience init(teamDevice: String, timeout: Duration = UnixControlTransport.defaultTimeout)
        throws(TeamdControlError)
    {
        try self.init(path: UnixControlServer.socketPath(teamDevice: teamDevice), timeout: timeout)
    }

    /// Connects to a control socket at `path`.
    public init(path: String, timeout: Duration = UnixControlTransport.defaultTimeout) throws(TeamdControlError) {
        self.path = path
        self.timeout = timeout
        let descriptor = socket(AF_UNIX, seqpacketType(nonBlocking: false), 0)
        guard descriptor >= 0 else { throw .socketFailed(errno: Glibc.errno) }
        let result = connectUnix(descriptor, to: path)
        guard result == 0 else {
            Glibc.close(descriptor)
            throw .connectFailed(path: path, errno: -result)
        }
        self.descriptor = descriptor
        // A server that stops reading must not block a send forever either.
        var sendTimeout = timeval(tv_sec: Int(timeoutMilliseconds / 1000), tv_usec: Int(timeoutMilliseconds % 1000) * 1000)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close()
    }

    /// Closes the connection; later calls fail with `connectionClosed`.
    public func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    private var timeoutMilliseconds: Int32 { timeout.pollMilliseconds }

    public func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        guard descriptor >= 0 else { throw .connectionClosed }
        try send(request.encoded())
        try waitForReply()
        let length = nextDatagramLength(descriptor)
        if length == 0 || length == -Int(ECONNRESET) { throw .connectionClosed }
        if length < 0 { throw .receiveFailed(errno: Int32(-length)) }
        let bytes: [UInt8]
        switch receiveDatagram(descriptor, length: length) {
        case .success(let received): bytes = received
        case .failure(let error): throw .receiveFailed(errno: error.rawValue)
        }
        let reply: ControlReply
        do throws(ControlReplyError) {
            reply = try ControlReply(decoding: bytes)
        } catch {
            throw .malformedReply(error)
        }
        switch reply {
        case .success(let payload): return payload
        case .failure(let error): throw .errorReply(error)
        }
    }

    /// Subscribes to teamd's event stream (`ControlEventStream`) and hands each event's JSON text to
    /// `onEvent` as it arrives, for as long as teamd keeps the connection open: returns when teamd
    /// closes it (after its `teamd_stop` event when it stops). Waits at most `timeout` for the
    /// subscription's reply, then without limit.
    public func subscribe(_ onEvent: (String) -> Void) throws(TeamdControlError) {
        guard descriptor >= 0 else { throw .connectionClosed }
        try send(ControlEventStream.subscribeRequest)
        try waitForReply()
        guard case .reply(let reply) = try receiveStreamMessage() else {
            throw .unexpectedReply("an event before the subscription's reply")
        }
        if case .failure(let error) = reply { throw .errorReply(error) }
        while true {
            do throws(Errno) {
                guard try Poll.wait(descriptor, for: Int16(POLLIN), until: nil) else { continue }
            } catch {
                throw .receiveFailed(errno: error.rawValue)
            }
            let message: ControlEventStream.Message
            do throws(TeamdControlError) {
                message = try receiveStreamMessage()
            } catch .connectionClosed {
                return
            }
            if case .event(let text) = message { onEvent(text) }
        }
    }

    private func send(_ message: [UInt8]) throws(TeamdControlError) {
        let sent = message.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                try retryingInterrupts { Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
            }
        }
        switch sent {
        case .success: break
        case .failure(.wouldBlock): throw .timedOut
        case .failure(Errno(EPIPE)), .failure(Errno(ECONNRESET)): throw .connectionClosed
        case .failure(let error): throw .sendFailed(errno: error.rawValue)
        }
    }

    private func receiveStreamMessage() throws(TeamdControlError) -> ControlEventStream.Message {
        let length = nextDatagramLength(descriptor)
        if length == 0 || length == -Int(ECONNRESET) { throw .connectionClosed }
        if length < 0 { throw .receiveFailed(errno: Int32(-length)) }
        switch receiveDatagram(descriptor, length: length) {
        case .success(let bytes):
            do throws(ControlReplyError) {
                return try ControlEventStream.decode(bytes)
            } catch {
                throw .malformedReply(error)
            }
        case .failure(let error): throw .receiveFailed(errno: error.rawValue)
        }
    }

    private func waitForReply() throws(TeamdControlError) {
        // A deadline on the monotonic clock: a signal or a wall clock change neither
        // stretches nor cuts the wait.
        let ready: Bool
        do throws(Errno) {
            ready = try Poll.wait(descriptor, for: Int16(POLLIN), until: ContinuousClock.now.advanced(by: timeout))
        } catch {
            throw .receiveFailed(errno: error.rawValue)
        }
        if !ready { throw .timedOut }
    }
}

/// A client of teamd's control methods (the libteamdctl equivalent), over any transport.
public final class TeamdControlClient {
    public let transport: any TeamdControlTransport

    public init(transport: any TeamdControlTransport) {
        self.transport = transport
    }

    /// Connects to the teamd controlling `teamDevice`. With `transport` nil, tries the
    /// transports in libteamdctl's order (UNIX socket, then D-Bus, then ZeroMQ) and takes
    /// the first that connects.
    public static func connect(teamDevice: String, transport: TeamdControlTransportKind? = nil,
                               timeout: Duration = UnixControlTransport.defaultTimeout)
        throws(TeamdControlError) -> TeamdControlClient
    {
        guard let transport else {
            var errors: [TeamdControlError] = []
            // libteamdctl tries ZeroMQ last too, without an address, and that always fails.
            for kind in [TeamdControlTransportKind.unixSocket, .dbus, .zeroMQ(address: "")] {
                do throws(TeamdControlError) {
                    return try connect(teamDevice: teamDevice, transport: kind, timeout: timeout)
                } catch {
                    errors.append(error)
                }
            }
            throw .noTransport(errors)
        }
        switch transport {
        case .unixSocket:
            return TeamdControlClient(transport: try UnixControlTransport(teamDevice: teamDevice, timeout: timeout))
        case .dbus:
            return TeamdControlClient(transport: try DBusControlTransport(teamDevice: teamDevice, timeout: timeout))
        case .zeroMQ(let address):
            return TeamdControlClient(transport: try ZeroMQControlTransport(address: address, timeout: timeout))
        }
    }

    /// Calls any method.
    public func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        try transport.call(request)
    }

    /// `ConfigDump`: the config as JSON text.
    public func configDump() throws(TeamdControlError) -> String { try call(.configDump) }

    /// `ConfigDumpActual`: the config with only the ports that are in the team.
    public func configDumpActual() throws(TeamdControlError) -> String { try call(.configDumpActual) }

    /// `StateDump`: the state tree as JSON text.
    public func stateDump() throws(TeamdControlError) -> String { try call(.stateDump) }

    /// `PortAdd`.
    public func addPort(_ port: String) throws(TeamdControlError) { _ = try call(.portAdd(port: port)) }

    /// `PortRemove`.
    public func removePort(_ port: String) throws(TeamdControlError) { _ = try call(.portRemove(port: port)) }

    /// `PortConfigUpdate`: replaces the port's config object with `config` (JSON text).
    public func updatePortConfig(_ port: String, config: String) throws(TeamdControlError) {
        _ = try call(.portConfigUpdate(port: port, config: config))
    }

    /// `PortConfigDump`: one port's config as JSON text. Like libteamdctl, refuses a
    /// name longer than IFNAMSIZ (16) without asking teamd.
    public func portConfigDump(_ port: String) throws(TeamdControlError) -> String {
        guard port.utf8.count <= 16 else { throw .invalidArgument("port name \"\(port)\" is too long") }
        return try call(.portConfigDump(port: port))
    }

    /// `StateItemValueGet`: the value at a state path such as `runner.active_port`.
    public func stateItemValue(at path: String) throws(TeamdControlError) -> String {
        try call(.stateItemValueGet(path: path))
    }

    /// `StateItemValueSet`.
    public func setStateItemValue(_ value: String, at path: String) throws(TeamdControlError) {
        _ = try call(.stateItemValueSet(path: path, value: value))
    }
}
