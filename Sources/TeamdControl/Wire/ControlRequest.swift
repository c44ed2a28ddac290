/// A control request: one of teamd's nine methods with its arguments.
///
/// On the UNIX socket (and ZeroMQ) a request is one message:
/// `REQUEST\n<Method>\n<arg1>\n<arg2>\n`, each argument escaped so that it fits on
/// one line (newline as `\n`, backslash as `\\`).
public enum ControlRequest: Hashable, Sendable {
    case configDump
    case configDumpActual
    case stateDump
    case portAdd(port: String)
    case portRemove(port: String)
    case portConfigUpdate(port: String, config: String)
    case portConfigDump(port: String)
    case stateItemValueGet(path: String)
    case stateItemValueSet(path: String, value: String)

    /// The largest request a server accepts, in bytes: 256 KiB. Larger than anything
    /// a client can send with the kernel's default socket buffer (about 208 KiB),
    /// so no request a C client sends is refused, while a hostile 1 MiB request is.
    public static let maximumEncodedSize = 256 * 1024

    /// `TEAMD_USOCK_REQUEST_PREFIX`.
    static let prefix = Array("REQUEST".utf8)

    public var method: ControlMethod {
        switch self {
        case .configDump: return .configDump
        case .configDumpActual: return .configDumpActual
        case .stateDump: return .stateDump
        case .portAdd: return .portAdd
        case .portRemove: return .portRemove
        case .portConfigUpdate: return .portConfigUpdate
        case .portConfigDump: return .portConfigDump
        case .stateItemValueGet: return .stateItemValueGet
        case .stateItemValueSet: return .stateItemValueSet
        }
    }

    /// The string arguments in wire order.
    public var arguments: [String] {
        switch self {
        case .configDump, .configDumpActual, .stateDump: return []
        case .portAdd(let port), .portRemove(let port), .portConfigDump(let port): return [port]
        case .portConfigUpdate(let port, let config): return [port, config]
        case .stateItemValueGet(let path): return [path]
        case .stateItemValueSet(let path, let value): return [path, value]
        }
    }

    /// A request from a method and its arguments, as a transport that carries them
    /// separately (D-Bus) receives them.
    public init(method: ControlMethod, arguments: [String]) throws(ControlRequestError) {
        guard arguments.count == method.argumentCount else {
            throw .wrongArgumentCount(method, expected: method.argumentCount, received: arguments.count)
        }
        switch method {
        case .configDump: self = .configDump
        case .configDumpActual: self = .configDumpActual
        case .stateDump: self = .stateDump
        case .portAdd: self = .portAdd(port: arguments[0])
        case .portRemove: self = .portRemove(port: arguments[0])
        case .portConfigUpdate: self = .portConfigUpdate(port: arguments[0], config: arguments[1])
        case .portConfigDump: self = .portConfigDump(port: arguments[0])
        case .stateItemValueGet: self = .stateItemValueGet(path: arguments[0])
        case .stateItemValueSet: self = .stateItemValueSet(path: arguments[0], value: arguments[1])
        }
    }

    /// The request as one UNIX socket message. An empty argument becomes an empty
    /// line, which teamd skips: the C client does the same, and teamd answers
    /// InvalidArgs to both.
    public func encoded() -> [UInt8] {
        encoded(framing: .unixSocket)
    }

    /// The request as one ZeroMQ message (libteamdctl/cli_zmq.c): the same lines as on the
    /// UNIX socket, but the arguments go as they are, without escaping, because the C
    /// teamd's ZeroMQ server does not unescape them. An argument with a newline cannot
    /// travel that way and is refused.
    public func encodedForZeroMQ() throws(ControlRequestError) -> [UInt8] {
        for (index, argument) in arguments.enumerated() where argument.utf8.contains(ControlLineReader.newline) {
            throw .newlineInArgument(method, argument: index)
        }
        return encoded(framing: .zeroMQ)
    }

    private func encoded(framing: ControlFraming) -> [UInt8] {
        var out = Self.prefix
        out.append(ControlLineReader.newline)
        out += Array(method.rawValue.utf8)
        out.append(ControlLineReader.newline)
        for argument in arguments {
            out += framing == .unixSocket ? ControlEscaping.escape(argument) : Array(argument.utf8)
            out.append(ControlLineReader.newline)
        }
        return out
    }

    /// Decodes one UNIX socket message. Never traps: anything malformed is a
    /// `ControlRequestError`, whose `reply` is the answer to send back.
    public init(decoding message: some Collection<UInt8>) throws(ControlRequestError) {
        try self.init(decoding: message, framing: .unixSocket)
    }

    /// Decodes one ZeroMQ message: the UNIX socket's lines with the arguments taken as
    /// they are (teamd/teamd_zmq.c does not unescape them), so that a backslash in a C
    /// client's argument arrives unchanged.
    public init(decodingZeroMQ message: some Collection<UInt8>) throws(ControlRequestError) {
        try self.init(decoding: message, framing: .zeroMQ)
    }

    private init(decoding message: some Collection<UInt8>, framing: ControlFraming) throws(ControlRequestError) {
        guard message.count <= Self.maximumEncodedSize else {
            throw .tooLarge(size: message.count, limit: Self.maximumEncodedSize)
        }
        let bytes = Array(message)
        // teamd's messages are C strings: a NUL would silently cut the request short.
        guard !bytes.contains(0) else { throw .containsNUL }
        var reader = ControlLineReader(bytes)
        guard let first = reader.nextLine() else { throw .empty }
        guard first.elementsEqual(Self.prefix) else {
            throw .notARequest(firstLine: String(lossyPrefixOf: first, limit: 64))
        }
        guard let methodLine = reader.nextLine() else { throw .missingMethod }
        guard let name = String(validatingUTF8Bytes: methodLine), let method = ControlMethod(rawValue: name) else {
            throw .unknownMethod(String(lossyPrefixOf: methodLine, limit: 64))
        }
        let received = reader.remainingLineCount
        guard received == method.argumentCount else {
            throw .wrongArgumentCount(method, expected: method.argumentCount, received: received)
        }
        var arguments: [String] = []
        for index in 0..<received {
            guard let line = reader.nextLine(),
                let raw = framing == .unixSocket ? ControlEscaping.unescape(line) : Array(line)
            else {
                throw .invalidEscape(method, argument: index)
            }
            guard let argument = String(validatingUTF8Bytes: raw) else {
                throw .invalidUTF8(method, argument: index)
            }
            arguments.append(argument)
        }
        try self.init(method: method, arguments: arguments)
    }
}

/// Why a control message is not a valid request. Each case knows the error reply the
/// server sends for it.
public enum ControlRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The message holds no line at all (empty or only newlines).
    case empty
    /// The message is larger than `ControlRequest.maximumEncodedSize`.
    case tooLarge(size: Int, limit: Int)
    /// The message contains a NUL byte.
    case containsNUL
    /// The first line is not `REQUEST` (a reply sent to the server, or garbage).
    case notARequest(firstLine: String)
    /// `REQUEST` and nothing after it.
    case missingMethod
    /// A method teamd does not have.
    case unknownMethod(String)
    /// Too few or too many arguments for the method.
    case wrongArgumentCount(ControlMethod, expected: Int, received: Int)
    /// An argument (0-based index) with a backslash not followed by `n` or `\`.
    case invalidEscape(ControlMethod, argument: Int)
    /// An argument (0-based index) that is not UTF-8 once unescaped.
    case invalidUTF8(ControlMethod, argument: Int)
    /// An argument (0-based index) with a newline, which ZeroMQ framing cannot carry
    /// (a client-side error: nothing is sent).
    case newlineInArgument(ControlMethod, argument: Int)
    /// A request from a peer that is not root (its uid, when the kernel said): not decoded.
    case permissionDenied(uid: UInt32?)

    public var description: String {
        switch self {
        case .empty: return "empty message"
        case .tooLarge(let size, let limit): return "message of \(size) bytes exceeds the limit of \(limit) bytes"
        case .containsNUL: return "message contains a NUL byte"
        case .notARequest(let line): return "message is not a request (first line \"\(line)\")"
        case .missingMethod: return "request names no method"
        case .unknownMethod(let name): return "unknown method \"\(name)\""
        case .wrongArgumentCount(let method, let expected, let received):
            return "\(method.rawValue) takes \(expected) argument\(expected == 1 ? "" : "s"), got \(received)"
        case .invalidEscape(let method, let index):
            return "\(method.rawValue) argument \(index + 1) has an invalid escape"
        case .invalidUTF8(let method, let index):
            return "\(method.rawValue) argument \(index + 1) is not valid UTF-8"
        case .newlineInArgument(let method, let index):
            return "\(method.rawValue) argument \(index + 1) contains a newline, which ZeroMQ framing cannot carry"
        case .permissionDenied(let uid):
            return "request from \(uid.map { "uid \($0)" } ?? "a peer of unknown uid") refused: only root may control teamd"
        }
    }

    /// The reply a server sends back. Argument errors get teamd's own InvalidArgs reply;
    /// messages the C teamd would silently drop get an `InvalidRequest` or
    /// `UnknownMethod` error instead, so that the client does not wait for nothing.
    public var reply: ControlReply {
        switch self {
        case .wrongArgumentCount, .invalidEscape, .invalidUTF8, .newlineInArgument:
            return .failure(.invalidArguments)
        case .unknownMethod(let name):
            return .failure(ControlError(code: .unknownMethod, message: "Unknown method \"\(name)\"."))
        case .permissionDenied:
            return .failure(.permissionDenied)
        case .empty, .tooLarge, .containsNUL, .notARequest, .missingMethod:
            return .failure(ControlError(code: .invalidRequest, message: "Invalid request: \(description)."))
        }
    }
}

/// How the arguments of a request travel: escaped on the UNIX socket, as they are on
/// ZeroMQ (the C tools differ there, and we must talk to both).
enum ControlFraming {
    case unixSocket
    case zeroMQ
}
