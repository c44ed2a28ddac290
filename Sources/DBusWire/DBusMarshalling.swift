import Glibc

/// The byte order of a D-Bus message, named by its first byte.
public enum DBusByteOrder: UInt8, Hashable, Sendable {
    /// `l`
    case littleEndian = 0x6C
    /// `B`
    case bigEndian = 0x42
}

/// Reads D-Bus values from bytes. Offsets, and so alignment, count from `bytes`'s start,
/// which is the start of the message. Every read checks its bounds: bad input throws,
/// never traps.
struct DBusReader {
    let bytes: [UInt8]
    let byteOrder: DBusByteOrder
    var offset: Int
    /// Where the values being read must end (a message's body or header field array).
    var limit: Int

    /// The deepest nesting of containers (arrays, structs, variants) D-Bus allows.
    static let maximumDepth = 64
    /// The longest array D-Bus allows, in bytes.
    static let maximumArrayLength = 1 << 26

    init(bytes: [UInt8], byteOrder: DBusByteOrder, offset: Int = 0, limit: Int? = nil) {
        self.bytes = bytes
        self.byteOrder = byteOrder
        self.offset = offset
        self.limit = limit ?? bytes.count
    }

    /// Skips the padding up to the next multiple of `boundary`, which must be zeros.
    mutating func align(_ boundary: Int) throws(DBusWireError) {
        let padding = (boundary - offset % boundary) % boundary
        guard padding <= limit - offset else { throw .truncated(offset: offset) }
        for index in offset..<(offset + padding) where bytes[index] != 0 {
            throw .nonZeroPadding(offset: index)
        }
        offset += padding
    }

    mutating func readByte() throws(DBusWireError) -> UInt8 {
        guard offset < limit else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// An unsigned integer of `size` bytes in the message's byte order, aligned first.
    mutating func readUnsigned(size: Int) throws(DBusWireError) -> UInt64 {
        try align(size)
        guard size <= limit - offset else { throw .truncated(offset: offset) }
        var value: UInt64 = 0
        for index in 0..<size {
            let byte = UInt64(bytes[offset + index])
            switch byteOrder {
            case .littleEndian: value |= byte << (8 * UInt64(index))
            case .bigEndian: value = value << 8 | byte
            }
        }
        offset += size
        return value
    }

    mutating func readUInt32() throws(DBusWireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readUnsigned(size: 4))
    }

    /// `length` bytes of text and the NUL after them, as UTF-8 without NUL inside.
    mutating func readText(length: Int, start: Int) throws(DBusWireError) -> String {
        guard length < limit - offset, bytes[offset + length] == 0 else { throw .truncated(offset: start) }
        // Through a buffer pointer: strings can be megabytes (a 1 MiB argument), and the
        // generic per-byte paths are slow in debug builds.
        let first = offset
        let text: String? = bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[first..<(first + length)])
            guard !text.isEmpty else { return "" }
            guard memchr(text.baseAddress!, 0, text.count) == nil else { return nil }
            return String(validating: text, as: UTF8.self)
        }
        guard let text else { throw .invalidString(offset: start) }
        offset += length + 1
        return text
    }

    mutating func readString() throws(DBusWireError) -> String {
        try align(4)
        let start = offset
        let length = Int(try readUInt32())
        return try readText(length: length, start: start)
    }

    mutating func readSignature() throws(DBusWireError) -> String {
        let start = offset
        let length = Int(try readByte())
        let text = try readText(length: length, start: start)
        // Validated here so that every `g` read is a usable signature.
        _ = try DBusType.parse(signature: text)
        return text
    }

    mutating func readValues(_ types: [DBusType]) throws(DBusWireError) -> [DBusValue] {
        var values: [DBusValue] = []
        values.reserveCapacity(types.count)
        for type in types {
            values.append(try read(type, depth: 0))
        }
        return values
    }

    mutating func read(_ type: DBusType, depth: Int) throws(DBusWireError) -> DBusValue {
        guard depth <= Self.maximumDepth else { throw .nestingTooDeep(offset: offset) }
        switch type {
        case .byte: return .byte(try readByte())
        case .boolean:
            let start = offset
            let value = try readUInt32()
            guard value <= 1 else { throw .invalidBoolean(value, offset: start) }
            return .boolean(value == 1)
        case .int16: return .int16(Int16(truncatingIfNeeded: try readUnsigned(size: 2)))
        case .uint16: return .uint16(UInt16(truncatingIfNeeded: try readUnsigned(size: 2)))
        case .int32: return .int32(Int32(truncatingIfNeeded: try readUnsigned(size: 4)))
        case .uint32: return .uint32(try readUInt32())
        case .int64: return .int64(Int64(bitPattern: try readUnsigned(size: 8)))
        case .uint64: return .uint64(try readUnsigned(size: 8))
        case .double: return .double(Double(bitPattern: try readUnsigned(size: 8)))
        case .string: return .string(try readString())
        case .objectPath:
            let path = try readString()
            guard DBusNames.isValidObjectPath(path) else { throw .invalidObjectPath(path) }
            return .objectPath(path)
        case .signature: return .signature(try readSignature())
        case .unixFD: return .unixFD(try readUInt32())
        case .variant:
            let signature = try readSignature()
            let inner = try DBusType.parseSingle(signature: signature)
            return .variant(try read(inner, depth: depth + 1))
        case .array(let element): return try readArray(of: element, depth: depth)
        case .structure(let fields):
            try align(8)
            var values: [DBusValue] = []
            values.reserveCapacity(fields.count)
            for field in fields {
                values.append(try read(field, depth: depth + 1))
            }
            return .structure(values)
        case .dictEntry(let keyType, let valueType):
            try align(8)
            let key = try read(keyType, depth: depth + 1)
            let value = try read(valueType, depth: depth + 1)
            return .dictEntry(key: key, value: value)
        }
    }

    /// An array: its byte length, the padding to the first element, then elements up to that length
    /// (bytes copied at once).
    mutating func readArray(of element: DBusType, depth: Int) throws(DBusWireError) -> DBusValue {
        let start = offset
        let length = Int(try readUInt32())
        guard length <= Self.maximumArrayLength else { throw .arrayTooLong(length, offset: start) }
        // The padding to the first element is there even when the array is empty,
        // and is not counted in the length.
        try align(element.alignment)
        guard length <= limit - offset else { throw .truncated(offset: offset) }
        let end = offset + length
        if element == .byte {
            // One copy of the bytes, no per-byte values.
            defer { offset = end }
            return .bytes(Array(bytes[offset..<end]))
        }
        let outerLimit = limit
        limit = end
        defer { limit = outerLimit }
        var elements: [DBusValue] = []
        while offset < end {
            elements.append(try read(element, depth: depth + 1))
        }
        guard offset == end else { throw .arrayLengthMismatch(offset: start) }
        return .array(element: element, elements)
    }
}

/// Writes D-Bus values; offsets, and so alignment, count from the start of `bytes`.
struct DBusWriter {
    let byteOrder: DBusByteOrder
    var bytes: [UInt8] = []

    init(byteOrder: DBusByteOrder) {
        self.byteOrder = byteOrder
    }

    mutating func align(_ boundary: Int) {
        let padding = (boundary - bytes.count % boundary) % boundary
        bytes.append(contentsOf: repeatElement(0, count: padding))
    }

    mutating func writeUnsigned(_ value: UInt64, size: Int) {
        align(size)
        for index in 0..<size {
            let shift: Int
            switch byteOrder {
            case .littleEndian: shift = 8 * index
            case .bigEndian: shift = 8 * (size - 1 - index)
            }
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUnsigned(UInt64(value), size: 4)
    }

    /// Overwrites the UINT32 at `offset` (an array's length, known only afterwards).
    mutating func patchUInt32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 {
            let shift: Int
            switch byteOrder {
            case .littleEndian: shift = 8 * index
            case .bigEndian: shift = 8 * (3 - index)
            }
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(shift))
        }
    }

    mutating func writeString(_ text: String) throws(DBusWireError) {
        var text = text
        // Contiguous UTF-8, checked and copied through a buffer pointer (see readText).
        let utf8Count = text.utf8.count
        guard utf8Count <= Int(UInt32.max) else { throw .unencodable("string too long") }
        writeUInt32(UInt32(utf8Count))
        let hasNUL = text.withUTF8 { buffer -> Bool in
            if let base = buffer.baseAddress, memchr(base, 0, buffer.count) != nil { return true }
            bytes.append(contentsOf: buffer)
            return false
        }
        guard !hasNUL else { throw .unencodable("string with NUL") }
        bytes.append(0)
    }

    mutating func writeSignature(_ text: String) throws(DBusWireError) {
        do {
            _ = try DBusType.parse(signature: text)
        } catch {
            throw .unencodable("invalid signature \"\(text)\"")
        }
        let utf8 = Array(text.utf8)
        bytes.append(UInt8(utf8.count))
        bytes.append(contentsOf: utf8)
        bytes.append(0)
    }

    mutating func write(_ values: [DBusValue]) throws(DBusWireError) {
        for value in values {
            try write(value, depth: 0)
        }
    }

    mutating func write(_ value: DBusValue, depth: Int) throws(DBusWireError) {
        guard depth <= DBusReader.maximumDepth else { throw .unencodable("values nest too deeply") }
        switch value {
        case .byte(let byte): bytes.append(byte)
        case .boolean(let flag): writeUInt32(flag ? 1 : 0)
        case .int16(let number): writeUnsigned(UInt64(UInt16(bitPattern: number)), size: 2)
        case .uint16(let number): writeUnsigned(UInt64(number), size: 2)
        case .int32(let number): writeUInt32(UInt32(bitPattern: number))
        case .uint32(let number): writeUInt32(number)
        case .int64(let number): writeUnsigned(UInt64(bitPattern: number), size: 8)
        case .uint64(let number): writeUnsigned(number, size: 8)
        case .double(let number): writeUnsigned(number.bitPattern, size: 8)
        case .string(let text): try writeString(text)
        case .objectPath(let path):
            guard DBusNames.isValidObjectPath(path) else { throw .unencodable("invalid object path \"\(path)\"") }
            try writeString(path)
        case .signature(let text): try writeSignature(text)
        case .unixFD(let index): writeUInt32(index)
        case .variant(let inner):
            let signature = inner.type.signature
            guard signature.utf8.count <= DBusType.maximumSignatureLength else {
                throw .unencodable("variant signature too long")
            }
            try writeSignature(signature)
            try write(inner, depth: depth + 1)
        case .array(let element, let elements):
            // An element type that cannot stand in a signature (a dict entry outside an
            // array is fine here, a bare one elsewhere is caught by the signature check).
            writeUInt32(0)
            let lengthOffset = bytes.count - 4
            align(element.alignment)
            let start = bytes.count
            for item in elements {
                guard item.type == element else {
                    throw .unencodable("array of \(element.signature) holding a \(item.type.signature)")
                }
                try write(item, depth: depth + 1)
            }
            let length = bytes.count - start
            guard length <= DBusReader.maximumArrayLength else { throw .unencodable("array too long") }
            patchUInt32(UInt32(length), at: lengthOffset)
        case .bytes(let data):
            guard data.count <= DBusReader.maximumArrayLength else { throw .unencodable("array too long") }
            writeUInt32(UInt32(data.count))
            bytes.append(contentsOf: data)
        case .structure(let fields):
            guard !fields.isEmpty else { throw .unencodable("empty struct") }
            align(8)
            for field in fields {
                try write(field, depth: depth + 1)
            }
        case .dictEntry(let key, let entryValue):
            guard key.type.isBasic else { throw .unencodable("dict entry with a \(key.type.signature) key") }
            align(8)
            try write(key, depth: depth + 1)
            try write(entryValue, depth: depth + 1)
        }
    }
}

/// The naming rules of the D-Bus specification ("Valid Names", "Valid Object Paths").
public enum DBusNames {
    /// The longest bus, interface, member or error name.
    public static let maximumNameLength = 255

    private static func isNameCharacter(_ byte: UInt8, allowHyphen: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        case UInt8(ascii: "-"): return allowHyphen
        default: return false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `/`, or `/`-separated non-empty elements of `[A-Za-z0-9_]`, no trailing `/`.
    public static func isValidObjectPath(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return false }
        if bytes.count == 1 { return true }
        guard bytes.last != UInt8(ascii: "/") else { return false }
        return bytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.allSatisfy { isNameCharacter($0, allowHyphen: false) }
        }
    }

    /// Two or more `.`-separated elements of `[A-Za-z0-9_]` not starting with a digit.
    public static func isValidInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count <= maximumNameLength else { return false }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return elements.count >= 2 && elements.allSatisfy { element in
            guard let first = element.first, !isDigit(first) else { return false }
            return element.allSatisfy { isNameCharacter($0, allowHyphen: false) }
        }
    }

    /// An error name follows the interface name rules.
    public static func isValidErrorName(_ name: String) -> Bool {
        isValidInterfaceName(name)
    }

    /// One element of `[A-Za-z0-9_]` not starting with a digit.
    public static func isValidMemberName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maximumNameLength, !isDigit(first) else { return false }
        return bytes.allSatisfy { isNameCharacter($0, allowHyphen: false) }
    }

    /// A well-known name (two or more elements of `[A-Za-z0-9_-]` not starting with a
    /// digit) or a unique one (`:` then elements that may start with a digit).
    public static func isValidBusName(_ name: String) -> Bool {
        var bytes = Array(name.utf8)[...]
        guard bytes.count <= maximumNameLength else { return false }
        let unique = bytes.first == UInt8(ascii: ":")
        if unique { bytes = bytes.dropFirst() }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return elements.count >= 2 && elements.allSatisfy { element in
            guard let first = element.first, unique || !isDigit(first) else { return false }
            return element.allSatisfy { isNameCharacter($0, allowHyphen: true) }
        }
    }
}
