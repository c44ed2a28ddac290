/// A D-Bus type, as a signature spells it (D-Bus specification, "Type System").
public indirect enum DBusType: Hashable, Sendable {
    /// `y`
    case byte
    /// `b`: a UINT32 that is 0 or 1.
    case boolean
    /// `n`
    case int16
    /// `q`
    case uint16
    /// `i`
    case int32
    /// `u`
    case uint32
    /// `x`
    case int64
    /// `t`
    case uint64
    /// `d`: IEEE 754 double.
    case double
    /// `s`: UTF-8 without NUL.
    case string
    /// `o`
    case objectPath
    /// `g`
    case signature
    /// `h`: an index into the message's file descriptors.
    case unixFD
    /// `v`
    case variant
    /// `a` followed by the element type.
    case array(DBusType)
    /// `(` ... `)`, at least one field.
    case structure([DBusType])
    /// `{` key value `}`, only as an array's element; the key is a basic type.
    case dictEntry(key: DBusType, value: DBusType)

    /// The boundary a value of this type starts on, relative to the start of the message
    /// (or of the body, which itself starts on 8).
    public var alignment: Int {
        switch self {
        case .byte, .signature, .variant: return 1
        case .int16, .uint16: return 2
        case .boolean, .int32, .uint32, .string, .objectPath, .unixFD, .array: return 4
        case .int64, .uint64, .double, .structure, .dictEntry: return 8
        }
    }

    /// Whether this is a basic type (one that can be a dictionary key).
    public var isBasic: Bool {
        switch self {
        case .variant, .array, .structure, .dictEntry: return false
        default: return true
        }
    }

    /// The signature of this one type.
    public var signature: String {
        switch self {
        case .byte: return "y"
        case .boolean: return "b"
        case .int16: return "n"
        case .uint16: return "q"
        case .int32: return "i"
        case .uint32: return "u"
        case .int64: return "x"
        case .uint64: return "t"
        case .double: return "d"
        case .string: return "s"
        case .objectPath: return "o"
        case .signature: return "g"
        case .unixFD: return "h"
        case .variant: return "v"
        case .array(let element): return "a" + element.signature
        case .structure(let fields): return "(" + fields.map(\.signature).joined() + ")"
        case .dictEntry(let key, let value): return "{" + key.signature + value.signature + "}"
        }
    }

    /// The signature of a sequence of types (a message body, a struct's fields).
    public static func signature(of types: [DBusType]) -> String {
        types.map(\.signature).joined()
    }

    /// The longest signature D-Bus allows.
    public static let maximumSignatureLength = 255
    /// How deeply arrays, and separately structs, may nest in one signature.
    public static let maximumNesting = 32

    /// The complete types of a signature, in order. Refuses what the specification
    /// forbids: unknown codes, unbalanced or empty structs, dict entries outside an array
    /// or with a non-basic key, more than 32 nested arrays or structs, more than 255 bytes.
    public static func parse(signature: String) throws(DBusWireError) -> [DBusType] {
        let bytes = Array(signature.utf8)
        guard bytes.count <= maximumSignatureLength else { throw .invalidSignature(signature) }
        var parser = SignatureParser(bytes: bytes)
        var types: [DBusType] = []
        while parser.position < bytes.count {
            guard let type = parser.next(arrayDepth: 0, structDepth: 0, inArray: false) else {
                throw .invalidSignature(signature)
            }
            types.append(type)
        }
        return types
    }

    /// The one complete type of a variant's signature.
    static func parseSingle(signature: String) throws(DBusWireError) -> DBusType {
        let types = try parse(signature: signature)
        guard types.count == 1 else { throw .invalidSignature(signature) }
        return types[0]
    }
}

/// A recursive-descent reader of signature bytes; `nil` for anything invalid.
private struct SignatureParser {
    let bytes: [UInt8]
    var position = 0

    mutating func next(arrayDepth: Int, structDepth: Int, inArray: Bool) -> DBusType? {
        guard position < bytes.count else { return nil }
        let code = bytes[position]
        position += 1
        switch code {
        case UInt8(ascii: "y"): return .byte
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "n"): return .int16
        case UInt8(ascii: "q"): return .uint16
        case UInt8(ascii: "i"): return .int32
        case UInt8(ascii: "u"): return .uint32
        case UInt8(ascii: "x"): return .int64
        case UInt8(ascii: "t"): return .uint64
        case UInt8(ascii: "d"): return .double
        case UInt8(ascii: "s"): return .string
        case UInt8(ascii: "o"): return .objectPath
        case UInt8(ascii: "g"): return .signature
        case UInt8(ascii: "h"): return .unixFD
        case UInt8(ascii: "v"): return .variant
        case UInt8(ascii: "a"):
            guard arrayDepth < DBusType.maximumNesting,
                let element = next(arrayDepth: arrayDepth + 1, structDepth: structDepth, inArray: true)
            else { return nil }
            return .array(element)
        case UInt8(ascii: "("):
            guard structDepth < DBusType.maximumNesting else { return nil }
            var fields: [DBusType] = []
            while position < bytes.count, bytes[position] != UInt8(ascii: ")") {
                guard let field = next(arrayDepth: arrayDepth, structDepth: structDepth + 1, inArray: false) else {
                    return nil
                }
                fields.append(field)
            }
            guard position < bytes.count, !fields.isEmpty else { return nil }
            position += 1
            return .structure(fields)
        case UInt8(ascii: "{"):
            // Only directly inside an array; counts as a struct for nesting.
            guard inArray, structDepth < DBusType.maximumNesting,
                let key = next(arrayDepth: arrayDepth, structDepth: structDepth + 1, inArray: false), key.isBasic,
                let value = next(arrayDepth: arrayDepth, structDepth: structDepth + 1, inArray: false),
                position < bytes.count, bytes[position] == UInt8(ascii: "}")
            else { return nil }
            position += 1
            return .dictEntry(key: key, value: value)
        default:
            return nil
        }
    }
}
