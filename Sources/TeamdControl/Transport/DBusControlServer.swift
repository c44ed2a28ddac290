import Glibc
import SystemSupport
import DBusWire

/// What happened on the bus during one `process` call, for the daemon's log.
public enum DBusServerEvent: Hashable, Sendable {
    /// A method call of teamd's, answered with the handler's reply.
    case request(ControlRequest, sender: String?)
    /// A call to teamd's interface that was refused (unknown method, wrong arguments).
    case rejected(DBusErrorReply, member: String, sender: String?)
    /// Something failed; the server keeps serving.
    case failed(DBusServerError)
    /// The bus connection is gone (the bus daemon stopped); the server has closed it and
    /// has no descriptor any more.
    case disconnected(DBusServerError)
}

/// Why the D-Bus control server could not be set up or used.
public enum DBusServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No connection to the system bus.
    case connectFailed(errno: Int32)
    /// Another process owns the name.
    case nameTaken(String)
    /// The bus refused the name (policy: the policy file is missing or we are not root).
    case nameRefused(String, errno: Int32, busError: String?)
    /// Reading or writing the bus connection failed, or the bus closed it.
    case processFailed(errno: Int32)
    /// A reply could not be sent.
    case replyFailed(member: String, errno: Int32)
    /// A message from the bus that is not valid D-Bus; it was skipped.
    case malformedMessage(String)

    public var description: String {
        switch self {
        case .connectFailed(let code):
            return "dbus: Could not acquire the system bus: \(Errno(code).description)"
        case .nameTaken(let name):
            return "dbus: name \(name) already taken."
        case .nameRefused(let name, let code, let busError):
            return "dbus: Failed to acquire \(name): \(busError ?? Errno(code).description)"
        case .processFailed(let code):
            return "dbus: processing the bus connection failed: \(Errno(code).description)"
        case .replyFailed(let member, let code):
            return "dbus: Failed to send the reply to \(member): \(Errno(code).description)"
        case .malformedMessage(let reason):
            return "dbus: skipped a malformed message: \(reason)"
        }
    }
}

/// teamd's D-Bus control server (teamd/teamd_dbus.c): object `/org/libteam/teamd` with
/// interface `org.libteam.teamd` on the system bus, name `org.libteam.teamd.DEV`, over
/// our own D-Bus connection (`DBusConnection`).
///
/// Built for a single-threaded poll loop: poll `descriptor` for `pollEvents`, wake up
/// after `timeoutMilliseconds()` at the latest, and call `process(handler:)` after
/// either; it reads, dispatches and answers everything that is waiting. The handler runs
/// synchronously inside `process`. Setting up (`init`, `requestName`) waits for the bus,
/// at most `setupTimeout` for each step.
public final class DBusControlServer {
    public let teamDevice: String
    public let busName: String
    private var connection: DBusConnection?
    private var events: [DBusServerEvent] = []

    /// How many messages one `process` call handles before it returns to the loop, so
    /// that a flood on the bus cannot starve the team's own events. What is left makes
    /// `timeoutMilliseconds()` 0, so the loop comes straight back.
    public static let messagesPerProcess = 64

    /// The longest wait for the bus while setting up (sd-bus's default call timeout).
    public static let setupTimeout: Duration = .seconds(25)

    /// `DBUS_NAME_FLAG_DO_NOT_QUEUE`: fail rather than wait in line for the name.
    static let doNotQueue: UInt32 = 0x4

    /// Connects to the system bus (or the bus at `busAddress`: a D-Bus address such as
    /// `unix:path=/run/dbus/system_bus_socket`), authenticates and says `Hello`.
    /// The name is requested separately, by `requestName()`: teamd does it last, once
    /// its ports are in place, because a client such as NetworkManager treats the name
    /// appearing as "teamd is ready".
    public convenience init(teamDevice: String, busAddress: String? = nil) throws(DBusServerError) {
        let connection: DBusConnection
        do throws(DBusConnectionError) {
            connection = try DBusConnection.open(address: busAddress, timeout: Self.setupTimeout)
        } catch {
            throw .connectFailed(errno: error.errno)
        }
        self.init(teamDevice: teamDevice, connection: connection)
    }

    /// Serves on a connection that has said `Hello` (the tests' scripted bus).
    init(teamDevice: String, connection: DBusConnection) {
        self.teamDevice = teamDevice
        self.busName = TeamdDBus.busName(teamDevice: teamDevice)
        self.connection = connection
        // Bodies are read only where they are used: teamd's own methods (within the size
        // their arguments may have) and the bus's replies during setup. Signals, which any
        // user on the bus may send us, and every other call stream past unkept.
        connection.readsBody = { header in
            switch header.kind {
            case .methodCall: return TeamdDBus.readsArguments(of: header)
            case .methodReturn, .error: return header.bodyLength <= Self.maximumReplyBody
            case .signal: return false
            }
        }
    }

    /// The largest reply body read (the bus driver's replies are a few bytes).
    static let maximumReplyBody = 64 * 1024

    deinit {
        close()
    }

    /// Requests `org.libteam.teamd.DEV` without queueing: if another process owns it,
    /// this fails (as the C teamd does).
    public func requestName() throws(DBusServerError) {
        guard let connection else { throw .connectFailed(errno: ENOTCONN) }
        guard DBusNames.isValidBusName(busName) else { throw .nameRefused(busName, errno: EINVAL, busError: nil) }
        let request = DBusMessage.methodCall(
            destination: DBusConnection.busDriverName, path: DBusConnection.busDriverPath,
            interface: DBusConnection.busDriverName, member: "RequestName",
            body: [.string(busName), .uint32(Self.doNotQueue)])
        let reply: DBusMessage
        do throws(DBusConnectionError) {
            reply = try connection.call(request, timeout: Self.setupTimeout)
        } catch {
            throw .nameRefused(busName, errno: error.errno, busError: nil)
        }
        if reply.kind == .error {
            if reply.errorName == DBusConnection.accessDeniedError {
                throw .nameRefused(busName, errno: EACCES, busError: "access denied by the bus policy")
            }
            let text = (reply.errorName ?? "error") + (reply.errorMessage.map { ": \($0)" } ?? "")
            throw .nameRefused(busName, errno: EIO, busError: text)
        }
        // DBUS_REQUEST_NAME_REPLY_*: PRIMARY_OWNER 1, IN_QUEUE 2, EXISTS 3, ALREADY_OWNER 4.
        switch reply.body.first?.uint32Value {
        case 1, 2, 4: return
        case 3: throw .nameTaken(busName)
        default: throw .nameRefused(busName, errno: EIO, busError: "unexpected RequestName reply")
        }
    }

    /// The bus connection's descriptor; `nil` once closed.
    public var descriptor: Int32? {
        guard let connection, connection.descriptor >= 0 else { return nil }
        return connection.descriptor
    }

    /// The poll events to wait for: POLLIN, and POLLOUT while output is queued.
    public var pollEvents: Int16 {
        guard let connection else { return 0 }
        return Int16(POLLIN) | (connection.hasPendingOutput ? Int16(POLLOUT) : 0)
    }

    /// When `process` must run even if the descriptor stays quiet: 0 when messages are
    /// already read and waiting (more than one `process` call handles, or read during
    /// `requestName`); `nil` for never.
    public func timeoutMilliseconds() -> Int64? {
        guard let connection else { return nil }
        return connection.hasBufferedMessage ? 0 : nil
    }

    /// Reads and answers what is waiting, each request with `handler`. Returns what
    /// happened, for the log.
    @discardableResult
    public func process(handler: (ControlRequest) -> ControlReply) -> [DBusServerEvent] {
        defer { events.removeAll() }
        guard let connection else { return events }
        var failure: DBusConnectionError?
        do throws(DBusConnectionError) {
            try connection.receiveAvailable()
            for _ in 0..<Self.messagesPerProcess {
                guard let received = try connection.nextMessage() else { break }
                switch received {
                case .message(let message):
                    dispatch(message, signature: message.signature, arguments: message.body, on: connection,
                             handler: handler)
                case .skipped(let header, let bodyPrefix):
                    if let error = TeamdDBus.oversizedArguments(of: header, bodyPrefix: bodyPrefix) {
                        events.append(.rejected(error, member: header.member ?? "", sender: header.sender))
                        send(.failure(error), to: header, member: header.member ?? "", on: connection)
                    } else {
                        dispatch(header, signature: header.signature, arguments: [], on: connection, handler: handler)
                    }
                case .malformed(let error): events.append(.failed(.malformedMessage(error.description)))
                }
            }
            if connection.atEnd, !connection.hasBufferedMessage { throw .closed }
            try connection.flush()
        } catch {
            failure = error
        }
        if let failure {
            // The bus daemon went away (or broke the protocol). teamd goes on without
            // D-Bus, as the C teamd does (exit_on_disconnect is off).
            events.append(.disconnected(.processFailed(errno: failure.errno)))
            close()
        }
        return events
    }

    /// Emits the signal `org.libteam.teamd.Event(s event)` from `/org/libteam/teamd` carrying one event
    /// of the stream (its JSON text), and writes what the socket takes now; the rest goes out as the
    /// loop polls for output (the bus daemon, not teamd, holds back slow receivers). Returns why it
    /// could not be queued, if so.
    public func emitEvent(_ json: String) -> DBusServerError? {
        guard let connection else { return nil }
        let signal = DBusMessage(kind: .signal, flags: .noReplyExpected,
                                 headerFields: [.path(TeamdDBus.objectPath), .interface(TeamdDBus.interfaceName),
                                                .member(TeamdDBus.eventSignal)],
                                 body: [.string(json)])
        do throws(DBusConnectionError) {
            _ = try connection.send(signal)
            try connection.flush()
        } catch {
            return .replyFailed(member: TeamdDBus.eventSignal, errno: error.errno)
        }
        return nil
    }

    /// Closes the connection; the bus releases the name.
    public func close() {
        if let connection {
            try? connection.flush()
            connection.close()
            self.connection = nil
        }
    }

    // MARK: Dispatch

    /// Answers one message: teamd's methods on our object, the standard interfaces
    /// everywhere, errors for other calls; signals (NameAcquired, ...) and stray replies
    /// need nothing.
    private func dispatch(_ message: some DBusMessageHead, signature: String, arguments: [DBusValue],
                          on connection: DBusConnection, handler: (ControlRequest) -> ControlReply)
    {
        guard message.kind == .methodCall, let member = message.member, let path = message.path else { return }
        let sender = message.sender
        if path == TeamdDBus.objectPath {
            switch TeamdDBus.call(interface: message.interface, member: member, signature: signature,
                                  arguments: arguments.compactMap(\.stringValue))
            {
            case .notHandled:
                break
            case .introspect:
                send(.success(TeamdDBus.introspectionXML), to: message, member: member, on: connection)
                return
            case .error(let error):
                events.append(.rejected(error, member: member, sender: sender))
                send(.failure(error), to: message, member: member, on: connection)
                return
            case .control(let request):
                events.append(.request(request, sender: sender))
                let reply = handler(request)
                send(TeamdDBus.reply(to: request.method, with: reply), to: message, member: member, on: connection)
                return
            }
        }
        switch TeamdDBus.standardCall(path: path, interface: message.interface, member: member, signature: signature) {
        case .ping:
            send(.success(nil), to: message, member: member, on: connection)
        case .machineID:
            if let identifier = Self.machineID() {
                send(.success(identifier), to: message, member: member, on: connection)
            } else {
                send(.failure(DBusErrorReply(name: "org.freedesktop.DBus.Error.FileNotFound",
                                             message: "No machine ID (/etc/machine-id)")),
                     to: message, member: member, on: connection)
            }
        case .introspect(let xml):
            send(.success(xml), to: message, member: member, on: connection)
        case .error(let error):
            send(.failure(error), to: message, member: member, on: connection)
        }
    }

    /// Queues the reply (nothing for a call that asked for none); the end of `process`
    /// flushes it.
    private func send(_ reply: Result<String?, DBusErrorReply>, to call: some DBusMessageHead, member: String,
                      on connection: DBusConnection)
    {
        guard call.expectsReply else { return }
        let message: DBusMessage
        switch reply {
        case .success(let value): message = .methodReturn(to: call, body: value.map { [.string($0)] } ?? [])
        case .failure(let error): message = .error(to: call, name: error.name, message: error.message)
        }
        do throws(DBusConnectionError) {
            try connection.send(message)
        } catch {
            events.append(.failed(.replyFailed(member: member, errno: error.errno)))
        }
    }

    /// The 32 hex digits of `/etc/machine-id` (or D-Bus's own copy).
    static func machineID() -> String? {
        for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
            guard let buffer = try? FileDescriptor.readFile(path, limit: 64), buffer.count >= 32 else { continue }
            let text = String(decoding: buffer[0..<32], as: UTF8.self)
            if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
            {
                return text
            }
        }
        return nil
    }
}
