import Logging
import TeamdControl

/// The D-Bus control interface (`-D`): the bus glue lives in TeamdControl; this connects it to the
/// daemon's methods and its log, and fits it into the poll loop.
public final class DBusControl: ControlTransport {
    private let server: DBusControlServer
    private let log: Logger

    /// Connects to the system bus, registers `/org/libteam/teamd` and takes `org.libteam.teamd.DEV`.
    /// Build it after the ports are added: the name appearing tells clients that teamd is ready.
    public init(deviceName: String, log: Logger, busAddress: String? = nil) throws {
        self.log = log
        server = try DBusControlServer(teamDevice: deviceName, busAddress: busAddress)
        do {
            try server.requestName()
        } catch {
            server.close()
            throw error
        }
        log.debug("dbus: have name \(server.busName)")
    }

    public var descriptors: [Int32] { server.descriptor.map { [$0] } ?? [] }

    public func pollEvents(for fd: Int32) -> Int16 { server.pollEvents }

    public func timeoutMilliseconds() -> Int64? { server.timeoutMilliseconds() }

    public func handleReadable(_ fd: Int32, handler: (String, [String]) -> ControlResult) {
        process(handler)
    }

    public func handleTimeout(handler: (String, [String]) -> ControlResult) {
        process(handler)
    }

    private func process(_ handler: (String, [String]) -> ControlResult) {
        let events = server.process { request in
            ControlReply(handler(request.method.name, request.arguments))
        }
        for event in events {
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
    }

    public func close() { server.close() }
}

extension ControlReply {
    /// The daemon's answer as a control reply (a missing payload is an empty one).
    init(_ result: ControlResult) {
        switch result {
        case .success(let payload):
            self = .success(payload ?? "")
        case .failure(let code, let message):
            self = .failure(ControlError(code: ControlErrorCode(rawValue: code), message: message))
        }
    }
}
