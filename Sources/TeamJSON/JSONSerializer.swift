#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to print JSON; mirrors jansson's `json_dumps` flags so that our output is
/// byte-for-byte the C tools' output.
public struct JSONSerializationOptions: Sendable, Equatable {
    /// `JSON_INDENT(n)`: spaces per level, 0...31; 0 prints on one line.
    public var indent: Int
    /// `JSON_SORT_KEYS`: keys in byte order instead of insertion order.
    public var sortKeys: Bool
    /// `JSON_ENSURE_ASCII`: non-ASCII characters as `\uXXXX` (surrogate pairs above U+FFFF).
    public var ensureASCII: Bool
    /// `JSON_COMPACT`: no space after `,` and `:` on one line, and `:` without space.
    public var compact: Bool
    /// `JSON_ESCAPE_SLASH`: `/` as `\/`.
    public var escapeSlash: Bool

    public init(indent: Int = 0, sortKeys: Bool = false, ensureASCII: Bool = false,
                compact: Bool = false, escapeSlash: Bool = false) {
        self.indent = indent
        self.sortKeys = sortKeys
        self.ensureASCII = ensureASCII
        self.compact = compact
        self.escapeSlash = escapeSlash
    }

    /// teamd's `TEAMD_JSON_DUMPS_FLAGS` = `JSON_INDENT(4) | JSON_ENSURE_ASCII | JSON_SORT_KEYS`
    /// (teamd/teamd_json.h): the payload of ConfigDump, ConfigDumpActual, PortConfigDump
    /// and StateDump replies on every control transport.
    public static let teamdControl = JSONSerializationOptions(indent: 4, sortKeys: true, ensureASCII: true)

    /// teamdctl's output (utils/teamdctl.c `__jsondump`): indent 4, ASCII, sorted keys.
    public static let teamdctl = JSONSerializationOptions(indent: 4, sortKeys: true, ensureASCII: true)

    /// teamdctl `-o`: `JSON_INDENT(0) | JSON_ENSURE_ASCII | JSON_SORT_KEYS`, one line with
    /// ", " and ": " separators.
    public static let teamdctlOneLine = JSONSerializationOptions(indent: 0, sortKeys: true, ensureASCII: true)
}

extension JSONValue {
    /// The JSON text of this value, as jansson's `json_dumps` prints it with the
    /// corresponding flags (jansson 2.14, which Debian's libteam links).
    ///
    /// Non-finite reals, which JSON cannot express and jansson cannot hold, print as `null`.
    public func serialized(_ options: JSONSerializationOptions = JSONSerializationOptions()) -> String {
        String(decoding: serializedBytes(options), as: UTF8.self)
    }

    /// The same text as UTF-8 bytes, for callers that send it on (no String in between).
    public func serializedBytes(_ options: JSONSerializationOptions = JSONSerializationOptions()) -> [UInt8] {
        var writer = JSONWriter(options: options)
        writer.output.reserveCapacity(1024)
        writer.write(self, depth: 0)
        return writer.output
    }
}

private struct JSONWriter {
    let options: JSONSerializationOptions
    let indentWidth: Int
    var output: [UInt8] = []

    init(options: JSONSerializationOptions) {
        self.options = options
        // jansson keeps only the low 5 bits of the indent (FLAGS_TO_INDENT).
        self.indentWidth = min(max(options.indent, 0), 31)
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// jansson's `dump_indent`: with an indent, a newline and depth × indent spaces;
    /// without, a single space where `space` is asked for, unless compact.
    mutating func newline(depth: Int, space: Bool) {
        if indentWidth > 0 {
            output.append(UInt8(ascii: "\n"))
            var spaces = depth * indentWidth
            while spaces > 0 {
                output.append(UInt8(ascii: " "))
                spaces -= 1
            }
        } else if space && !options.compact {
            output.append(UInt8(ascii: " "))
        }
    }

    mutating func write(_ value: JSONValue, depth: Int) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            flag ? append("true") : append("false")
        case .integer(let number):
            writeInteger(number)
        case .double(let number):
            if number.isFinite {
                output.append(contentsOf: formatReal(number).utf8)
            } else {
                append("null")
            }
        case .string(let text):
            writeString(text)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            guard !elements.isEmpty else {
                output.append(UInt8(ascii: "]"))
                return
            }
            newline(depth: depth + 1, space: false)
            for (position, element) in elements.enumerated() {
                write(element, depth: depth + 1)
                if position < elements.count - 1 {
                    output.append(UInt8(ascii: ","))
                    newline(depth: depth + 1, space: true)
                } else {
                    newline(depth: depth, space: false)
                }
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            guard !object.isEmpty else {
                output.append(UInt8(ascii: "}"))
                return
            }
            newline(depth: depth + 1, space: false)
            let members = options.sortKeys ? object.sortedMembers : object.members
            for (position, member) in members.enumerated() {
                writeString(member.key)
                options.compact ? append(":") : append(": ")
                write(member.value, depth: depth + 1)
                if position < members.count - 1 {
                    output.append(UInt8(ascii: ","))
                    newline(depth: depth + 1, space: true)
                } else {
                    newline(depth: depth, space: false)
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// jansson's `dump_string`: `\\`, `\"` and control characters always escaped,
    /// the usual short escapes where they exist, `\u%04X` (upper-case hex) otherwise.
    mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        // Nearly every string teamd prints is printable ASCII with nothing to escape: copy its bytes.
        var text = text
        let plain = text.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C
                || (byte == 0x2F && options.escapeSlash) {
                return false
            }
            output.append(contentsOf: bytes)
            return true
        }
        if !plain { writeEscaped(text) }
        output.append(UInt8(ascii: "\""))
    }

    /// The careful path of `writeString`, one scalar at a time.
    mutating func writeEscaped(_ text: String) {
        for scalar in text.unicodeScalars {
            let code = scalar.value
            switch code {
            case 0x5C: append("\\\\")
            case 0x22: append("\\\"")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x2F where options.escapeSlash: append("\\/")
            case 0..<0x20:
                writeUnicodeEscape(code)
            case 0x80... where options.ensureASCII:
                if code < 0x10000 {
                    writeUnicodeEscape(code)
                } else {
                    let offset = code - 0x10000
                    writeUnicodeEscape(0xD800 | (offset >> 10))
                    writeUnicodeEscape(0xDC00 | (offset & 0x3FF))
                }
            default:
                output.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    /// Decimal digits of `number`, as `%lld` prints them.
    mutating func writeInteger(_ number: Int64) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned, so Int64.min has one.
        var magnitude = number.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }

    mutating func writeUnicodeEscape(_ code: UInt32) {
        append("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8((code >> UInt32(shift)) & 0xF)
            output.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "A") + digit - 10)
        }
    }
}

/// jansson 2.14's `jsonp_dtostr` without dtoa: `"%.17g"`, then ".0" if the text has
/// neither '.' nor 'e' (so it reads back as a real), then the exponent loses its '+'
/// and leading zeros ("1e+20" → "1e20", "1e-05" → "1e-5").
func formatReal(_ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 40)
    let length = buffer.withUnsafeMutableBufferPointer { pointer in
        withVaList([value]) { arguments in
            vsnprintf(pointer.baseAddress, pointer.count, "%.17g", arguments)
        }
    }
    guard length > 0, Int(length) < buffer.count else { return "null" }
    var text = Array(buffer[0..<Int(length)].map { UInt8(bitPattern: $0) })
    if !text.contains(UInt8(ascii: ".")) && !text.contains(UInt8(ascii: "e")) {
        text.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
    }
    if let e = text.firstIndex(of: UInt8(ascii: "e")) {
        var start = e + 1
        if start < text.count, text[start] == UInt8(ascii: "-") {
            start += 1
        }
        var end = e + 2
        while end < text.count, text[end] == UInt8(ascii: "0") {
            end += 1
        }
        // jansson keeps at least the last digit because the loop starts after the sign.
        if end > text.count { end = text.count }
        if end != start, start <= end {
            text.removeSubrange(start..<end)
        }
    }
    return String(decoding: text, as: UTF8.self)
}
