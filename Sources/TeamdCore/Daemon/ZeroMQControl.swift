import Logging
import TeamdControl

/// The ZeroMQ control interface (`-Z ADDRESS`): the socket lives in TeamdControl; this connects it to
/// the daemon's methods and its log.
public final class ZeroMQControl: ControlTransport {
    private let server: ZeroMQControlServer
    private let log: Logger

    public init(address: String, log: Logger) throws {
        self.log = log
        server = try ZeroMQControlServer(address: address)
    }

    /// The listening socket and one per connection.
    public var descriptors: [Int32] { server.descriptors }

    public func pollEvents(for fd: Int32) -> Int16 { server.pollEvents(for: fd) }

    public func timeoutMilliseconds() -> Int64? { server.timeoutMilliseconds() }

    public func handleReadable(_ fd: Int32, handler: (String, [String]) -> ControlResult) {
        process(handler)
    }

    public func handleTimeout(handler: (String, [String]) -> ControlResult) {
        process(handler)
    }

    private func process(_ handler: (String, [String]) -> ControlResult) {
        for event in server.process(handler: { request in ControlReply(handler(request.method.name, request.arguments)) }) {
            switch event {
            case .request(let request): log.debug("zmq: calling method \"\(request.method.name)\"")
            case .rejected(let error): log.debug("zmq: \(error)")
            case .disconnected(let error): log.debug("zmq: peer disconnected: \(error)")
            case .failed(let error): log.warning("\(error)")
            }
        }
    }

    public func close() { server.close() }
}
