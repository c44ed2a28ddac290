/// teamd's event stream on the UNIX socket: ours (the C teamd has none), in libteam's line-based framing
/// so that it shares the socket, the peer checks and the request format with the nine methods.
///
/// - The client sends `REQUEST\nEventSubscribe\n` (no arguments; with any, InvalidArgs).
/// - teamd answers `REPLY_SUCCESS\n` and keeps the connection open: from then on it sends one datagram
///   per event, `EVENT\n<JSON object>\n`, as it happens. The connection still takes requests; their
///   replies are told apart from events by the first line.
/// - The stream ends when teamd closes the connection: after a `teamd_stop` event when teamd stops, or
///   without one when the subscriber fell behind (teamd never waits for a subscriber: when the
///   connection's send buffer, `UnixControlServer.subscriberBufferSize`, is full, it drops the
///   connection rather than queue or block).
public enum ControlEventStream {
    /// The request's method name.
    public static let method = "EventSubscribe"
    /// The first line of an event message.
    static let eventPrefix = Array("EVENT".utf8)

    /// The subscription request as one message.
    public static var subscribeRequest: [UInt8] {
        ControlRequest.prefix + [ControlLineReader.newline] + Array(method.utf8) + [ControlLineReader.newline]
    }

    /// What a request message is to the stream.
    public enum Subscription: Equatable, Sendable {
        /// Not EventSubscribe: a method request (or garbage) for `ControlRequest(decoding:)`.
        case notSubscription
        /// EventSubscribe, well formed.
        case subscribe
        /// EventSubscribe with arguments: answer `reply`.
        case invalid(ControlReply)
    }

    /// Whether `message` asks for the event stream.
    public static func subscription(in message: some Collection<UInt8>) -> Subscription {
        var reader = ControlLineReader(Array(message))
        guard let first = reader.nextLine(), first.elementsEqual(ControlRequest.prefix),
              let name = reader.nextLine(), name.elementsEqual(method.utf8)
        else { return .notSubscription }
        return reader.remainingLineCount == 0 ? .subscribe : .invalid(.failure(.invalidArguments))
    }

    /// One event (a JSON object on one line) as one message.
    public static func encoded(event line: String) -> [UInt8] {
        var out = eventPrefix
        out.append(ControlLineReader.newline)
        out += line.utf8.map { $0 == ControlLineReader.newline ? UInt8(ascii: " ") : $0 }
        out.append(ControlLineReader.newline)
        return out
    }

    /// A message a subscriber receives.
    public enum Message: Equatable, Sendable {
        /// An event: its JSON text.
        case event(String)
        /// A reply (to the subscription, or to a request sent on the same connection).
        case reply(ControlReply)
    }

    /// Decodes a message on a subscribed connection.
    public static func decode(_ message: some Collection<UInt8>) throws(ControlReplyError) -> Message {
        let bytes = Array(message)
        var reader = ControlLineReader(bytes)
        if let first = reader.nextLine(), first.elementsEqual(eventPrefix) {
            guard let line = reader.nextLine() else { throw .empty }
            guard let text = String(validatingUTF8Bytes: line) else { throw .invalidUTF8 }
            return .event(text)
        }
        return .reply(try ControlReply(decoding: bytes))
    }
}
