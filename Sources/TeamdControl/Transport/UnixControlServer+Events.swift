import Glibc

/// The event stream's side of the UNIX socket server (`ControlEventStream`): a connection subscribes
/// with EventSubscribe (in `handleReadable`); `publish` sends each event to every subscriber without
/// waiting, and drops one whose send buffer is full.
extension UnixControlServer {
    /// Sends an event (`TeamdEvent.line`) to every subscriber, without waiting: a subscriber whose send
    /// buffer is full, or whose connection failed, is dropped (and reported as failed and closed).
    @discardableResult
    public func publish(event line: String) -> [ControlServerEvent] {
        guard !subscribers.isEmpty else { return [] }
        let bytes = ControlEventStream.encoded(event: line)
        var events: [ControlServerEvent] = []
        for descriptor in subscribers.sorted() {
            guard let serial = connections[descriptor] else { continue }
            if case .failure(let error) = sendDatagram(bytes, on: descriptor) {
                let connection = ControlConnection(descriptor: descriptor, serial: serial)
                drop(connection)
                let wouldBlock = error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK
                events.append(.failed(wouldBlock ? .subscriberFellBehind(connection)
                                                 : .system(operation: "send", errno: error.rawValue)))
                events.append(.closed(connection))
            }
        }
        return events
    }

    /// The connections subscribed to the event stream.
    public var subscribedConnections: [ControlConnection] {
        activeConnections.filter { subscribers.contains($0.descriptor) }
    }
}
