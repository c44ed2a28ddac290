/// SplitMix64 (Steele, Lea and Flood, 2014): a small deterministic generator, so that every
/// fuzz run feeds the same inputs and a failure reproduces. The one generator of the tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (0 when `bound` is 0).
    public mutating func below(_ bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }

    /// A random byte.
    public mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    /// `seed` changed the way fuzz rounds change recorded inputs: cut short, extended with
    /// random bytes, or one to four bytes overwritten (mostly within the first
    /// `headerBias` bytes, where the structure is, when given).
    public mutating func mutate(_ seed: [UInt8], headerBias: Int? = nil) -> [UInt8] {
        var bytes = seed
        switch next() % 4 {
        case 0:
            bytes = Array(bytes.prefix(below(bytes.count + 1)))
        case 1:
            bytes += (0..<below(24)).map { _ in byte() }
        default:
            for _ in 0..<(1 + below(4)) where !bytes.isEmpty {
                let range = headerBias.map { next() % 2 == 0 ? min(bytes.count, $0) : bytes.count } ?? bytes.count
                bytes[below(range)] = byte()
            }
        }
        return bytes
    }
}
