#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ZMTP
import TeamTesting

private let fixtures = FixtureDirectory(besides: #filePath)
import TestSupport

/// A libzmq conversation from Fixtures/ZMTP: the bytes each side sent, in order.
struct Capture {
    var client: [UInt8] = []
    var server: [UInt8] = []

    init(_ name: String) throws {
        let text = try #require(fixtures.text("ZMTP/" + name), "fixture ZMTP/\(name)")
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            guard fields.count == 2 else { continue }
            let bytes = try #require(Self.hex(fields[1]), "hex in \(name)")
            if fields[0] == "client" { client += bytes } else { server += bytes }
        }
    }

    static func hex(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Takes every message a connection has.
private func drain(_ connection: inout ZMTPConnection) throws -> [[[UInt8]]] {
    var messages: [[[UInt8]]] = []
    while let message = try connection.nextMessage() { messages.append(message) }
    return messages
}

@Suite("ZMTP codec against libzmq's bytes")
struct ZMTPCodecTests {
    @Test("libzmq's greeting decodes as ZMTP 3.1, NULL, not as-server; ours is byte for byte the same")
    func greeting() throws {
        let capture = try Capture("libzmq-teamdctl-three-requests.txt")
        for side in [capture.client, capture.server] {
            let greeting = try ZMTPGreeting(decoding: side)
            #expect(greeting == ZMTPGreeting(major: 3, minor: 1, mechanism: "NULL", asServer: false))
            #expect(greeting.encoded() == Array(side.prefix(64)))
        }
    }

    @Test("libzmq's READY commands: REQ with Socket-Type and an empty Identity, REP with Socket-Type only")
    func ready() throws {
        let capture = try Capture("libzmq-teamdctl-three-requests.txt")
        let (clientFrame, clientSize) = try #require(try ZMTPFrame.decode(capture.client.dropFirst(64), maximumSize: 1000))
        #expect(clientFrame.isCommand && !clientFrame.more)
        #expect(try ZMTPCommand(decoding: clientFrame.body) == .ready([
            ZMTPProperty(name: "Socket-Type", value: bytes("REQ")), ZMTPProperty(name: "Identity", value: []),
        ]))
        #expect(ZMTPCommand.ready(socketType: .req).frame.encoded() == Array(capture.client.dropFirst(64).prefix(clientSize)))
        let (serverFrame, serverSize) = try #require(try ZMTPFrame.decode(capture.server.dropFirst(64), maximumSize: 1000))
        #expect(try ZMTPCommand(decoding: serverFrame.body) == .ready([ZMTPProperty(name: "Socket-Type", value: bytes("REP"))]))
        #expect(ZMTPCommand.ready(socketType: .rep).frame.encoded() == Array(capture.server.dropFirst(64).prefix(serverSize)))
    }

    @Test("a REP connection fed teamdctl's libzmq bytes sees its three requests and answers with libzmq's exact bytes")
    func repSideMatchesLibzmq() throws {
        let capture = try Capture("libzmq-teamdctl-three-requests.txt")
        var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 1 << 18)
        connection.receive(capture.client)
        var sent = Array(connection.pendingOutput)
        connection.didSend(sent.count)
        var requests: [[[UInt8]]] = []
        while let message = try connection.nextMessage() {
            requests.append(message)
            connection.send(message: [[], bytes("REPLY_SUCCESS\n{}")])
        }
        sent += connection.pendingOutput
        #expect(requests == [
            [[], bytes("REQUEST\nConfigDump\n")], [[], bytes("REQUEST\nConfigDumpActual\n")],
            [[], bytes("REQUEST\nStateDump\n")],
        ])
        #expect(connection.state == .ready)
        #expect(sent == capture.server)
    }

    @Test("a REQ connection fed libzmq's REP bytes sends libzmq's REQ bytes and gets the long reply")
    func reqSideMatchesLibzmqLongFrames() throws {
        let capture = try Capture("libzmq-long-frames.txt")
        var connection = ZMTPConnection(socketType: .req, maximumMessageSize: 1 << 20)
        // The request queued before the peer's greeting waits for it, then follows READY.
        let request = Array(capture.client.suffix(317 - 11))
        connection.send(message: [[], request])
        #expect(Array(connection.pendingOutput) == Array(capture.client.prefix(64)))
        connection.didSend(64)
        connection.receive(capture.server)
        let replies = try drain(&connection)
        #expect(replies.count == 1)
        #expect(replies.first?.first == [])
        #expect(replies.first?.last?.starts(with: bytes("REPLY_SUCCESS\n{\"a\": \"000")) == true)
        #expect(replies.first?.last?.count == 334 - 11)
        #expect(Array(connection.pendingOutput) == Array(capture.client.dropFirst(64)))
    }

    @Test("bytes arriving one at a time give the same messages")
    func byteByByte() throws {
        let capture = try Capture("libzmq-long-frames.txt")
        var whole = ZMTPConnection(socketType: .rep, maximumMessageSize: 1 << 20)
        whole.receive(capture.client)
        let expected = try drain(&whole)
        var piecewise = ZMTPConnection(socketType: .rep, maximumMessageSize: 1 << 20)
        var messages: [[[UInt8]]] = []
        for byte in capture.client {
            piecewise.receive([byte])
            messages += try drain(&piecewise)
        }
        #expect(expected.count == 1)
        #expect(messages == expected)
    }

    @Test("libzmq's PUB peer is refused by our REP with an ERROR, as incompatible")
    func incompatiblePeer() throws {
        let capture = try Capture("libzmq-pub-to-rep.txt")
        var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 1024)
        connection.didSend(connection.pendingOutput.count)
        connection.receive(capture.client)
        #expect(throws: ZMTPError.incompatibleSocketType("PUB")) { try connection.nextMessage() }
        let sent = Array(connection.pendingOutput)
        let ready = ZMTPCommand.ready(socketType: .rep).frame.encoded()
        #expect(sent == ready + ZMTPCommand.error(reason: "Invalid socket type").frame.encoded())
    }

    @Test("a PING is answered with a PONG carrying its context; PONG and unknown commands are ignored")
    func ping() throws {
        var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 1024)
        connection.receive(ZMTPGreeting().encoded() + ZMTPCommand.ready(socketType: .req).frame.encoded())
        #expect(try connection.nextMessage() == nil)
        connection.didSend(connection.pendingOutput.count)
        let ping = ZMTPCommand.ping(ttl: 300, context: [1, 2, 3])
        #expect(ping.encoded() == [4] + bytes("PING") + [0x01, 0x2C, 1, 2, 3])
        connection.receive(ping.frame.encoded() + ZMTPCommand.pong(context: []).frame.encoded()
            + ZMTPCommand.other(name: "SUBSCRIBE", data: [9]).frame.encoded())
        #expect(try connection.nextMessage() == nil)
        #expect(Array(connection.pendingOutput) == [0x04, 0x08, 4] + bytes("PONG") + [1, 2, 3])
    }

    /// Bytes after a valid REQ greeting and READY.
    static let handshake = ZMTPGreeting().encoded() + ZMTPCommand.ready(socketType: .req).frame.encoded()

    static let malformed: [(String, [UInt8], ZMTPError)] = [
        ("garbage", bytes("garbage"), .badSignature),
        ("an HTTP request", bytes("GET / HTTP/1.0\r\n\r\n"), .badSignature),
        ("signature without 0x7F", [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7E], .badSignature),
        ("ZMTP 2.0", [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 5], .unsupportedVersion(major: 1, minor: 0)),
        ("CURVE", ZMTPGreeting(mechanism: "CURVE").encoded(), .unsupportedMechanism("CURVE")),
        ("as-server 2", Array(ZMTPGreeting().encoded().prefix(32)) + [2] + [UInt8](repeating: 0, count: 31),
         .badAsServer(2)),
        ("a message before READY", ZMTPGreeting().encoded() + [0, 1, 0x41], .handshakeExpected("a message frame")),
        ("PING before READY", ZMTPGreeting().encoded() + ZMTPCommand.ping(ttl: 0, context: []).frame.encoded(),
         .handshakeExpected("PING")),
        ("READY without Socket-Type", ZMTPGreeting().encoded() + ZMTPCommand.ready([]).frame.encoded(), .missingSocketType),
        ("READY from a REP", ZMTPGreeting().encoded() + ZMTPCommand.ready(socketType: .rep).frame.encoded(),
         .incompatibleSocketType("REP")),
        ("READY with a property cut short", ZMTPGreeting().encoded() + [4, 8, 5] + bytes("READY") + [5, 0x41],
         .malformedCommand("READY property 1 is cut short")),
        ("READY with a lying value size", ZMTPGreeting().encoded() + [4, 12, 5] + bytes("READY") + [1, 0x41, 0xFF, 0xFF, 0xFF, 0xFF],
         .malformedCommand("READY property \"A\" value of 4294967295 bytes is cut short")),
        ("an empty command", ZMTPGreeting().encoded() + [4, 0], .malformedCommand("empty command name")),
        ("ERROR in the handshake", ZMTPGreeting().encoded() + ZMTPCommand.error(reason: "go away").frame.encoded(),
         .peerError("go away")),
        ("reserved flag bits", handshake + [0x08, 0], .badFlags(0x08)),
        ("MORE on a command", handshake + [0x05, 0], .badFlags(0x05)),
        ("a long frame of 2^63 bytes", handshake + [0x02, 0x80, 0, 0, 0, 0, 0, 0, 0],
         .frameTooLarge(size: 1 << 63, limit: 1024)),
        ("parts that add up past the limit", handshake + ZMTPFrame(body: [UInt8](repeating: 0x41, count: 600), more: true).encoded()
            + ZMTPFrame(body: [UInt8](repeating: 0x41, count: 600)).encoded(), .frameTooLarge(size: 1200, limit: 1024)),
        ("65 parts", handshake + [UInt8]([1, 0]).repeated(65), .tooManyParts(limit: 64)),
        ("a PING of 20 bytes", handshake + [4, 25, 4] + bytes("PING") + [UInt8](repeating: 0, count: 20),
         .malformedCommand("PING of 20 bytes (2 to 18)")),
        ("ERROR after READY", handshake + ZMTPCommand.error(reason: "bye").frame.encoded(), .peerError("bye")),
    ]

    @Test("malformed input gives a typed error, at the first byte that shows it", arguments: malformed)
    func malformedInput(name: String, input: [UInt8], error: ZMTPError) {
        var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 1024)
        connection.receive(input)
        #expect(throws: error, "\(name)") { while try connection.nextMessage() != nil {} }
    }

    @Test("a half greeting is just incomplete")
    func halfGreeting() throws {
        var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 1024)
        connection.receive(ZMTPGreeting().encoded().prefix(40))
        #expect(try connection.nextMessage() == nil)
        #expect(connection.state == .greeting)
    }

    @Test("frames: short up to 255 bytes, long above, with MORE and COMMAND flags")
    func frames() throws {
        #expect(ZMTPFrame(body: [], more: true).encoded() == [1, 0])
        #expect(ZMTPFrame(body: [0x41]).encoded() == [0, 1, 0x41])
        #expect(ZMTPFrame(body: [UInt8](repeating: 0, count: 255)).encoded().prefix(2) == [0, 255])
        #expect(ZMTPFrame(body: [UInt8](repeating: 0, count: 256), more: true).encoded().prefix(9) == [3, 0, 0, 0, 0, 0, 0, 1, 0])
        #expect(ZMTPFrame(body: [7], isCommand: true).encoded() == [4, 1, 7])
        #expect(try ZMTPFrame.decode([0x02, 0, 0, 0, 0, 0, 0, 0], maximumSize: 10) == nil)
        #expect(try ZMTPFrame.decode([0x00, 3, 1, 2], maximumSize: 10) == nil)
        let decoded = try #require(try ZMTPFrame.decode([0x01, 2, 1, 2, 9], maximumSize: 10))
        #expect(decoded.frame == ZMTPFrame(body: [1, 2], more: true))
        #expect(decoded.consumed == 4)
    }

    @Test("random frames and commands round-trip; random bytes never trap")
    func fuzz() throws {
        var random = SeededGenerator(seed: 0x7EA3D)
        var handshakes = 0
        for _ in 0..<2000 {
            let size = Int(random.next() % 600)
            let body = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let frame = ZMTPFrame(body: body, more: random.next() & 1 == 0)
            let decoded = try #require(try ZMTPFrame.decode(frame.encoded(), maximumSize: 1000))
            #expect(decoded.frame == frame)
            #expect(decoded.consumed == frame.encoded().count)
            let command = ZMTPCommand.ready([ZMTPProperty(name: "X-\(size)", value: body)])
            #expect(try ZMTPCommand(decoding: command.encoded()) == command)
            // Garbage after a valid handshake, and mutated handshakes: errors or nothing, no trap.
            for start in [Self.handshake, []] {
                var mutated = start + body
                if !mutated.isEmpty, random.next() & 1 == 0 {
                    mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 512)
                connection.receive(mutated)
                do { while try connection.nextMessage() != nil {} } catch {}
                if connection.state == .ready { handshakes += 1 }
                _ = try? ZMTPCommand(decoding: body)
                _ = try? ZMTPGreeting(decoding: body)
            }
        }
        // Handshakes left intact (or mutated where it does not matter) put the garbage after them
        // through the frame decoder.
        #expect(handshakes >= 900, "handshakes: \(handshakes)")
    }
}

extension Array {
    fileprivate func repeated(_ count: Int) -> [Element] { (0..<count).flatMap { _ in self } }
}
