/// Reads a control message line by line the way teamd and libteamdctl do
/// (teamd/teamd_usock_common.h `teamd_usock_msg_getline`): lines end at `\n`, empty
/// lines are skipped, and a last line without `\n` still counts.
///
/// Skipping empty lines is part of the protocol: `REQUEST\nPortAdd\n\n` carries no
/// argument, so teamd answers InvalidArgs, and we must answer the same.
struct ControlLineReader {
    let bytes: [UInt8]
    /// Where the next line search starts; `nil` once the message is used up.
    private(set) var position: Int?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
    }

    static let newline = UInt8(ascii: "\n")

    /// The next non-empty line, without its `\n`.
    mutating func nextLine() -> ArraySlice<UInt8>? {
        guard var index = position else { return nil }
        while index < bytes.count, bytes[index] == Self.newline { index += 1 }
        guard index < bytes.count else {
            position = nil
            return nil
        }
        let start = index
        while index < bytes.count, bytes[index] != Self.newline { index += 1 }
        let line = bytes[start..<index]
        position = index < bytes.count ? index + 1 : nil
        return line
    }

    /// Everything after the last line returned (a success reply's payload).
    var rest: ArraySlice<UInt8> {
        guard let position else { return [] }
        return bytes[position...]
    }

    /// How many non-empty lines are left.
    var remainingLineCount: Int {
        var copy = self
        var count = 0
        while copy.nextLine() != nil { count += 1 }
        return count
    }
}

/// The argument escaping of the UNIX socket and ZeroMQ transports (libteamdctl
/// `__strencode`, teamd `__strdecode`): a newline travels as `\n` and a backslash as
/// `\\`, so that each argument fits on one line.
enum ControlEscaping {
    static func escape(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            default: out.append(byte)
            }
        }
        return out
    }

    /// The unescaped bytes, or `nil` for a backslash followed by anything but `n` or
    /// `\`, or a backslash at the very end. (The C teamd keeps a trailing lone
    /// backslash as it is; nothing produces one, so we reject it as malformed.)
    static func unescape(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var escaped = false
        for byte in line {
            if escaped {
                switch byte {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                default: return nil
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return escaped ? nil : out
    }
}

extension String {
    /// The text of UTF-8 bytes, or `nil` when they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: some Collection<UInt8>) {
        var result = ""
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): result.unicodeScalars.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = result
    }

    /// Printable text for a log line from bytes that may be anything: invalid UTF-8
    /// becomes U+FFFD, and the text is cut at `limit` characters.
    init(lossyPrefixOf bytes: some Collection<UInt8>, limit: Int) {
        let text = String(decoding: bytes, as: UTF8.self)
        self = text.count > limit ? String(text.prefix(limit)) + "..." : text
    }
}
