/// One ZMTP 3 connection's protocol, without I/O: the socket code feeds it the bytes it reads
/// (`receive`), sends what `pendingOutput` holds (then `didSend`), and takes whole messages
/// from `nextMessage()`. The same value serves the REP side (teamd) and the REQ side
/// (teamdctl); the envelope of REQ/REP is left to them.
///
/// The greeting goes out at once; READY (and any message queued meanwhile) only after the
/// peer's greeting is in, as libzmq does. libzmq 4.3 drops a peer whose READY arrives in the
/// same read as the end of its greeting (seen with a raw client: greeting and READY in one
/// write are refused, the same bytes in two writes are served).
public struct ZMTPConnection: Sendable {
    public enum State: Hashable, Sendable {
        /// Waiting for the peer's 64-byte greeting.
        case greeting
        /// Waiting for the peer's READY.
        case handshake
        /// Messages flow.
        case ready
    }

    /// At most this many parts in one message; REQ/REP needs 2 (delimiter and body), a
    /// DEALER-ROUTER chain a few more.
    public static let maximumParts = 64

    public let socketType: ZMTPSocketType
    /// The largest message accepted (all its parts together); a peer that announces more is
    /// refused before its bytes are buffered.
    public let maximumMessageSize: Int
    public private(set) var state: State = .greeting
    /// The peer's greeting, once in.
    public private(set) var peerGreeting: ZMTPGreeting?
    /// The peer's READY properties, once in.
    public private(set) var peerProperties: [ZMTPProperty] = []

    private var input: [UInt8] = []
    /// How much of `input` is consumed; compacted now and then rather than on every frame.
    private var inputStart = 0
    private var output: [UInt8]
    /// Messages queued before the peer's greeting, sent after our READY.
    private var held: [UInt8] = []
    private var parts: [[UInt8]] = []
    private var partsSize = 0

    public init(socketType: ZMTPSocketType, maximumMessageSize: Int) {
        self.socketType = socketType
        self.maximumMessageSize = maximumMessageSize
        output = ZMTPGreeting().encoded()
    }

    /// Bytes waiting to be sent.
    public var pendingOutput: ArraySlice<UInt8> { output[...] }

    /// Drops the first `count` bytes of `pendingOutput`, which were sent.
    public mutating func didSend(_ count: Int) {
        output.removeFirst(min(count, output.count))
    }

    /// How many received bytes are not yet consumed.
    public var bufferedInputCount: Int { input.count - inputStart }

    /// Adds received bytes.
    public mutating func receive(_ bytes: some Collection<UInt8>) {
        if inputStart > 0, inputStart >= 65536 || inputStart * 2 >= input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
        input.append(contentsOf: bytes)
    }

    /// Queues a message (its parts, MORE set on all but the last).
    public mutating func send(message: [[UInt8]]) {
        var bytes: [UInt8] = []
        for (index, part) in message.enumerated() {
            bytes += ZMTPFrame(body: part, more: index < message.count - 1).encoded()
        }
        if state == .greeting { held += bytes } else { output += bytes }
    }

    /// Queues an ERROR command, for a peer about to be dropped (37/ZMTP: "the peer SHALL send
    /// an ERROR command and close").
    public mutating func sendError(_ reason: String) {
        output += ZMTPCommand.error(reason: reason).frame.encoded()
    }

    /// The next whole message that has arrived, or `nil` until more bytes come. Answers a
    /// PING with a PONG on the way. A protocol error is thrown; the connection must then be
    /// closed (its `pendingOutput` may hold an ERROR worth a try).
    public mutating func nextMessage() throws(ZMTPError) -> [[UInt8]]? {
        while true {
            let available = input[inputStart...]
            switch state {
            case .greeting:
                try ZMTPGreeting.validatePrefix(available)
                guard available.count >= ZMTPGreeting.size else { return nil }
                let greeting = try ZMTPGreeting(decoding: available)
                guard greeting.mechanism == "NULL" else {
                    sendError("Unsupported mechanism")
                    throw .unsupportedMechanism(greeting.mechanism)
                }
                peerGreeting = greeting
                inputStart += ZMTPGreeting.size
                state = .handshake
                output += ZMTPCommand.ready(socketType: socketType).frame.encoded() + held
                held = []
            case .handshake:
                guard try takeReady(available) else { return nil }
            case .ready:
                let allowance = maximumMessageSize - partsSize
                let frame: ZMTPFrame
                let consumed: Int
                do throws(ZMTPError) {
                    guard let decoded = try ZMTPFrame.decode(available, maximumSize: allowance) else { return nil }
                    (frame, consumed) = decoded
                } catch {
                    if case .frameTooLarge(let size, _) = error {
                        throw .frameTooLarge(size: size + UInt64(partsSize), limit: maximumMessageSize)
                    }
                    throw error
                }
                inputStart += consumed
                if frame.isCommand {
                    switch try ZMTPCommand(decoding: frame.body) {
                    case .ping(_, let context):
                        output += ZMTPCommand.pong(context: context).frame.encoded()
                    case .error(let reason):
                        throw .peerError(reason)
                    default:
                        // PONG, a repeated READY, SUBSCRIBE...: nothing for REQ or REP to do.
                        break
                    }
                    continue
                }
                guard parts.count < Self.maximumParts else { throw .tooManyParts(limit: Self.maximumParts) }
                parts.append(frame.body)
                partsSize += frame.body.count
                if !frame.more {
                    let message = parts
                    parts = []
                    partsSize = 0
                    return message
                }
            }
        }
    }

    /// The peer's READY, the handshake's one command; false until its whole frame has arrived.
    private mutating func takeReady(_ available: ArraySlice<UInt8>) throws(ZMTPError) -> Bool {
        // READY is small; a peer announcing a huge first frame is not a ZMTP peer.
        guard let (frame, consumed) = try ZMTPFrame.decode(available, maximumSize: 65536) else { return false }
        inputStart += consumed
        guard frame.isCommand else { throw .handshakeExpected("a message frame") }
        switch try ZMTPCommand(decoding: frame.body) {
        case .ready(let properties):
            guard let type = properties.value(named: "Socket-Type") else {
                sendError("Missing Socket-Type")
                throw .missingSocketType
            }
            let name = String(decoding: type, as: UTF8.self)
            guard socketType.accepts(name) else {
                sendError("Invalid socket type")
                throw .incompatibleSocketType(name)
            }
            peerProperties = properties
            state = .ready
            return true
        case .error(let reason):
            throw .peerError(reason)
        case let other:
            throw .handshakeExpected(other.name)
        }
    }
}
