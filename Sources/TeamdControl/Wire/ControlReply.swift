/// The answer to a control request.
///
/// On the UNIX socket (and ZeroMQ): `REPLY_SUCCESS\n<payload>` with the payload as it
/// is (JSON text, a state item's value, or nothing), or
/// `REPLY_ERROR\n<code>\n<message>\n`.
public enum ControlReply: Hashable, Sendable {
    /// Success with the method's result; empty for methods that return nothing.
    case success(String)
    case failure(ControlError)

    /// `TEAMD_USOCK_REPLY_SUCC_PREFIX`.
    static let successPrefix = Array("REPLY_SUCCESS".utf8)
    /// `TEAMD_USOCK_REPLY_ERR_PREFIX`.
    static let errorPrefix = Array("REPLY_ERROR".utf8)

    /// The reply as one UNIX socket message. A code or message is one line on the wire,
    /// so a newline in either is sent as a space.
    public func encoded() -> [UInt8] {
        switch self {
        case .success(let payload):
            return Self.successPrefix + [ControlLineReader.newline] + Array(payload.utf8)
        case .failure(let error):
            var out = Self.errorPrefix
            out.append(ControlLineReader.newline)
            out += Self.oneLine(error.code.rawValue)
            out.append(ControlLineReader.newline)
            out += Self.oneLine(error.message)
            out.append(ControlLineReader.newline)
            return out
        }
    }

    private static func oneLine(_ text: String) -> [UInt8] {
        text.utf8.map { $0 == ControlLineReader.newline ? UInt8(ascii: " ") : $0 }
    }

    /// Decodes a reply message as libteamdctl does (libteamdctl/cli_usock.c
    /// `cli_usock_process_msg`).
    public init(decoding message: some Collection<UInt8>) throws(ControlReplyError) {
        var reader = ControlLineReader(Array(message))
        guard let first = reader.nextLine() else { throw .empty }
        if first.elementsEqual(Self.successPrefix) {
            guard let payload = String(validatingUTF8Bytes: reader.rest) else { throw .invalidUTF8 }
            self = .success(payload)
        } else if first.elementsEqual(Self.errorPrefix) {
            guard let codeLine = reader.nextLine() else { throw .missingErrorCode }
            guard let code = String(validatingUTF8Bytes: codeLine) else { throw .invalidUTF8 }
            guard let messageLine = reader.nextLine() else { throw .missingErrorMessage(code: ControlErrorCode(code)) }
            guard let text = String(validatingUTF8Bytes: messageLine) else { throw .invalidUTF8 }
            self = .failure(ControlError(code: ControlErrorCode(code), message: text))
        } else {
            throw .unsupportedType(String(lossyPrefixOf: first, limit: 64))
        }
    }
}

/// Why a message is not a valid reply.
public enum ControlReplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No line at all.
    case empty
    /// The first line is neither `REPLY_SUCCESS` nor `REPLY_ERROR`.
    case unsupportedType(String)
    /// `REPLY_ERROR` without a code line.
    case missingErrorCode
    /// `REPLY_ERROR` and a code, but no message line.
    case missingErrorMessage(code: ControlErrorCode)
    /// The payload, code or message is not UTF-8.
    case invalidUTF8

    public var description: String {
        switch self {
        case .empty: return "empty reply"
        case .unsupportedType(let line): return "unsupported reply type \"\(line)\""
        case .missingErrorCode: return "error reply without a code"
        case .missingErrorMessage(let code): return "error reply \(code) without a message"
        case .invalidUTF8: return "reply is not valid UTF-8"
        }
    }
}
