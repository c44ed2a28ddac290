/// Parser settings.
public struct JSONParseOptions: Sendable, Equatable {
    /// The deepest nesting of arrays and objects accepted. teamd configs and control
    /// payloads are a few levels deep; the limit keeps hostile input from exhausting
    /// memory or the stack when the value is later walked or released.
    public var maximumDepth: Int

    public init(maximumDepth: Int = 512) {
        self.maximumDepth = maximumDepth
    }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259: any value at the top level), rejecting
    /// duplicate object keys as teamd does.
    public init(parsing text: String, options: JSONParseOptions = JSONParseOptions()) throws(JSONParseError) {
        self = try JSONValue(parsingUTF8: Array(text.utf8), options: options)
    }

    /// Parses UTF-8 bytes; invalid UTF-8 is an error.
    public init(parsingUTF8 bytes: some Collection<UInt8>, options: JSONParseOptions = JSONParseOptions())
        throws(JSONParseError)
    {
        var parser = JSONParser(bytes: Array(bytes), maximumDepth: options.maximumDepth)
        self = try parser.parseDocument()
    }
}

/// An iterative parser: containers live on an explicit stack, so no input can
/// overflow the call stack, and every error can report the path it happened at.
private struct JSONParser {
    enum Frame {
        case array([JSONValue])
        case object(JSONObject, pendingKey: String?)
    }

    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0
    var stack: [Frame] = []

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = max(maximumDepth, 1)
    }

    // MARK: Errors

    /// The path of the value being parsed: each open container's current slot.
    var currentPath: JSONPath {
        var components: [JSONPath.Component] = []
        for frame in stack {
            switch frame {
            case .array(let items): components.append(.index(items.count))
            case .object(_, let key?): components.append(.key(key))
            case .object(_, nil): break
            }
        }
        return JSONPath(components)
    }

    /// The path of the container being parsed, for errors between values.
    var containerPath: JSONPath {
        var path = currentPath
        if case .object(_, pendingKey: nil)? = stack.last {
            return path
        }
        path.components.removeLast(path.components.isEmpty ? 0 : 1)
        return path
    }

    func error(_ kind: JSONParseError.Kind, at offset: Int? = nil, path: JSONPath? = nil) -> JSONParseError {
        let offset = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[0..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParseError(kind: kind, line: line, column: column, offset: offset,
                              path: path ?? currentPath)
    }

    func unexpected(_ expected: String, path: JSONPath? = nil) -> JSONParseError {
        position < bytes.count
            ? error(.unexpectedCharacter(expected: expected), path: path)
            : error(.unexpectedEndOfInput, path: path)
    }

    // MARK: Structure

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func pushFrame(_ frame: Frame) {
        stack.append(frame)
    }

    /// After `{` or `,` in an object: a key, then `:`. Checks the key against those
    /// already in the object.
    mutating func parseMemberKey(in object: JSONObject) throws(JSONParseError) -> String {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw unexpected("'\"' (an object key)") }
        let keyOffset = position
        let key = try parseString()
        if object.contains(key: key) {
            throw error(.duplicateKey(key), at: keyOffset, path: containerPath.appending(key))
        }
        skipWhitespace()
        guard peek == UInt8(ascii: ":") else { throw unexpected("':'") }
        position += 1
        return key
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        nextValue: while true {
            skipWhitespace()
            guard let byte = peek else { throw error(.unexpectedEndOfInput) }
            // Every container counts toward the depth, even an empty one (as in jansson).
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "["), stack.count >= maximumDepth {
                throw error(.tooDeep(limit: maximumDepth))
            }
            var value: JSONValue
            switch byte {
            case UInt8(ascii: "{"):
                position += 1
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    position += 1
                    value = .object(JSONObject())
                } else {
                    pushFrame(.object(JSONObject(), pendingKey: nil))
                    let key = try parseMemberKey(in: JSONObject())
                    stack[stack.count - 1] = .object(JSONObject(), pendingKey: key)
                    continue nextValue
                }
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    pushFrame(.array([]))
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            default:
                throw unexpected("a value")
            }

            // Hand the finished value to the innermost open container, closing
            // containers for as long as the text closes them.
            while true {
                guard let frame = stack.popLast() else {
                    skipWhitespace()
                    guard position == bytes.count else { throw error(.trailingCharacters, path: .root) }
                    return value
                }
                switch frame {
                case .array(var items):
                    items.append(value)
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") {
                        position += 1
                        stack.append(.array(items))
                        continue nextValue
                    } else if peek == UInt8(ascii: "]") {
                        position += 1
                        value = .array(items)
                    } else {
                        stack.append(.array(items))
                        throw unexpected("',' or ']'", path: containerPath)
                    }
                case .object(_, nil):
                    // A value is only parsed after its key; unreachable, but no trap.
                    throw unexpected("an object key")
                case .object(var object, let key?):
                    object[key] = value
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") {
                        position += 1
                        stack.append(.object(object, pendingKey: nil))
                        let next = try parseMemberKey(in: object)
                        stack[stack.count - 1] = .object(object, pendingKey: next)
                        continue nextValue
                    } else if peek == UInt8(ascii: "}") {
                        position += 1
                        value = .object(object)
                    } else {
                        stack.append(.object(object, pendingKey: key))
                        throw unexpected("',' or '}'", path: containerPath)
                    }
                }
            }
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected in
            position + count <= bytes.count && bytes[position..<position + count].elementsEqual(expected)
        }
        guard matches else { throw unexpected("a value") }
        position += count
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isReal = false
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, isDigit(first) else { throw error(.invalidNumber, at: start) }
        position += 1
        if first != UInt8(ascii: "0") {
            while let digit = peek, isDigit(digit) { position += 1 }
        } else if let digit = peek, isDigit(digit) {
            throw error(.invalidNumber, at: start)  // leading zero
        }
        if peek == UInt8(ascii: ".") {
            isReal = true
            position += 1
            guard let digit = peek, isDigit(digit) else { throw error(.invalidNumber, at: start) }
            while let digit = peek, isDigit(digit) { position += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isReal = true
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek, isDigit(digit) else { throw error(.invalidNumber, at: start) }
            while let digit = peek, isDigit(digit) { position += 1 }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isReal {
            guard let real = Double(text) else { throw error(.invalidNumber, at: start) }
            guard real.isFinite else { throw error(.realOutOfRange, at: start) }
            return .double(real)
        }
        guard let integer = Int64(text) else { throw error(.integerOutOfRange, at: start) }
        return .integer(integer)
    }

    func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Strings

    /// At an opening quote: the decoded string, validating UTF-8 and escapes.
    mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        var decoded: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error(.unexpectedEndOfInput) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &decoded)
            case 0..<0x20:
                throw error(.controlCharacterInString)
            case 0x20..<0x80:
                decoded.append(byte)
                position += 1
            default:
                let length = try validUTF8SequenceLength()
                decoded.append(contentsOf: bytes[position..<position + length])
                position += length
            }
        }
    }

    /// The length of the well-formed UTF-8 sequence at `position` (RFC 3629: no
    /// overlong forms, no surrogates, nothing above U+10FFFF).
    func validUTF8SequenceLength() throws(JSONParseError) -> Int {
        let lead = bytes[position]
        let length: Int
        var lowest: UInt8 = 0x80
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; highest = 0x9F
        case 0xF0: length = 4; lowest = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; highest = 0x8F
        default: throw error(.invalidUTF8)
        }
        guard position + length <= bytes.count else { throw error(.invalidUTF8) }
        let second = bytes[position + 1]
        guard second >= lowest && second <= highest else { throw error(.invalidUTF8) }
        for index in 2..<length where bytes[position + index] & 0xC0 != 0x80 {
            throw error(.invalidUTF8)
        }
        return length
    }

    mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard let letter = peek else { throw error(.unexpectedEndOfInput) }
        position += 1
        switch letter {
        case UInt8(ascii: "\""): decoded.append(0x22)
        case UInt8(ascii: "\\"): decoded.append(0x5C)
        case UInt8(ascii: "/"): decoded.append(0x2F)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var code = try parseHex4(escapeStart: escapeStart)
            if (0xD800..<0xDC00).contains(code) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u")
                else { throw error(.invalidUnicodeEscape, at: escapeStart) }
                position += 2
                let low = try parseHex4(escapeStart: escapeStart)
                guard (0xDC00..<0xE000).contains(low) else { throw error(.invalidUnicodeEscape, at: escapeStart) }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(code) || code == 0 {
                throw error(.invalidUnicodeEscape, at: escapeStart)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error(.invalidUnicodeEscape, at: escapeStart) }
            decoded.append(contentsOf: String(scalar).utf8)
        default:
            throw error(.invalidEscape, at: escapeStart)
        }
    }

    mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error(.invalidUnicodeEscape, at: escapeStart) }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidUnicodeEscape, at: escapeStart)
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }
}
