import NetlinkCodec

/// Requests over a transport: numbers them, waits for the matching acknowledgement,
/// collects multipart answers, and turns NLMSG_ERROR into `NetlinkError`.
public final class NetlinkConnection {
    public let transport: any NetlinkTransport
    /// How long a request may wait for its answer.
    public var timeout: Duration
    private var nextSequence: UInt32

    public init(transport: any NetlinkTransport, timeout: Duration = .seconds(5), firstSequence: UInt32 = 1) {
        self.transport = transport
        self.timeout = timeout
        self.nextSequence = firstSequence
    }

    private func takeSequence() -> UInt32 {
        let sequence = nextSequence
        nextSequence = nextSequence == UInt32.max ? 1 : nextSequence + 1
        return sequence
    }

    /// Sends `message` with NLM_F_REQUEST|NLM_F_ACK and returns every data message of the
    /// answer (multipart parts included) once the acknowledgement arrives.
    /// With `dump`, sends NLM_F_DUMP instead and ends at NLMSG_DONE.
    @discardableResult
    public func request(_ message: NetlinkMessage, dump: Bool = false,
                        operation: @autoclosure () -> String) throws -> [NetlinkMessage] {
        var message = message
        let sequence = takeSequence()
        message.header.sequence = sequence
        message.header.portID = 0
        message.header.flags.insert(.request)
        message.header.flags.insert(dump ? .dump : .ack)
        try transport.send(message)

        let clock = ContinuousClock()
        var deadline: ContinuousClock.Instant?
        var answer: [NetlinkMessage] = []
        while true {
            var received: [NetlinkMessage]
            do {
                // The kernel handles a request inside send(), so its answer is usually queued by now:
                // look first, and only then start the clock and wait.
                received = try transport.receive(timeout: .zero)
                if received.isEmpty {
                    let end = deadline ?? clock.now.advanced(by: timeout)
                    deadline = end
                    let left = clock.now.duration(to: end)
                    guard left > .zero else { throw NetlinkError(.timedOut, operation: operation()) }
                    received = try transport.receive(timeout: left)
                }
            } catch var error as NetlinkError where error.code != .timedOut {
                error.operation = "\(operation()): \(error.operation)"
                throw error
            }
            for reply in received where reply.header.sequence == sequence {
                switch reply.header.type {
                case NetlinkMessageType.error:
                    let ack = try NetlinkAcknowledgement.decode(reply)
                    if ack.errno != 0 {
                        throw NetlinkError(.kernel(errno: ack.errno), operation: operation(),
                                           kernelMessage: ack.message, kernelOffset: ack.offset)
                    }
                    return answer
                case NetlinkMessageType.done:
                    let done = try NetlinkDone.decode(reply)
                    if done.errno != 0 {
                        throw NetlinkError(.kernel(errno: done.errno), operation: operation(),
                                           kernelMessage: done.message, kernelOffset: done.offset)
                    }
                    // A dump ends here; a do-command that answered in parts still owes its ACK.
                    if dump { return answer }
                case NetlinkMessageType.noop, NetlinkMessageType.overrun:
                    continue
                default:
                    answer.append(reply)
                }
            }
        }
    }

    /// Resolves a generic netlink family by name through nlctrl.
    public func resolveFamily(named name: String) throws -> GenericNetlinkFamily {
        let request = try GenericNetlinkController.getFamilyRequest(name: name)
            .message(family: GenericNetlinkController.familyID, flags: [])
        let answer: [NetlinkMessage]
        do {
            answer = try self.request(request, operation: "resolve family \(name)")
        } catch let error as NetlinkError where error.code == .kernel(errno: 2) {
            throw NetlinkError(.notFound, operation: "resolve family \(name)", kernelMessage: error.kernelMessage)
        }
        for message in answer where message.header.type == GenericNetlinkController.familyID {
            let family = try GenericNetlinkController.parseFamily(try GenericNetlinkMessage.decode(message))
            if family.name == name { return family }
        }
        throw NetlinkError(.notFound, operation: "resolve family \(name)")
    }
}
