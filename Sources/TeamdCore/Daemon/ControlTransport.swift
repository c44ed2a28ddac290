import Glibc
import Logging
import TeamdControl

/// A control transport the daemon serves (UNIX socket, D-Bus, ZeroMQ): it names the descriptors to poll
/// and, when one is ready (or its timeout is due), reads typed requests and answers each with the handler.
public protocol ControlTransport: AnyObject {
    var descriptors: [Int32] { get }
    /// The poll events wanted on one of `descriptors` (D-Bus and ZeroMQ also want POLLOUT while they
    /// have output queued).
    func pollEvents(for fd: Int32) -> Int16
    /// Milliseconds until the transport must run even without a ready descriptor (its own timeouts, or
    /// input it has already read); `nil` for never.
    func timeoutMilliseconds() -> Int64?
    /// Called when poll reports anything on `fd` (readable, writable, hang-up).
    func handleReadable(_ fd: Int32, handler: (ControlRequest) -> ControlReply)
    /// Called when `timeoutMilliseconds()` has run out.
    func handleTimeout(handler: (ControlRequest) -> ControlReply)
    /// Passes an event of the daemon's stream to the transport's subscribers, never waiting for them.
    func publish(_ event: TeamdEvent)
    func close()
}

extension ControlTransport {
    public func publish(_ event: TeamdEvent) {}
}

/// A control server of TeamdControl fitted into the daemon's poll loop, what it reports logged: one
/// adapter for the three servers, built by `unixSocket`, `dbus` and `zeroMQ`.
public final class ControlEndpoint: ControlTransport {
    public typealias Handler = (ControlRequest) -> ControlReply
    private let listDescriptors: () -> [Int32]
    private let events: (Int32) -> Int16
    private let timeout: () -> Int64?
    /// Serves what is ready: on `fd`, or whatever is due when nil.
    private let serve: (_ fd: Int32?, _ handler: Handler) -> Void
    private let shutDown: () -> Void
    private let publishEvent: (TeamdEvent) -> Void

    private init(descriptors: @escaping () -> [Int32], events: @escaping (Int32) -> Int16 = { _ in Int16(POLLIN) },
                 timeout: @escaping () -> Int64? = { nil }, serve: @escaping (Int32?, Handler) -> Void,
                 publish: @escaping (TeamdEvent) -> Void = { _ in }, close: @escaping () -> Void) {
        listDescriptors = descriptors
        self.events = events
        self.timeout = timeout
        self.serve = serve
        publishEvent = publish
        shutDown = close
    }

    public var descriptors: [Int32] { listDescriptors() }
    public func pollEvents(for fd: Int32) -> Int16 { events(fd) }
    public func timeoutMilliseconds() -> Int64? { timeout() }
    public func handleReadable(_ fd: Int32, handler: Handler) { serve(fd, handler) }
    public func handleTimeout(handler: Handler) { serve(nil, handler) }
    public func publish(_ event: TeamdEvent) { publishEvent(event) }
    public func close() { shutDown() }

    /// The UNIX socket (`/var/run/teamd/DEV.sock`), the default transport; root-only, as the C teamd's.
    /// Subscribers of the event stream (`ControlEventStream`) are logged as they come and go.
    public static func unixSocket(deviceName: String, log: Logger) throws -> ControlEndpoint {
        let server = try UnixControlServer(path: UnixControlServer.socketPath(teamDevice: deviceName), mode: 0o700)
        let report = { (events: [ControlServerEvent]) in
            for event in events {
                switch event {
                case .subscribed(let connection): log.debug("usock: \(connection) subscribed to events")
                case .failed(.subscriberFellBehind(let connection)):
                    log.warning("\(ControlSocketError.subscriberFellBehind(connection))")
                case .failed(let error): log.debug("\(error)")
                default: break
                }
            }
        }
        return ControlEndpoint(descriptors: { server.descriptors }, serve: { fd, handler in
            guard let fd else { return }
            report(server.serve(readable: fd, handler: handler))
        }, publish: { event in report(server.publish(event: event.line)) }, close: server.close)
    }

    /// D-Bus (`-D`): connects to the system bus, registers `/org/libteam/teamd` and takes
    /// `org.libteam.teamd.DEV`. Build it after the ports are added: the name appearing tells clients that
    /// teamd is ready.
    public static func dbus(deviceName: String, log: Logger, busAddress: String? = nil) throws -> ControlEndpoint {
        let server = try DBusControlServer(teamDevice: deviceName, busAddress: busAddress)
        do {
            try server.requestName()
        } catch {
            server.close()
            throw error
        }
        log.debug("dbus: have name \(server.busName)")
        return ControlEndpoint(descriptors: { server.descriptor.map { [$0] } ?? [] }, events: { _ in server.pollEvents },
                               timeout: server.timeoutMilliseconds, serve: { _, handler in
            for event in server.process(handler: handler) {
                switch event {
                case .request(let request, let sender):
                    log.debug("dbus: \(request.method.name) from \(sender ?? "?")")
                case .rejected(let error, let member, let sender):
                    log.debug("dbus: \(member) from \(sender ?? "?") refused: \(error)")
                case .failed(let error):
                    log.warning("\(error)")
                case .disconnected(let error):
                    log.error("\(error); D-Bus control is off from now on")
                }
            }
        }, publish: { event in
            if let error = server.emitEvent(event.line) { log.warning("\(error)") }
        }, close: server.close)
    }

    /// ZeroMQ (`-Z ADDRESS`): the listening socket and one per connection.
    public static func zeroMQ(address: String, log: Logger) throws -> ControlEndpoint {
        let server = try ZeroMQControlServer(address: address)
        return ControlEndpoint(descriptors: { server.descriptors }, events: server.pollEvents(for:),
                               timeout: server.timeoutMilliseconds, serve: { _, handler in
            for event in server.process(handler: handler) {
                switch event {
                case .request(let request): log.debug("zmq: calling method \"\(request.method.name)\"")
                case .rejected(let error): log.debug("zmq: \(error)")
                case .disconnected(let error): log.debug("zmq: peer disconnected: \(error)")
                case .failed(let error): log.warning("\(error)")
                }
            }
        }, close: server.close)
    }
}
