/// One D-Bus value with its type. An array carries its element type, so that an empty
/// array still has a signature.
///
/// A byte array (`ay`) is held as its bytes (`bytes`), one buffer, never as one boxed
/// `byte` value per byte: the decoder always gives `bytes` for `ay` (a 32 MiB `ay` is one
/// 32 MiB array, not tens of millions of heap boxes). `array(element: .byte, ...)` still
/// encodes, to the same bytes.
public indirect enum DBusValue: Hashable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(String)
    case signature(String)
    /// An index into the message's file descriptors (we never pass any).
    case unixFD(UInt32)
    case variant(DBusValue)
    case array(element: DBusType, [DBusValue])
    /// An array of bytes (`ay`).
    case bytes([UInt8])
    case structure([DBusValue])
    case dictEntry(key: DBusValue, value: DBusValue)

    /// The value's type.
    public var type: DBusType {
        switch self {
        case .byte: return .byte
        case .boolean: return .boolean
        case .int16: return .int16
        case .uint16: return .uint16
        case .int32: return .int32
        case .uint32: return .uint32
        case .int64: return .int64
        case .uint64: return .uint64
        case .double: return .double
        case .string: return .string
        case .objectPath: return .objectPath
        case .signature: return .signature
        case .unixFD: return .unixFD
        case .variant: return .variant
        case .array(let element, _): return .array(element)
        case .bytes: return .array(.byte)
        case .structure(let fields): return .structure(fields.map(\.type))
        case .dictEntry(let key, let value): return .dictEntry(key: key.type, value: value.type)
        }
    }

    /// The string of an `s`, `o` or `g` value; `nil` for other types.
    public var stringValue: String? {
        switch self {
        case .string(let text), .objectPath(let text), .signature(let text): return text
        default: return nil
        }
    }

    /// The number of a `u` value.
    public var uint32Value: UInt32? {
        if case .uint32(let value) = self { return value }
        return nil
    }
}

/// Why D-Bus bytes could not be read, or a value could not be written. Offsets count
/// from the start of the message.
public enum DBusWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The data ends before the value (or the message) does.
    case truncated(offset: Int)
    /// The first byte is neither `l` nor `B`.
    case invalidByteOrder(UInt8)
    /// The major protocol version is not 1.
    case unsupportedVersion(UInt8)
    /// A message type this implementation does not know (the specification says to
    /// ignore such messages; the connection skips them).
    case unknownMessageType(UInt8)
    /// A message longer than the 128 MiB D-Bus allows.
    case messageTooLong(Int)
    /// An array longer than the 64 MiB D-Bus allows.
    case arrayTooLong(Int, offset: Int)
    /// An array's elements do not end where its length says.
    case arrayLengthMismatch(offset: Int)
    /// Alignment padding that is not zero.
    case nonZeroPadding(offset: Int)
    /// A boolean other than 0 or 1.
    case invalidBoolean(UInt32, offset: Int)
    /// A string that is not NUL-terminated UTF-8 without NUL inside.
    case invalidString(offset: Int)
    /// An object path against the specification's rules.
    case invalidObjectPath(String)
    /// A signature against the specification's rules.
    case invalidSignature(String)
    /// Variants nested deeper than 64 levels (the total limit on containers).
    case nestingTooDeep(offset: Int)
    /// A known header field whose variant holds the wrong type.
    case headerFieldType(code: UInt8, signature: String)
    /// The same header field twice.
    case duplicateHeaderField(code: UInt8)
    /// A header field the message type requires is absent ("PATH" for a method call, ...).
    case missingHeaderField(String)
    /// A header field holding a name that breaks the naming rules.
    case invalidName(field: String, value: String)
    /// The body does not end where the header's body length says.
    case bodyLengthMismatch(expected: Int, actual: Int)
    /// A serial of 0, which D-Bus forbids.
    case zeroSerial
    /// Bytes after the end of the message.
    case trailingBytes(count: Int)
    /// Encoding: a value that does not fit its declared type (an array element of the
    /// wrong type, a string with NUL, a bad path or signature).
    case unencodable(String)

    /// The same error with its offset moved by `distance` (a body read alone reports
    /// offsets from the body's start; the message's start is `distance` before it).
    func shifted(by distance: Int) -> DBusWireError {
        switch self {
        case .truncated(let offset): return .truncated(offset: offset + distance)
        case .arrayTooLong(let length, let offset): return .arrayTooLong(length, offset: offset + distance)
        case .arrayLengthMismatch(let offset): return .arrayLengthMismatch(offset: offset + distance)
        case .nonZeroPadding(let offset): return .nonZeroPadding(offset: offset + distance)
        case .invalidBoolean(let value, let offset): return .invalidBoolean(value, offset: offset + distance)
        case .invalidString(let offset): return .invalidString(offset: offset + distance)
        case .nestingTooDeep(let offset): return .nestingTooDeep(offset: offset + distance)
        default: return self
        }
    }

    public var description: String {
        switch self {
        case .truncated(let offset): return "D-Bus data ends early at offset \(offset)"
        case .invalidByteOrder(let byte): return "D-Bus message with an invalid byte order mark \(byte)"
        case .unsupportedVersion(let version): return "D-Bus protocol version \(version) is not supported"
        case .unknownMessageType(let type): return "D-Bus message of unknown type \(type)"
        case .messageTooLong(let length): return "D-Bus message of \(length) bytes is too long"
        case .arrayTooLong(let length, let offset): return "D-Bus array of \(length) bytes at offset \(offset) is too long"
        case .arrayLengthMismatch(let offset): return "D-Bus array at offset \(offset) does not end at its length"
        case .nonZeroPadding(let offset): return "D-Bus padding at offset \(offset) is not zero"
        case .invalidBoolean(let value, let offset): return "D-Bus boolean \(value) at offset \(offset) is not 0 or 1"
        case .invalidString(let offset): return "D-Bus string at offset \(offset) is not valid"
        case .invalidObjectPath(let path): return "invalid D-Bus object path \"\(path)\""
        case .invalidSignature(let signature): return "invalid D-Bus signature \"\(signature)\""
        case .nestingTooDeep(let offset): return "D-Bus values nest too deeply at offset \(offset)"
        case .headerFieldType(let code, let signature):
            return "D-Bus header field \(code) has type \"\(signature)\""
        case .duplicateHeaderField(let code): return "D-Bus header field \(code) appears twice"
        case .missingHeaderField(let name): return "D-Bus message lacks its \(name) header field"
        case .invalidName(let field, let value): return "invalid D-Bus \(field) \"\(value)\""
        case .bodyLengthMismatch(let expected, let actual):
            return "D-Bus body of \(actual) bytes where the header says \(expected)"
        case .zeroSerial: return "D-Bus message with serial 0"
        case .trailingBytes(let count): return "\(count) bytes after the D-Bus message"
        case .unencodable(let reason): return "cannot encode D-Bus value: \(reason)"
        }
    }
}
