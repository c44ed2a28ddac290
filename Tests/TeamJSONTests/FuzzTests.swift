import Testing
import TeamJSON

/// The parser must give a value or a typed error for any bytes, never trap; and
/// whatever it accepts must survive a print-and-parse round trip in every style.
@Suite struct FuzzTests {
    /// A small deterministic generator (SplitMix64) so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [String] = [
        #"{"device": "team0", "runner": {"name": "lacp", "tx_hash": ["eth", "ipv4"]}, "ports": {"eth0": {"prio": -10}}}"#,
        #"[1, -2.5e-3, "\u00e9\ud83d\ude00\n", true, false, null, {"a": {"b": []}}]"#,
        #"{"link_watch": [{"name": "arp_ping", "interval": 100, "target_host": "192.168.1.1"}]}"#,
    ]

    static let alphabet: [UInt8] = Array(#"{}[]":,.-+eE0123456789 \tnrutfals\/"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xF0, 0xFF]

    func checkRoundTrip(_ bytes: [UInt8]) {
        guard let value = try? JSONValue(parsingUTF8: bytes) else { return }
        for options in [JSONSerializationOptions(), .teamdControl, .teamdctlOneLine,
                        .init(indent: 1, compact: true, escapeSlash: true)] {
            let reparsed = try? JSONValue(parsing: value.serialized(options))
            #expect(reparsed == value, "round trip of \(bytes) with \(options)")
        }
    }

    @Test func randomBytesNeverTrap() {
        var random = SplitMix(state: 0x7465_616D)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...48, using: &random)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random)
                    ? Self.alphabet.randomElement(using: &random)!
                    : UInt8.random(in: 0...255, using: &random)
            }
            checkRoundTrip(bytes)
        }
    }

    @Test func mutatedDocumentsNeverTrap() {
        var random = SplitMix(state: 0x6A73_6F6E)
        var accepted = 0
        for round in 0..<4000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] = Self.alphabet.randomElement(using: &random)!
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(Self.alphabet.randomElement(using: &random)!, at: at)
                default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
                }
            }
            if (try? JSONValue(parsingUTF8: bytes)) != nil { accepted += 1 }
            checkRoundTrip(bytes)
        }
        // Some mutations (inside strings, digits) keep the text valid: the round trip is exercised.
        #expect(accepted > 50)
    }

    @Test func seedsAreValid() throws {
        for seed in Self.seeds {
            _ = try JSONValue(parsing: seed)
        }
    }
}
