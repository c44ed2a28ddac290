/// Why a JSON text was rejected, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text ended inside a value.
        case unexpectedEndOfInput
        /// A byte that cannot start or continue what was expected here; `expected`
        /// says what would have been valid.
        case unexpectedCharacter(expected: String)
        /// The text is not valid UTF-8.
        case invalidUTF8
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// `\uXXXX` with bad hex digits, a lone surrogate, or `\u0000` (jansson refuses
        /// NUL in strings: teamd's strings are C strings).
        case invalidUnicodeEscape
        /// A raw control character (below U+0020) inside a string.
        case controlCharacterInString
        /// A number that does not follow the JSON grammar.
        case invalidNumber
        /// An integer outside Int64 (jansson: "too big integer").
        case integerOutOfRange
        /// A real whose magnitude overflows a Double (jansson: "real number overflow").
        case realOutOfRange
        /// An object repeats a key (jansson's `JSON_REJECT_DUPLICATES`, which teamd uses).
        case duplicateKey(String)
        /// Arrays and objects nested deeper than the parser's limit.
        case tooDeep(limit: Int)
        /// Something other than whitespace after the top-level value.
        case trailingCharacters
    }

    public var kind: Kind
    /// 1-based line of the error.
    public var line: Int
    /// 1-based column, counted in characters (Unicode scalars) as jansson does.
    public var column: Int
    /// Byte offset of the error from the start of the text.
    public var offset: Int
    /// Where in the document the error is: the container being parsed, or for a
    /// duplicate key the path of the repeated key (e.g. `$.ports.eth0`).
    public var path: JSONPath

    public init(kind: Kind, line: Int, column: Int, offset: Int, path: JSONPath) {
        self.kind = kind
        self.line = line
        self.column = column
        self.offset = offset
        self.path = path
    }

    /// A one-line explanation without the position.
    public var reason: String {
        switch kind {
        case .unexpectedEndOfInput: return "unexpected end of input"
        case .unexpectedCharacter(let expected): return "unexpected character, expected \(expected)"
        case .invalidUTF8: return "invalid UTF-8"
        case .invalidEscape: return "invalid escape in string"
        case .invalidUnicodeEscape: return "invalid \\u escape in string"
        case .controlCharacterInString: return "control character in string"
        case .invalidNumber: return "invalid number"
        case .integerOutOfRange: return "integer out of range"
        case .realOutOfRange: return "real number out of range"
        case .duplicateKey(let key): return "duplicate key \"\(key)\""
        case .tooDeep(let limit): return "nesting deeper than \(limit)"
        case .trailingCharacters: return "unexpected characters after the JSON value"
        }
    }

    public var description: String {
        "\(reason) at \(path) (line \(line), column \(column))"
    }
}
