import TeamWire

/// An option value that could not be parsed from text; `errno` is what libteam returns
/// (EINVAL for malformed text, ERANGE for a number that does not fit).
public struct TeamValueError: Error, Equatable, Sendable, CustomStringConvertible {
    public var errno: Int32
    public var reason: String
    public init(errno: Int32, reason: String) {
        self.errno = errno
        self.reason = reason
    }
    public var description: String { reason }
}

/// The text forms of libteam's stringify.c, which teamnl and teamd print: kept byte for
/// byte so that scripts reading the C tools' output read ours.
public enum TeamText {
    /// libteam formats into 120-byte buffers; longer lines are cut to 119 bytes.
    public static let lineBufferSize = 120

    /// team_option_value_str (plain): u32 and s32 in decimal, strings bare, bools
    /// true/false, binary as `\xx` per byte, unknown types as `<unknown>`.
    public static func value(_ value: TeamOptionValue) -> String {
        switch value {
        case .u32(let number): return String(number)
        case .s32(let number): return String(number)
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .binary(let bytes):
            let digits = Array("0123456789abcdef")
            var text = ""
            text.reserveCapacity(bytes.count * 3)
            for byte in bytes {
                text.append("\\")
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0xf)])
            }
            return text
        case .unknown: return "<unknown>"
        }
    }

    /// team_option_str: `<*| ><name> [(port:IFNAME) ][(arridx:N) ]<value>`. `portName` is
    /// the port's name, "" when the port is unknown.
    public static func option(_ option: TeamOption, portName: String?) -> String {
        var text = (option.isChanged ? "*" : " ") + option.name + " "
        if option.portIndex != nil { text += "(port:\(portName ?? "")) " }
        if let arrayIndex = option.arrayIndex { text += "(arridx:\(arrayIndex)) " }
        return text + value(option.value)
    }

    /// team_port_str: `<-|*| ><ifindex>: <name>: <up|down> <speed>Mbit <FD|HD>`, with
    /// "(removed)" for a port whose link is gone.
    public static func port(_ port: TeamPortStatus, name: String?) -> String {
        let mark = port.isRemoved ? "-" : port.isChanged ? "*" : " "
        return "\(mark)\(Int32(bitPattern: port.index)): \(name ?? "(removed)"): \(port.isLinkUp ? "up" : "down") "
            + "\(port.speed)Mbit \(port.isFullDuplex ? "FD" : "HD")"
    }

    /// Cuts `line` as snprintf into a `bufferSize` buffer would: (text, truncated).
    public static func fitted(_ line: String, bufferSize: Int = lineBufferSize) -> (text: String, truncated: Bool) {
        let bytes = Array(line.utf8)
        guard bytes.count >= bufferSize else { return (line, false) }
        return (String(decoding: bytes.prefix(bufferSize - 1), as: UTF8.self), true)
    }

    /// team_set_option_value_from_string: parses `text` for an option of `type`.
    /// Numbers follow strtoul/strtol in base 10 (leading blanks and a sign allowed, the
    /// whole text must be used, "" is 0); binary is `\xx` per byte; bools are exactly
    /// "true" or "false"; strings are taken as they are.
    public static func parseValue(_ text: String, as type: TeamOptionType) throws(TeamValueError) -> TeamOptionValue {
        switch type {
        case .u32:
            let number = try CNumber.parseUnsigned(Array(text.utf8), base: 10)
            guard let value = UInt32(exactly: number) else { throw TeamValueError(errno: 34, reason: "\"\(text)\" does not fit in u32") }
            return .u32(value)
        case .s32:
            let number = try CNumber.parseSigned(Array(text.utf8))
            guard let value = Int32(exactly: number) else { throw TeamValueError(errno: 34, reason: "\"\(text)\" does not fit in s32") }
            return .s32(value)
        case .string:
            return .string(text)
        case .bool:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw TeamValueError(errno: 22, reason: "\"\(text)\" is neither true nor false")
            }
        case .binary:
            let bytes = Array(text.utf8)
            guard bytes.count % 3 == 0 else {
                throw TeamValueError(errno: 22, reason: "binary value must be \\xx per byte")
            }
            var result: [UInt8] = []
            var offset = 0
            while offset < bytes.count {
                let chunk = Array(bytes[offset..<(offset + 3)])
                guard chunk[0] == UInt8(ascii: "\\") else {
                    throw TeamValueError(errno: 22, reason: "binary value must be \\xx per byte")
                }
                let number = try CNumber.parseUnsigned(Array(chunk[1...]), base: 16)
                guard let byte = UInt8(exactly: number) else { throw TeamValueError(errno: 34, reason: "byte out of range") }
                result.append(byte)
                offset += 3
            }
            return .binary(result)
        }
    }
}

/// strtoul/strtol as glibc parses them, so that command lines mean what they meant to
/// the C tools. Where C returns ULONG_MAX/LONG_MIN/LONG_MAX with errno possibly unset
/// (e.g. "-1" for an unsigned), we report ERANGE instead of C's accidental success.
enum CNumber {
    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0d).contains(c) }

    private static func digit(_ c: UInt8, base: UInt64) -> UInt64? {
        let value: UInt64
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt64(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt64(c - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < base ? value : nil
    }

    /// (negative, magnitude, overflowed, consumed-anything) after blanks, sign, prefix, digits.
    private static func scan(_ s: [UInt8], base: UInt64) throws(TeamValueError) -> (Bool, UInt64, Bool) {
        var i = 0
        while i < s.count, isSpace(s[i]) { i += 1 }
        var negative = false
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        if base == 16, i + 1 < s.count, s[i] == UInt8(ascii: "0"), s[i + 1] | 0x20 == UInt8(ascii: "x"),
           i + 2 < s.count, digit(s[i + 2], base: 16) != nil {
            i += 2
        }
        var magnitude: UInt64 = 0
        var overflow = false
        var digits = 0
        while i < s.count, let d = digit(s[i], base: base) {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(d)
            overflow = overflow || o1 || o2
            magnitude = a
            digits += 1
            i += 1
        }
        if digits == 0 {
            // No number: strtoul returns 0 and leaves endptr at the start, so only the empty
            // string is accepted (as 0).
            guard s.isEmpty else { throw TeamValueError(errno: 22, reason: "not a number") }
            return (false, 0, false)
        }
        guard i == s.count else { throw TeamValueError(errno: 22, reason: "trailing characters after number") }
        return (negative, magnitude, overflow)
    }

    static func parseUnsigned(_ s: [UInt8], base: UInt64) throws(TeamValueError) -> UInt64 {
        let (negative, magnitude, overflow) = try scan(s, base: base)
        guard !overflow else { throw TeamValueError(errno: 34, reason: "number out of range") }
        // strtoul negates in unsigned arithmetic: "-5" is ULONG_MAX - 4, which no u32 holds.
        return negative && magnitude != 0 ? 0 &- magnitude : magnitude
    }

    static func parseSigned(_ s: [UInt8]) throws(TeamValueError) -> Int64 {
        let (negative, magnitude, overflow) = try scan(s, base: 10)
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard !overflow, magnitude < limit else { throw TeamValueError(errno: 34, reason: "number out of range") }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }
}
