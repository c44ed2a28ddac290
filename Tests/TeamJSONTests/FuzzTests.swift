import Testing
import TeamJSON
import TestSupport

/// The parser must give a value or a typed error for any bytes, never trap; and
/// whatever it accepts must survive a print-and-parse round trip in every style.
@Suite struct FuzzTests {
    static let seeds: [String] = [
        #"{"device": "team0", "runner": {"name": "lacp", "tx_hash": ["eth", "ipv4"]}, "ports": {"eth0": {"prio": -10}}}"#,
        #"[1, -2.5e-3, "\u00e9\ud83d\ude00\n", true, false, null, {"a": {"b": []}}]"#,
        #"{"link_watch": [{"name": "arp_ping", "interval": 100, "target_host": "192.168.1.1"}]}"#,
    ]

    static let alphabet: [UInt8] = Array(#"{}[]":,.-+eE0123456789 \tnrutfals\/"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xF0, 0xFF]

    /// Whether the bytes parsed.
    @discardableResult
    func checkRoundTrip(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONValue(parsingUTF8: bytes) else { return false }
        for options in [JSONSerializationOptions(), .teamdControl, .teamdctlOneLine,
                        .init(indent: 1, compact: true, escapeSlash: true)] {
            let reparsed = try? JSONValue(parsing: value.serialized(options))
            #expect(reparsed == value, "round trip of \(bytes) with \(options)")
        }
        return true
    }

    @Test func randomBytesNeverTrap() {
        var random = SeededGenerator(seed: 0x7465_616D)
        var accepted = 0
        for _ in 0..<3000 {
            let length = Int.random(in: 0...48, using: &random)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random)
                    ? Self.alphabet.randomElement(using: &random)!
                    : UInt8.random(in: 0...255, using: &random)
            }
            if checkRoundTrip(bytes) { accepted += 1 }
        }
        // Random bytes seldom form JSON (5 of these 3000 do: a number, "[]"...); the mutated
        // documents below are what exercises the round trip at length.
        #expect(accepted >= 3, "accepted: \(accepted)")
    }

    @Test func mutatedDocumentsNeverTrap() {
        var random = SeededGenerator(seed: 0x6A73_6F6E)
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
