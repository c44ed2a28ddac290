#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import DBusWire
import TeamTesting
import TestSupport

/// Reads the captures that live next to this file.
enum Fixtures {
    static let directory = FixtureDirectory(besides: #filePath)

    /// The messages of a `dbus-monitor --binary` capture in Fixtures/DBus (made by
    /// tools/capture-dbus.sh in the lab), each as its bytes.
    static func dbusCapture(_ name: String) throws -> [[UInt8]] {
        let bytes = try #require(directory.bytes("DBus/\(name).bin"))
        var messages: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let length = try #require(try DBusMessage.length(ofMessageStartingWith: bytes[offset...]))
            try #require(offset + length <= bytes.count)
            messages.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        return messages
    }

    static func dbusMessages(_ name: String) throws -> [DBusMessage] {
        try dbusCapture(name).map { try DBusMessage.decode($0) }
    }
}

@Suite("D-Bus wire codec: recorded messages")
struct DBusRecordedMessageTests {
    static let captures = [
        "c-teamd-start", "c-config-dump", "c-port-add-error", "c-item-get", "busctl-item-set", "busctl-introspect",
        "c-no-teamd",
    ]

    @Test("every recorded message decodes and encodes to the same bytes", arguments: captures)
    func roundTrip(capture: String) throws {
        let messages = try Fixtures.dbusCapture(capture)
        #expect(messages.count >= 3)
        for bytes in messages {
            let message = try DBusMessage.decode(bytes)
            #expect(try message.encoded() == bytes)
        }
    }

    @Test("C teamd -D starting: Hello, RequestName without queueing, the bus's answers")
    func teamdStart() throws {
        let messages = try Fixtures.dbusMessages("c-teamd-start")
        let hello = try #require(messages.first { $0.member == "Hello" && $0.kind == .methodCall })
        #expect(hello.destination == "org.freedesktop.DBus")
        #expect(hello.path == "/org/freedesktop/DBus")
        #expect(hello.interface == "org.freedesktop.DBus")
        #expect(hello.body.isEmpty)
        let welcome = try #require(messages.first { $0.kind == .methodReturn && $0.replySerial == hello.serial
            && $0.destination == $0.body.first?.stringValue })
        let uniqueName = try #require(welcome.body.first?.stringValue)
        #expect(uniqueName.hasPrefix(":1."))
        #expect(welcome.sender == "org.freedesktop.DBus")

        let request = try #require(messages.first { $0.member == "RequestName" && $0.sender == uniqueName })
        #expect(request.signature == "su")
        #expect(request.body.first == .string("org.libteam.teamd.team0"))
        let granted = try #require(messages.first { $0.kind == .methodReturn && $0.replySerial == request.serial
            && $0.destination == uniqueName })
        // DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
        #expect(granted.body == [.uint32(1)])
        let acquired = try #require(messages.first { $0.member == "NameAcquired" && $0.destination == uniqueName
            && $0.body == [.string("org.libteam.teamd.team0")] })
        #expect(acquired.kind == .signal)
        #expect(acquired.interface == "org.freedesktop.DBus")
    }

    @Test("C teamdctl -D config dump: the call libteamdctl makes and the C teamd's string reply")
    func configDump() throws {
        let messages = try Fixtures.dbusMessages("c-config-dump")
        let call = try #require(messages.first { $0.member == "ConfigDump" })
        #expect(call.kind == .methodCall)
        #expect(call.destination == "org.libteam.teamd.team0")
        #expect(call.path == "/org/libteam/teamd")
        #expect(call.interface == "org.libteam.teamd")
        #expect(call.body.isEmpty)
        #expect(call.expectsReply)
        let reply = try #require(messages.first { $0.kind == .methodReturn && $0.replySerial == call.serial
            && $0.destination == call.sender })
        #expect(reply.signature == "s")
        let json = try #require(reply.body.first?.stringValue)
        #expect(json.contains("\"name\": \"activebackup\""))
        #expect(json.contains("\"prio\": 5"))
    }

    @Test("C teamdctl -D port add of a missing port: the C teamd's error reply without the dot")
    func portAddError() throws {
        let messages = try Fixtures.dbusMessages("c-port-add-error")
        let call = try #require(messages.first { $0.member == "PortAdd" })
        #expect(call.body == [.string("nosuchdev")])
        let error = try #require(messages.first { $0.kind == .error && $0.replySerial == call.serial })
        #expect(error.errorName == "org.libteam.teamdNoSuchDev")
        #expect(error.errorMessage == "No such device.")
    }

    @Test("C teamdctl -D state item get: one string argument, one string back")
    func itemGet() throws {
        let messages = try Fixtures.dbusMessages("c-item-get")
        let call = try #require(messages.first { $0.member == "StateItemValueGet" })
        #expect(call.body == [.string("runner.active_port")])
        let reply = try #require(messages.first { $0.kind == .methodReturn && $0.replySerial == call.serial
            && $0.destination == call.sender })
        #expect(reply.body == [.string("tp0")])
    }

    @Test("busctl (sd-bus) StateItemValueSet: two strings, an empty reply")
    func busctlItemSet() throws {
        let messages = try Fixtures.dbusMessages("busctl-item-set")
        let call = try #require(messages.first { $0.member == "StateItemValueSet" })
        #expect(call.signature == "ss")
        #expect(call.body == [.string("runner.active_port"), .string("tp1")])
        let reply = try #require(messages.first { $0.kind == .methodReturn && $0.replySerial == call.serial
            && $0.destination == call.sender })
        #expect(reply.body.isEmpty)
    }

    @Test("busctl introspect: the C teamd's introspection data")
    func busctlIntrospect() throws {
        let messages = try Fixtures.dbusMessages("busctl-introspect")
        let call = try #require(messages.first { $0.member == "Introspect" && $0.path == "/org/libteam/teamd" })
        let reply = try #require(messages.first { $0.kind == .methodReturn && $0.replySerial == call.serial
            && $0.destination == call.sender })
        let xml = try #require(reply.body.first?.stringValue)
        #expect(xml.contains("<interface name='org.libteam.teamd'>"))
        #expect(xml.contains("<method name='PortConfigUpdate'>"))
    }

    @Test("C teamdctl -D with no teamd: the bus's ServiceUnknown error")
    func noTeamd() throws {
        let messages = try Fixtures.dbusMessages("c-no-teamd")
        let call = try #require(messages.first { $0.member == "ConfigDump" })
        let error = try #require(messages.first { $0.kind == .error && $0.replySerial == call.serial })
        #expect(error.sender == "org.freedesktop.DBus")
        #expect(error.errorName == "org.freedesktop.DBus.Error.ServiceUnknown")
        #expect(error.errorMessage == "The name org.libteam.teamd.team0 was not provided by any .service files")
    }

    @Test("recorded messages re-encoded big-endian read back the same", arguments: captures)
    func bigEndian(capture: String) throws {
        for var message in try Fixtures.dbusMessages(capture) {
            message.byteOrder = .bigEndian
            let bytes = try message.encoded()
            #expect(bytes[0] == UInt8(ascii: "B"))
            let serial = message.serial
            #expect(Array(bytes[8..<12]) == [UInt8(serial >> 24), UInt8(serial >> 16 & 0xFF),
                                             UInt8(serial >> 8 & 0xFF), UInt8(serial & 0xFF)])
            #expect(try DBusMessage.decode(bytes) == message)
        }
    }

    @Test("decode, encode, decode of mutated recorded messages never traps and is stable")
    func fuzzRoundTrip() throws {
        var random = SeededGenerator(seed: 0x7EA3_D0B5)
        var decodedCount = 0
        var seeds: [[UInt8]] = []
        for capture in Self.captures { seeds += try Fixtures.dbusCapture(capture) }
        for seed in seeds {
            for _ in 0..<300 {
                // Mostly the header, where the structure is.
                let bytes = random.mutate(seed, headerBias: 64)
                guard let message = try? DBusMessage.decode(bytes) else { continue }
                decodedCount += 1
                let encoded = try message.encoded()
                let again = try DBusMessage.decode(encoded)
                #expect(try again.encoded() == encoded)
            }
        }
        // Mutations that keep a valid message (a changed string byte, serial, flag) exist.
        #expect(decodedCount >= 600, "decoded: \(decodedCount)")
    }
}

@Suite("D-Bus wire codec: vectors and malformed input")
struct DBusWireTests {
    /// A method return with one UINT32, assembled by hand big-endian from the
    /// specification's "Message Format": serial 7, REPLY_SERIAL 3, SIGNATURE "u", body 1.
    static let bigEndianReturn: [UInt8] = [
        0x42, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x0F,
        0x05, 0x01, 0x75, 0x00, 0x00, 0x00, 0x00, 0x03,
        0x08, 0x01, 0x67, 0x00, 0x01, 0x75, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01,
    ]

    @Test("a hand-assembled big-endian method return decodes and encodes back")
    func bigEndianVector() throws {
        let message = try DBusMessage.decode(Self.bigEndianReturn)
        #expect(message.byteOrder == .bigEndian)
        #expect(message.kind == .methodReturn)
        #expect(message.flags == .noReplyExpected)
        #expect(message.serial == 7)
        #expect(message.replySerial == 3)
        #expect(message.body == [.uint32(1)])
        #expect(try message.encoded() == Self.bigEndianReturn)
    }

    @Test("the same return little-endian differs only in byte order")
    func littleEndianVector() throws {
        var message = try DBusMessage.decode(Self.bigEndianReturn)
        message.byteOrder = .littleEndian
        let bytes = try message.encoded()
        #expect(bytes == [
            0x6C, 0x02, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x0F, 0x00, 0x00, 0x00,
            0x05, 0x01, 0x75, 0x00, 0x03, 0x00, 0x00, 0x00,
            0x08, 0x01, 0x67, 0x00, 0x01, 0x75, 0x00, 0x00,
            0x01, 0x00, 0x00, 0x00,
        ])
    }

    static func patched(_ bytes: [UInt8], _ changes: [Int: UInt8]) -> [UInt8] {
        var copy = bytes
        for (offset, value) in changes { copy[offset] = value }
        return copy
    }

    static let malformed: [(String, [UInt8], DBusWireError)] = [
        ("byte order", patched(bigEndianReturn, [0: 0x78]), .invalidByteOrder(0x78)),
        ("version", patched(bigEndianReturn, [3: 2]), .unsupportedVersion(2)),
        ("message type 0", patched(bigEndianReturn, [1: 0]), .unknownMessageType(0)),
        ("message type 9", patched(bigEndianReturn, [1: 9]), .unknownMessageType(9)),
        ("serial 0", patched(bigEndianReturn, [11: 0]), .zeroSerial),
        ("padding", patched(bigEndianReturn, [31: 1]), .nonZeroPadding(offset: 31)),
        ("boolean 2", patched(bigEndianReturn, [29: 0x62, 35: 2]), .invalidBoolean(2, offset: 32)),
        ("signature", patched(bigEndianReturn, [29: 0x5A]), .invalidSignature("Z")),
        ("sender holding a number", patched(bigEndianReturn, [16: 7]), .headerFieldType(code: 7, signature: "u")),
        ("body longer than the data", patched(bigEndianReturn, [7: 8]), .truncated(offset: 36)),
        ("body shorter than its signature", patched(bigEndianReturn, [7: 0]), .trailingBytes(count: 4)),
        ("header field array past the end", patched(bigEndianReturn, [14: 1]), .truncated(offset: 36)),
        ("message over 128 MiB", patched(bigEndianReturn, [4: 0x08]), .messageTooLong((1 << 27) + 36)),
        ("header field code 0", patched(bigEndianReturn, [24: 0]), .headerFieldType(code: 0, signature: "g")),
        ("header field twice",
         patched(bigEndianReturn, [15: 0x10, 24: 5, 26: 0x75, 28: 0, 29: 0, 30: 0, 31: 3]), .duplicateHeaderField(code: 5)),
        ("method return without REPLY_SERIAL", patched(bigEndianReturn, [16: 0x0A]),
         .missingHeaderField("REPLY_SERIAL")),
        ("method call without PATH", patched(bigEndianReturn, [1: 1]), .missingHeaderField("PATH")),
        ("error without ERROR_NAME", patched(bigEndianReturn, [1: 3]), .missingHeaderField("ERROR_NAME")),
    ]

    @Test("malformed messages give their typed error", arguments: malformed)
    func malformedMessage(label: String, bytes: [UInt8], expected: DBusWireError) {
        #expect(throws: expected, "\(label)") { try DBusMessage.decode(bytes) }
    }

    @Test("every truncation of a recorded message is refused, never a trap")
    func truncations() throws {
        for bytes in try Fixtures.dbusCapture("c-port-add-error") {
            for length in 0..<bytes.count {
                #expect(throws: DBusWireError.self) { try DBusMessage.decode(Array(bytes[..<length])) }
            }
        }
    }

    static func errorMessageBytes(text: String) throws -> [UInt8] {
        var call = DBusMessage.methodCall(destination: "org.libteam.teamd.team0", path: "/org/libteam/teamd",
                                          interface: "org.libteam.teamd", member: "PortAdd")
        call.serial = 9
        call.sender = ":1.4"
        var error = DBusMessage.error(to: call, name: "org.libteam.teamd.NoSuchDev", message: text)
        error.serial = 10
        return try error.encoded()
    }

    @Test("strings: invalid UTF-8, NUL inside and a missing terminator are refused")
    func badStrings() throws {
        let good = try Self.errorMessageBytes(text: "No such device.")
        let text = Array("No such device.".utf8)
        let start = try #require((0...(good.count - text.count)).first { Array(good[$0..<($0 + text.count)]) == text })
        #expect(try DBusMessage.decode(good).errorMessage == "No such device.")
        #expect(throws: DBusWireError.invalidString(offset: start - 4)) {
            try DBusMessage.decode(Self.patched(good, [start + 3: 0xFF]))
        }
        #expect(throws: DBusWireError.invalidString(offset: start - 4)) {
            try DBusMessage.decode(Self.patched(good, [start + 3: 0]))
        }
        #expect(throws: DBusWireError.truncated(offset: start - 4)) {
            try DBusMessage.decode(Self.patched(good, [start + text.count: 0x41]))
        }
    }

    @Test("an error name against the naming rules is refused")
    func badNames() throws {
        let good = try Self.errorMessageBytes(text: "x")
        let name = Array("org.libteam.teamd.NoSuchDev".utf8)
        let start = try #require((0...(good.count - name.count)).first { Array(good[$0..<($0 + name.count)]) == name })
        #expect(throws: DBusWireError.invalidName(field: "error name", value: "org.libteam.teamd.1oSuchDev")) {
            try DBusMessage.decode(Self.patched(good, [start + 18: UInt8(ascii: "1")]))
        }
    }

    /// A signal whose body is `depth` variants inside each other around a byte.
    static func nestedVariants(depth: Int) throws -> [UInt8] {
        let signal = DBusMessage(kind: .signal, serial: 1, headerFields: [.path("/"), .interface("a.b"), .member("C")],
                                 body: [.variant(.byte(0))])
        // Replace the one-byte body with the nesting, written by hand: each level is the
        // signature "v" (1, 'v', NUL), the innermost "y" and the byte.
        var body: [UInt8] = []
        for _ in 0..<depth { body += [1, UInt8(ascii: "v"), 0] }
        body += [1, UInt8(ascii: "y"), 0, 7]
        var bytes = try signal.encoded()
        let bodyStart = bytes.count - 4
        bytes.replaceSubrange(bodyStart..., with: body)
        let length = UInt32(body.count)
        bytes[4] = UInt8(length & 0xFF)
        bytes[5] = UInt8(length >> 8 & 0xFF)
        return bytes
    }

    @Test("variants nested past 64 levels are refused; 63 read")
    func nesting() throws {
        let shallow = try DBusMessage.decode(Self.nestedVariants(depth: 63))
        var value = try #require(shallow.body.first)
        var levels = 0
        while case .variant(let inner) = value {
            value = inner
            levels += 1
        }
        #expect(levels == 64)
        #expect(value == .byte(7))
        #expect(throws: DBusWireError.self) { try DBusMessage.decode(Self.nestedVariants(depth: 80)) }
    }

    @Test("arrays, structs, dict entries and every basic type survive a round trip in both byte orders")
    func containers() throws {
        let body: [DBusValue] = [
            .byte(0xFE), .boolean(true), .int16(-2), .uint16(0xFFFE), .int32(-70000), .uint32(0xDEAD_BEEF),
            .int64(-1 << 40), .uint64(1 << 63), .double(-0.5), .string("ünïcode"), .objectPath("/a/b_c"),
            .signature("a{sv}"), .unixFD(0),
            .array(element: .string, []),
            .array(element: .int64, [.int64(1), .int64(2)]),
            .array(element: .dictEntry(key: .string, value: .variant), [
                .dictEntry(key: .string("k"), value: .variant(.uint32(3))),
                .dictEntry(key: .string("l"), value: .variant(.bytes([1]))),
            ]),
            .structure([.byte(1), .structure([.string("x"), .double(2)])]),
        ]
        for order in [DBusByteOrder.littleEndian, .bigEndian] {
            let message = DBusMessage(kind: .signal, serial: 5,
                                      headerFields: [.path("/x"), .interface("a.b"), .member("C"), .other(code: 42, value: .string("kept"))],
                                      body: body, byteOrder: order)
            let bytes = try message.encoded()
            var expected = message
            expected.headerFields.append(.signature(message.signature))
            #expect(try DBusMessage.decode(bytes) == expected)
            #expect(message.signature == "ybnqiuxtdsoghasaxa{sv}(y(sd))")
        }
    }

    @Test("values that cannot be valid on the wire are refused by the encoder")
    func unencodable() {
        let path: DBusMessage.HeaderField = .path("/x")
        let cases: [DBusMessage] = [
            DBusMessage(kind: .signal, serial: 1, headerFields: [path, .interface("a.b"), .member("C")],
                        body: [.string("nul\u{0}inside")]),
            DBusMessage(kind: .signal, serial: 1, headerFields: [path, .interface("a.b"), .member("C")],
                        body: [.array(element: .string, [.uint32(1)])]),
            DBusMessage(kind: .signal, serial: 1, headerFields: [path, .interface("a.b"), .member("C")],
                        body: [.objectPath("no/slash")]),
            DBusMessage(kind: .signal, serial: 1, headerFields: [path, .interface("a.b"), .member("C")],
                        body: [.structure([])]),
            DBusMessage(kind: .signal, serial: 1, headerFields: [path, .interface("nodot"), .member("C")]),
            DBusMessage(kind: .signal, serial: 0, headerFields: [path, .interface("a.b"), .member("C")]),
            DBusMessage(kind: .methodCall, serial: 1, headerFields: [path]),
        ]
        for message in cases {
            #expect(throws: DBusWireError.self) { try message.encoded() }
        }
    }
}

@Suite("D-Bus signatures, names, addresses, authentication")
struct DBusProtocolTests {
    @Test("valid signatures parse into their types", arguments: [
        ("", [DBusType]()), ("s", [.string]), ("su", [.string, .uint32]),
        ("a(yv)", [.array(.structure([.byte, .variant]))]),
        ("a{sv}", [.array(.dictEntry(key: .string, value: .variant))]),
        ("aai(x)", [.array(.array(.int32)), .structure([.int64])]),
        (String(repeating: "a", count: 32) + "y", [(0..<32).reduce(DBusType.byte) { type, _ in .array(type) }]),
    ])
    func validSignatures(signature: String, types: [DBusType]) throws {
        #expect(try DBusType.parse(signature: signature) == types)
        #expect(DBusType.signature(of: types) == signature)
    }

    @Test("invalid signatures are refused", arguments: [
        "a", "()", "{sv}", "a{vs}", "a{s}", "a{sss}", "(s", "s)", "Z", "a{sv", String(repeating: "a", count: 33) + "y",
        String(repeating: "(", count: 33) + "y" + String(repeating: ")", count: 33), String(repeating: "y", count: 256),
    ])
    func invalidSignatures(signature: String) {
        #expect(throws: DBusWireError.invalidSignature(signature)) { try DBusType.parse(signature: signature) }
    }

    @Test("bus names: well-known and unique, and what is not one")
    func busNames() {
        for name in ["org.libteam.teamd.team0", "org.freedesktop.DBus", ":1.42", "a.b-c", "org.libteam.teamd.team_1"] {
            #expect(DBusNames.isValidBusName(name), "\(name)")
        }
        for name in ["", "org", "org..x", ".org.x", "org.x.", "org.libteam.teamd.1team", "org.libteam.teamd.te+am",
                     "org.libteam.teamd.team.0", String(repeating: "a.", count: 128) + "b"] {
            #expect(!DBusNames.isValidBusName(name), "\(name)")
        }
    }

    @Test("object paths, interfaces, members")
    func otherNames() {
        #expect(DBusNames.isValidObjectPath("/"))
        #expect(DBusNames.isValidObjectPath("/org/libteam/teamd"))
        for path in ["", "org", "/org/", "//org", "/org//x", "/a-b", "/ä"] {
            #expect(!DBusNames.isValidObjectPath(path), "\(path)")
        }
        #expect(DBusNames.isValidInterfaceName("org.libteam.teamd"))
        #expect(!DBusNames.isValidInterfaceName("teamd"))
        #expect(!DBusNames.isValidInterfaceName("org.a-b"))
        #expect(DBusNames.isValidMemberName("StateItemValueGet"))
        #expect(!DBusNames.isValidMemberName("State.Get"))
        #expect(!DBusNames.isValidMemberName("1Get"))
        #expect(!DBusNames.isValidMemberName(""))
    }

    @Test("addresses: path, abstract, escapes, lists", arguments: [
        ("unix:path=/run/dbus/system_bus_socket", [DBusAddress.unixPath("/run/dbus/system_bus_socket")]),
        ("unix:path=/tmp/a%20b,guid=0123456789abcdef0123456789abcdef", [.unixPath("/tmp/a b")]),
        ("unix:abstract=/tmp/dbus-XYZ", [.unixAbstract("/tmp/dbus-XYZ")]),
        ("tcp:host=localhost,port=1;unix:path=/x", [.unsupported("tcp:host=localhost,port=1"), .unixPath("/x")]),
        ("unix:runtime=yes;", [.unsupported("unix:runtime=yes")]),
    ])
    func addresses(text: String, entries: [DBusAddress]) throws {
        #expect(try DBusAddress.parse(text) == entries)
    }

    @Test("malformed addresses are refused", arguments: [
        ("", DBusAddressError.empty), ("nocolon", .missingTransport("nocolon")), (":path=/x", .missingTransport(":path=/x")),
        ("unix:path", .malformedOption("path")), ("unix:path=%zz", .badEscape("%zz")), ("unix:path=%4", .badEscape("%4")),
        ("unix:path=/a,abstract=b", .malformedOption("unix:path=/a,abstract=b")),
        ("unix:path=/a,path=/b", .malformedOption("path=/b")),
    ])
    func badAddresses(text: String, error: DBusAddressError) {
        #expect(throws: error) { try DBusAddress.parse(text) }
    }

    @Test("the system bus default is the standard socket")
    func defaultAddress() throws {
        #expect(try DBusAddress.parse(DBusAddress.defaultSystemBus) == [.unixPath("/run/dbus/system_bus_socket")])
        #expect(DBusAddress.systemBusVariable == "DBUS_SYSTEM_BUS_ADDRESS")
    }

    @Test("AUTH EXTERNAL carries the uid's decimal digits in hex after a NUL byte")
    func authExternal() {
        #expect(DBusAuthentication.authExternal(uid: 0) == [0] + Array("AUTH EXTERNAL 30\r\n".utf8))
        #expect(DBusAuthentication.authExternal(uid: 1000) == [0] + Array("AUTH EXTERNAL 31303030\r\n".utf8))
        #expect(DBusAuthentication.begin == Array("BEGIN\r\n".utf8))
    }

    @Test("the server's authentication lines")
    func serverLines() {
        #expect(DBusAuthentication.ServerLine("OK 3f1cf71bc08bfa6dfb8eff316b029695")
            == .ok(guid: "3f1cf71bc08bfa6dfb8eff316b029695"))
        #expect(DBusAuthentication.ServerLine("REJECTED EXTERNAL ANONYMOUS") == .rejected(mechanisms: ["EXTERNAL", "ANONYMOUS"]))
        #expect(DBusAuthentication.ServerLine("ERROR \"bad\"") == .error("\"bad\""))
        #expect(DBusAuthentication.ServerLine("AGREE_UNIX_FD") == .agreeUnixFD)
        #expect(DBusAuthentication.ServerLine("WHAT") == .unknown("WHAT"))
    }
}

@Suite("D-Bus byte arrays and headers read alone")
struct DBusHeaderFirstTests {
    @Test("a 32 MiB ay decodes as one byte buffer, and encodes like an array of byte values")
    func byteArray() throws {
        let payload = (0..<(32 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let signal = DBusMessage(kind: .signal, serial: 9, headerFields: [.path("/a"), .interface("a.b"), .member("C")],
                                 body: [.bytes(payload)])
        let bytes = try signal.encoded()
        let decoded = try DBusMessage.decode(bytes)
        #expect(decoded.body.count == 1)
        guard case .bytes(let data)? = decoded.body.first else {
            Issue.record("ay did not decode as bytes: \(String(describing: decoded.body.first?.type))")
            return
        }
        #expect(data == payload)
        #expect(decoded.signature == "ay")
        let small = DBusMessage(kind: .signal, serial: 9, headerFields: [.path("/a"), .interface("a.b"), .member("C")],
                                body: [.array(element: .byte, [.byte(1), .byte(2)])])
        var same = small
        same.body = [.bytes([1, 2])]
        #expect(try small.encoded() == same.encoded())
    }

    @Test("the header decodes from the header's bytes alone; the body's length is known before it arrives")
    func headerAlone() throws {
        var call = DBusMessage.methodCall(destination: "a.b", path: "/org/libteam/teamd", interface: "org.libteam.teamd",
                                          member: "PortAdd", body: [.string(String(repeating: "x", count: 5000))])
        call.serial = 12
        call.sender = ":1.5"
        let bytes = try call.encoded()
        let headerLength = try #require(try DBusMessageHeader.length(ofHeaderStartingWith: bytes))
        #expect(try DBusMessageHeader.decode(bytes.prefix(headerLength - 1)) == nil)
        let header = try #require(try DBusMessageHeader.decode(bytes.prefix(headerLength)))
        #expect(header.bodyOffset == headerLength)
        #expect(header.totalLength == bytes.count)
        #expect(header.member == "PortAdd")
        #expect(header.sender == ":1.5")
        #expect(header.signature == "s")
        #expect(header.expectsReply)
        #expect(try DBusMessage(header: header, body: bytes[headerLength...]) == DBusMessage.decode(bytes))
        // A header of a type we do not know says so; its length is still known, to skip it.
        var unknown = Array(bytes.prefix(headerLength))
        unknown[1] = 9
        #expect(throws: DBusWireError.unknownMessageType(9)) { try DBusMessageHeader.decode(unknown) }
    }
}
