import Testing
@testable import NetlinkCodec
import TestSupport

@Suite struct FuzzTests {
    /// Random bytes, biased toward plausible headers so that decoding gets deep.
    static func inputs(count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededGenerator(seed: seed)
        var result: [[UInt8]] = []
        for _ in 0..<count {
            let size = Int.random(in: 0...96, using: &rng)
            var bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if size >= 4 && Bool.random(using: &rng) {
                bytes[0] = UInt8(size - Int.random(in: 0...4, using: &rng) & 0xff)
                bytes[1] = 0
            }
            result.append(bytes)
        }
        return result
    }

    @Test func messageDecodeNeverTrapsAndRoundTrips() throws {
        var decodedCount = 0
        for var bytes in Self.inputs(count: 4000, seed: 1) {
            if bytes.count >= 16 { bytes[0] = UInt8(bytes.count); bytes[1] = 0; bytes[2] = 0; bytes[3] = 0 }
            guard let messages = try? NetlinkMessage.decodeAll(bytes) else { continue }
            decodedCount += 1
            let again = try NetlinkMessage.decodeAll(NetlinkMessage.encode(messages))
            #expect(again == messages)
            for message in messages {
                if let ack = try? NetlinkAcknowledgement.decode(message) {
                    let reencoded = try NetlinkAcknowledgement.decode(ack.encode(portID: message.header.portID))
                    #expect(reencoded.errno == ack.errno)
                    #expect(reencoded.request == ack.request)
                }
                _ = try? NetlinkDone.decode(message)
                if let genl = try? GenericNetlinkMessage.decode(message) {
                    #expect(try GenericNetlinkMessage.decode(genl.encode()) == genl)
                    _ = try? GenericNetlinkController.parseFamily(genl)
                }
            }
        }
        #expect(decodedCount > 100)
    }

    @Test func attributeDecodeNeverTrapsAndRoundTrips() throws {
        var decodedCount = 0
        for bytes in Self.inputs(count: 4000, seed: 2) {
            guard let attributes = try? NetlinkAttribute.decodeAll(bytes) else { continue }
            decodedCount += 1
            let again = try NetlinkAttribute.decodeAll(NetlinkAttribute.encode(attributes))
            #expect(again == attributes)
            // Every getter on every attribute must be safe whatever the payload size.
            var reader = AttributeReader(bytes)
            while reader.next() {
                _ = reader.uint8(); _ = reader.uint16(); _ = reader.uint32(); _ = reader.uint64()
                _ = reader.int32(); _ = reader.string(); _ = reader.flag()
                reader.nested { inner in while inner.next() { _ = inner.uint32() } }
            }
        }
        #expect(decodedCount > 100)
    }
}
