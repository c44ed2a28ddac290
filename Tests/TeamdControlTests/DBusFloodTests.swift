#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import DBusWire
@testable import TeamdControl

/// Writes `bytes` from the bus as fast as the socket takes them, letting the server read
/// between writes (the socket buffer is far smaller than the message); returns the largest
/// input buffer the connection had meanwhile.
private func stream(_ bytes: [UInt8], from bus: ScriptedBus, to server: DBusControlServer,
                    connection: DBusConnection, handler: (ControlRequest) -> ControlReply) -> Int
{
    var offset = 0
    var largest = 0
    while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes { raw in
            send(bus.busEnd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        }
        if sent > 0 { offset += sent }
        server.process(handler: handler)
        largest = max(largest, connection.inputCapacity)
    }
    return largest
}

@Suite("D-Bus server under floods: headers first, bodies only for teamd's methods")
struct DBusFloodTests {
    static let teamd = TeamdDBus.objectPath

    static func signal(_ body: [DBusValue]) throws -> [UInt8] {
        var message = DBusMessage(kind: .signal, serial: 77, headerFields: [
            .path("/x"), .interface("a.b"), .member("Flood"), .destination(ScriptedBus.clientName), .sender(":1.66"),
        ], body: body)
        message.serial = 77
        return try message.encoded()
    }

    @Test("a 32 MiB ay signal streams past without being kept or decoded; the next call is served")
    func bigSignal() throws {
        let bus = try ScriptedBus()
        let connection = try bus.connect()
        let server = DBusControlServer(teamDevice: "team0", connection: connection)
        var handled: [ControlRequest] = []
        let handler: (ControlRequest) -> ControlReply = { handled.append($0); return .success("{}") }
        let flood = try Self.signal([.bytes([UInt8](repeating: 0xA5, count: 32 << 20))])
        #expect(flood.count > 32 << 20)
        var largest = 0
        for _ in 0..<3 {
            largest = max(largest, stream(flood, from: bus, to: server, connection: connection, handler: handler))
        }
        let call = try bus.call(path: Self.teamd, interface: TeamdDBus.interfaceName, member: "StateDump")
        let events = server.process(handler: handler)
        #expect(events == [.request(.stateDump, sender: ":1.9")])
        #expect(handled == [.stateDump])
        #expect(try bus.readMessages().map(\.replySerial) == [call])
        // What reading holds is the 1 MiB read chunk and a little, never the 32 MiB message.
        #expect(largest < 4 << 20, "input buffer grew to \(largest) bytes")
    }

    @Test("only teamd's own calls with its signature and sane sizes have their bodies read")
    func bodyPolicy() throws {
        func header(_ kind: DBusMessage.Kind, path: String = TeamdDBus.objectPath, interface: String? = TeamdDBus.interfaceName,
                    member: String, body: [DBusValue]) throws -> DBusMessageHeader
        {
            var fields: [DBusMessage.HeaderField] = [.path(path), .member(member)]
            if let interface { fields.append(.interface(interface)) }
            let message = DBusMessage(kind: kind, serial: 3, headerFields: fields, body: body)
            return try #require(try DBusMessageHeader.decode(message.encoded()))
        }
        #expect(TeamdDBus.readsArguments(of: try header(.methodCall, member: "PortAdd", body: [.string("tp0")])))
        #expect(TeamdDBus.readsArguments(of: try header(.methodCall, interface: nil, member: "PortAdd",
                                                        body: [.string("tp0")])))
        // Wrong signature, no arguments, another interface or path, a signal: answered from the header.
        #expect(!TeamdDBus.readsArguments(of: try header(.methodCall, member: "PortAdd", body: [.bytes([1])])))
        #expect(!TeamdDBus.readsArguments(of: try header(.methodCall, member: "StateDump", body: [])))
        #expect(!TeamdDBus.readsArguments(of: try header(.methodCall, interface: "a.b", member: "PortAdd",
                                                         body: [.string("tp0")])))
        #expect(!TeamdDBus.readsArguments(of: try header(.methodCall, path: "/", member: "PortAdd",
                                                         body: [.string("tp0")])))
        #expect(!TeamdDBus.readsArguments(of: try header(.signal, member: "PortAdd", body: [.string("tp0")])))
        let big = String(repeating: "x", count: TeamdDBus.maximumArgumentLength + 64)
        #expect(!TeamdDBus.readsArguments(of: try header(.methodCall, member: "PortAdd", body: [.string(big)])))
    }

    @Test("an argument over 1 MiB is refused with InvalidArgs naming it, unread when the body is too large")
    func oversizedArguments() throws {
        let bus = try ScriptedBus()
        let connection = try bus.connect()
        let server = DBusControlServer(teamDevice: "team0", connection: connection)
        var handled: [ControlRequest] = []
        let handler: (ControlRequest) -> ControlReply = { handled.append($0); return .success("") }
        let limit = TeamdDBus.maximumArgumentLength
        let cases: [(ControlMethod, [String], String)] = [
            (.portAdd, [String(repeating: "p", count: 3 << 20)], "port_devname"),
            (.stateItemValueSet, ["setup.x", String(repeating: "v", count: 3 << 20)], "value"),
            (.stateItemValueSet, [String(repeating: "s", count: 3 << 20), "1"], "state_item_path"),
            // Within the body limit, over the argument limit: read, then refused.
            (.stateItemValueGet, [String(repeating: "g", count: limit + 1)], "state_item_path"),
        ]
        for (method, arguments, name) in cases {
            var call = DBusMessage.methodCall(destination: ScriptedBus.clientName, path: Self.teamd,
                                              interface: TeamdDBus.interfaceName, member: method.name,
                                              body: arguments.map(DBusValue.string))
            call.sender = ":1.9"
            call.serial = 500
            _ = stream(try call.encoded(), from: bus, to: server, connection: connection, handler: handler)
            server.process(handler: handler)
            let replies = try bus.readMessages()
            try #require(replies.count == 1, "\(method)")
            #expect(replies[0].errorName == "org.libteam.teamd.InvalidArgs")
            #expect(replies[0].errorMessage == "Argument \"\(name)\" of \(method.name) is longer than \(limit) bytes.")
        }
        #expect(handled.isEmpty)
    }
}
