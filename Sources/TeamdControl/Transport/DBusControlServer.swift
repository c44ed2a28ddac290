import CSystemdBus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
    /// The object could not be registered.
    case objectFailed(errno: Int32)
    /// Another process owns the name.
    case nameTaken(String)
    /// The bus refused the name (policy: the policy file is missing or we are not root).
    case nameRefused(String, errno: Int32, busError: String?)
    /// `sd_bus_process` failed.
    case processFailed(errno: Int32)
    /// A reply could not be sent.
    case replyFailed(member: String, errno: Int32)

    public var description: String {
        switch self {
        case .connectFailed(let code):
            return "dbus: Could not acquire the system bus: \(errnoDescription(code))"
        case .objectFailed(let code):
            return "dbus: Could not set up message handler: \(errnoDescription(code))"
        case .nameTaken(let name):
            return "dbus: name \(name) already taken."
        case .nameRefused(let name, let code, let busError):
            return "dbus: Failed to acquire \(name): \(busError ?? errnoDescription(code))"
        case .processFailed(let code):
            return "dbus: processing the bus connection failed: \(errnoDescription(code))"
        case .replyFailed(let member, let code):
            return "dbus: Failed to send the reply to \(member): \(errnoDescription(code))"
        }
    }
}

/// teamd's D-Bus control server (teamd/teamd_dbus.c) over sd-bus: object
/// `/org/libteam/teamd` with interface `org.libteam.teamd` on the system bus, name
/// `org.libteam.teamd.DEV`.
///
/// Built for a single-threaded poll loop: poll `descriptor` for `pollEvents`, wake up
/// after `timeoutMilliseconds()` at the latest, and call `process(handler:)` after
/// either; it reads, dispatches and answers everything that is waiting. The handler runs
/// synchronously inside `process`.
public final class DBusControlServer {
    public let teamDevice: String
    public let busName: String
    private var bus: OpaquePointer?
    private var slot: OpaquePointer?
    /// The handler of the `process` call under way.
    private var handler: ((ControlRequest) -> ControlReply)?
    private var events: [DBusServerEvent] = []

    /// How many messages one `process` call handles before it returns to the loop, so
    /// that a flood on the bus cannot starve the team's own events. What is left makes
    /// `timeoutMilliseconds()` 0, so the loop comes straight back.
    public static let messagesPerProcess = 64

    /// Connects to the system bus (or the bus at `busAddress`) and registers the object.
    /// The name is requested separately, by `requestName()`: teamd does it last, once
    /// its ports are in place, because a client such as NetworkManager treats the name
    /// appearing as "teamd is ready".
    public init(teamDevice: String, busAddress: String? = nil) throws(DBusServerError) {
        self.teamDevice = teamDevice
        self.busName = TeamdDBus.busName(teamDevice: teamDevice)
        let opened: OpaquePointer
        switch SystemdBus.open(address: busAddress) {
        case .success(let bus): opened = bus
        case .failure(let error): throw .connectFailed(errno: error.code)
        }
        bus = opened
        let result = sd_bus_add_object(opened, &slot, TeamdDBus.objectPath, { message, userdata, _ in
            guard let message, let userdata else { return 0 }
            let server = Unmanaged<DBusControlServer>.fromOpaque(userdata).takeUnretainedValue()
            return server.dispatch(message)
        }, Unmanaged.passUnretained(self).toOpaque())
        guard result >= 0 else {
            close()
            throw .objectFailed(errno: -result)
        }
    }

    deinit {
        close()
    }

    /// Requests `org.libteam.teamd.DEV` without queueing: if another process owns it,
    /// this fails (as the C teamd does).
    public func requestName() throws(DBusServerError) {
        guard let bus else { throw .connectFailed(errno: ENOTCONN) }
        let result = sd_bus_request_name(bus, busName, 0)
        if result >= 0 || result == -EALREADY { return }
        if result == -EEXIST { throw .nameTaken(busName) }
        throw .nameRefused(busName, errno: -result, busError: result == -EACCES ? "access denied by the bus policy" : nil)
    }

    /// The bus connection's descriptor; `nil` once closed.
    public var descriptor: Int32? {
        guard let bus else { return nil }
        let descriptor = sd_bus_get_fd(bus)
        return descriptor >= 0 ? descriptor : nil
    }

    /// The poll events to wait for: POLLIN, and POLLOUT while output is queued.
    public var pollEvents: Int16 {
        guard let bus else { return 0 }
        let events = sd_bus_get_events(bus)
        return events > 0 ? Int16(truncatingIfNeeded: events) : Int16(POLLIN)
    }

    /// When `process` must run even if the descriptor stays quiet (timeouts of the bus
    /// library, or messages it has already read); `nil` for never.
    public func timeoutMilliseconds() -> Int64? {
        guard let bus else { return nil }
        return SystemdBus.timeoutMilliseconds(bus)
    }

    /// Reads and answers what is waiting, each request with `handler`. Returns what
    /// happened, for the log.
    @discardableResult
    public func process(handler: (ControlRequest) -> ControlReply) -> [DBusServerEvent] {
        withoutActuallyEscaping(handler) { handler in
            self.handler = handler
            defer { self.handler = nil }
            for _ in 0..<Self.messagesPerProcess {
                guard let bus else { break }
                let result = sd_bus_process(bus, nil)
                if result < 0 {
                    // ECONNRESET, ENOTCONN: the bus daemon went away. teamd goes on
                    // without D-Bus, as the C teamd does (exit_on_disconnect is off).
                    events.append(.disconnected(.processFailed(errno: -result)))
                    close()
                    break
                }
                if result == 0 { break }
            }
        }
        defer { events.removeAll() }
        return events
    }

    /// Releases the name and closes the connection.
    public func close() {
        if let slot {
            sd_bus_slot_unref(slot)
            self.slot = nil
        }
        if let bus {
            sd_bus_flush_close_unref(bus)
            self.bus = nil
        }
    }

    // MARK: Dispatch

    /// One method call to our object; returns what sd-bus expects of an object callback:
    /// 1 when answered, 0 to let it answer (standard interfaces, other calls).
    private func dispatch(_ message: OpaquePointer) -> Int32 {
        guard sd_bus_message_is_method_call(message, nil, nil) > 0,
            let member = SystemdBus.string(sd_bus_message_get_member(message))
        else { return 0 }
        let interface = SystemdBus.string(sd_bus_message_get_interface(message))
        let signature = SystemdBus.string(sd_bus_message_get_signature(message, 1)) ?? ""
        let sender = SystemdBus.string(sd_bus_message_get_sender(message))
        let arguments = SystemdBus.readStrings(message, signature: signature) ?? []
        switch TeamdDBus.call(interface: interface, member: member, signature: signature, arguments: arguments) {
        case .notHandled:
            return 0
        case .introspect:
            send(.success(TeamdDBus.introspectionXML), to: message, member: member)
        case .error(let error):
            events.append(.rejected(error, member: member, sender: sender))
            send(.failure(error), to: message, member: member)
        case .control(let request):
            events.append(.request(request, sender: sender))
            let reply = handler?(request) ?? .failure(ControlError(code: .invalidRequest, message: "Not serving."))
            send(TeamdDBus.reply(to: request.method, with: reply), to: message, member: member)
        }
        return 1
    }

    private func send(_ reply: Result<String?, DBusErrorReply>, to call: OpaquePointer, member: String) {
        var result: Int32
        switch reply {
        case .failure(let error):
            result = error.name.withCString { name in
                error.message.withCString { text in
                    var busError = sd_bus_error(name: name, message: text, _need_free: 0)
                    return sd_bus_reply_method_error(call, &busError)
                }
            }
        case .success(let value):
            // Nothing to send for a call that asked for no reply.
            guard sd_bus_message_get_expect_reply(call) > 0 else { return }
            var message: OpaquePointer?
            result = sd_bus_message_new_method_return(call, &message)
            guard result >= 0, let message else { break }
            defer { sd_bus_message_unref(message) }
            if let value {
                result = value.withCString { sd_bus_message_append_basic(message, SystemdBus.stringType, $0) }
            }
            if result >= 0, let bus {
                result = sd_bus_send(bus, message, nil)
            }
        }
        if result < 0 {
            events.append(.failed(.replyFailed(member: member, errno: -result)))
        }
    }
}
