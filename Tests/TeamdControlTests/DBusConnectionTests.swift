#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TeamdControl
@testable import DBusWire
@testable import ZMTP
@testable import TeamdctlCLI

/// A message bus played by the test: the far end of a socket pair. Its answers are
/// written before the code under test reads them (the socket buffer holds them), so
/// one thread drives both sides and nothing depends on timing.
final class ScriptedBus {
    let clientEnd: Int32
    let busEnd: Int32
    private var serial: UInt32 = 100
    private var received: [UInt8] = []

    static let guid = "0123456789abcdef0123456789abcdef"
    static let clientName = ":1.7"

    init() throws {
        var ends: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &ends) == 0)
        clientEnd = ends[0]
        busEnd = ends[1]
        let flags = fcntl(busEnd, F_GETFL)
        _ = fcntl(busEnd, F_SETFL, flags | O_NONBLOCK)
    }

    deinit {
        closeBusEnd()
    }

    private var busEndOpen = true

    /// Closes the bus's end once (a second close could hit a descriptor that another
    /// test running in parallel has opened since).
    func closeBusEnd() {
        guard busEndOpen else { return }
        busEndOpen = false
        _ = close(busEnd)
    }

    func write(_ bytes: [UInt8]) {
        let written = bytes.withUnsafeBytes { send(busEnd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        #expect(written == bytes.count)
    }

    /// Sends `message` from the bus with the bus's next serial; returns that serial.
    @discardableResult
    func write(_ message: DBusMessage) throws -> UInt32 {
        var message = message
        serial += 1
        message.serial = serial
        write(try message.encoded())
        return serial
    }

    /// What a real bus says before the first message: OK to EXTERNAL.
    func acceptAuthentication() {
        write(Array("OK \(Self.guid)\r\n".utf8))
    }

    /// The bus driver's reply to the client's call with `serial`.
    func reply(to serial: UInt32, body: [DBusValue] = [], error: String? = nil) throws {
        var fields: [DBusMessage.HeaderField] = [
            .replySerial(serial), .destination(Self.clientName), .sender("org.freedesktop.DBus"),
        ]
        if let error { fields.insert(.errorName(error), at: 0) }
        try write(DBusMessage(kind: error == nil ? .methodReturn : .error, flags: .noReplyExpected,
                              headerFields: fields, body: body))
    }

    /// A method call from another client (`:1.9`) to the client.
    @discardableResult
    func call(path: String, interface: String?, member: String, body: [DBusValue] = [],
              flags: DBusMessage.Flags = []) throws -> UInt32
    {
        var message = DBusMessage.methodCall(destination: Self.clientName, path: path, interface: interface,
                                             member: member, body: body, flags: flags)
        message.sender = ":1.9"
        return try write(message)
    }

    /// Everything the client has written since the last look.
    func readBytes() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(busEnd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
        }
        defer { received.removeAll() }
        return received
    }

    /// The messages the client has written since the last look.
    func readMessages() throws -> [DBusMessage] {
        let bytes = readBytes()
        var messages: [DBusMessage] = []
        var offset = 0
        while offset < bytes.count {
            let length = try #require(try DBusMessage.length(ofMessageStartingWith: bytes[offset...]))
            messages.append(try DBusMessage.decode(Array(bytes[offset..<(offset + length)])))
            offset += length
        }
        return messages
    }

    /// A connection that has authenticated and said Hello on this bus; checks what it
    /// sent on the way.
    func connect() throws -> DBusConnection {
        acceptAuthentication()
        // Our Hello is the client's first message: serial 1.
        try reply(to: 1, body: [.string(Self.clientName)])
        let connection = DBusConnection(descriptor: clientEnd)
        let deadline = MonotonicDeadline(after: .seconds(5))
        try connection.authenticate(deadline: deadline)
        try connection.hello(deadline: deadline)
        let bytes = readBytes()
        let auth = DBusAuthentication.authExternal(uid: geteuid()) + DBusAuthentication.begin
        try #require(bytes.count > auth.count)
        #expect(Array(bytes[..<auth.count]) == auth)
        let hello = try DBusMessage.decode(Array(bytes[auth.count...]))
        #expect(hello.member == "Hello")
        #expect(hello.destination == "org.freedesktop.DBus")
        #expect(hello.serial == 1)
        #expect(connection.uniqueName == Self.clientName)
        return connection
    }
}

@Suite("D-Bus connection: authentication and calls against a scripted bus")
struct DBusConnectionTests {
    @Test("EXTERNAL authentication, BEGIN and Hello give the unique name")
    func hello() throws {
        let bus = try ScriptedBus()
        _ = try bus.connect()
    }

    @Test("a rejected authentication is an error, not a hang")
    func rejected() throws {
        let bus = try ScriptedBus()
        bus.write(Array("REJECTED ANONYMOUS\r\n".utf8))
        let connection = DBusConnection(descriptor: bus.clientEnd)
        #expect(throws: DBusConnectionError.authenticationRejected("REJECTED ANONYMOUS")) {
            try connection.authenticate(deadline: MonotonicDeadline(after: .seconds(5)))
        }
        #expect(DBusConnectionError.authenticationRejected("").errno == EPERM)
    }

    @Test("a bus that hangs up during authentication is an error")
    func hangUp() throws {
        let bus = try ScriptedBus()
        bus.closeBusEnd()
        let connection = DBusConnection(descriptor: bus.clientEnd)
        #expect(throws: DBusConnectionError.self) {
            try connection.authenticate(deadline: MonotonicDeadline(after: .seconds(5)))
        }
    }

    @Test("a reply is matched by serial; messages before it wait their turn")
    func callMatchesSerial() throws {
        let bus = try ScriptedBus()
        let connection = try bus.connect()
        try bus.call(path: "/x", interface: "a.b", member: "Early")
        try bus.reply(to: 99, body: [.string("not ours")])
        try bus.reply(to: 2, body: [.uint32(4)])
        let reply = try connection.call(
            .methodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                        interface: "org.freedesktop.DBus", member: "GetId"),
            timeout: .seconds(5))
        #expect(reply.body == [.uint32(4)])
        guard case .message(let early)? = try connection.nextMessage() else {
            Issue.record("the early call was lost")
            return
        }
        #expect(early.member == "Early")
        guard case .message(let stray)? = try connection.nextMessage() else {
            Issue.record("the stray reply was lost")
            return
        }
        #expect(stray.replySerial == 99)
        #expect(try connection.nextMessage() == nil)
    }

    @Test("no reply by the deadline is a timeout")
    func timeout() throws {
        let bus = try ScriptedBus()
        let connection = try bus.connect()
        #expect(throws: DBusConnectionError.timedOut) {
            try connection.call(.methodCall(destination: "a.b", path: "/", interface: nil, member: "M"),
                                timeout: .zero)
        }
    }

    @Test("a connection refused by the address's socket reports its errno", arguments: [
        ("unix:path=/nonexistent/swift-team/bus", ENOENT),
        ("tcp:host=localhost,port=1", EINVAL),
        ("garbage", EINVAL),
    ])
    func openFailures(address: String, code: Int32) {
        #expect(throws: DBusConnectionError.self) {
            do throws(DBusConnectionError) {
                _ = try DBusConnection.open(address: address, timeout: .seconds(1))
            } catch {
                #expect(error.errno == code)
                throw error
            }
        }
    }
}

@Suite("D-Bus control server against a scripted bus")
struct DBusControlServerTests {
    static func server(_ bus: ScriptedBus) throws -> DBusControlServer {
        DBusControlServer(teamDevice: "team0", connection: try bus.connect())
    }

    @Test("RequestName asks for org.libteam.teamd.DEV without queueing")
    func requestName() throws {
        let bus = try ScriptedBus()
        let server = try Self.server(bus)
        try bus.reply(to: 2, body: [.uint32(1)])
        try server.requestName()
        let sent = try bus.readMessages()
        #expect(sent.count == 1)
        #expect(sent.first?.member == "RequestName")
        #expect(sent.first?.destination == "org.freedesktop.DBus")
        // DBUS_NAME_FLAG_DO_NOT_QUEUE, what sd_bus_request_name(bus, name, 0) asked for.
        #expect(sent.first?.body == [.string("org.libteam.teamd.team0"), .uint32(4)])
    }

    @Test("a name that is taken, and one the policy refuses")
    func nameRefusals() throws {
        var bus = try ScriptedBus()
        var server = try Self.server(bus)
        try bus.reply(to: 2, body: [.uint32(3)])
        #expect(throws: DBusServerError.nameTaken("org.libteam.teamd.team0")) { try server.requestName() }

        bus = try ScriptedBus()
        server = try Self.server(bus)
        try bus.reply(to: 2, body: [.string("Connection \":1.7\" is not allowed to own the service")],
                      error: "org.freedesktop.DBus.Error.AccessDenied")
        #expect(throws: DBusServerError.nameRefused("org.libteam.teamd.team0", errno: EACCES,
                                                    busError: "access denied by the bus policy")) {
            try server.requestName()
        }
        #expect(DBusServerError.nameRefused("org.libteam.teamd.team0", errno: EACCES,
                                            busError: "access denied by the bus policy").description
            == "dbus: Failed to acquire org.libteam.teamd.team0: access denied by the bus policy")
    }

    @Test("teamd's methods are answered with the handler's replies, the rest as sd-bus answered")
    func serves() throws {
        let bus = try ScriptedBus()
        let server = try Self.server(bus)
        let teamd = TeamdDBus.objectPath, interface = TeamdDBus.interfaceName
        let configDump = try bus.call(path: teamd, interface: interface, member: "ConfigDump")
        let wrong = try bus.call(path: teamd, interface: interface, member: "PortAdd", body: [.uint32(1)])
        let missing = try bus.call(path: teamd, interface: interface, member: "StateItemValueGet",
                                   body: [.string("nope.nope")])
        let ping = try bus.call(path: "/", interface: "org.freedesktop.DBus.Peer", member: "Ping")
        let parent = try bus.call(path: "/org", interface: "org.freedesktop.DBus.Introspectable", member: "Introspect")
        let introspect = try bus.call(path: teamd, interface: "org.freedesktop.DBus.Introspectable",
                                      member: "Introspect")
        let elsewhere = try bus.call(path: "/nope", interface: "a.b", member: "C")
        try bus.call(path: teamd, interface: interface, member: "PortRemove", body: [.string("tp1")],
                     flags: .noReplyExpected)
        var requests: [ControlRequest] = []
        let events = server.process { request in
            requests.append(request)
            switch request {
            case .configDump: return .success("{config}")
            case .stateItemValueGet: return .failure(.pathDoesNotExist)
            default: return .success("")
            }
        }
        #expect(requests == [.configDump, .stateItemValueGet(path: "nope.nope"), .portRemove(port: "tp1")])
        #expect(events == [
            .request(.configDump, sender: ":1.9"),
            .rejected(DBusErrorReply(control: .invalidArguments), member: "PortAdd", sender: ":1.9"),
            .request(.stateItemValueGet(path: "nope.nope"), sender: ":1.9"),
            .request(.portRemove(port: "tp1"), sender: ":1.9"),
        ])
        let replies = try bus.readMessages()
        // Every call that expects a reply gets exactly one, to its sender; PortRemove asked for none.
        #expect(replies.map(\.replySerial) == [configDump, wrong, missing, ping, parent, introspect, elsewhere])
        #expect(replies.allSatisfy { $0.destination == ":1.9" })
        #expect(replies[0].kind == .methodReturn)
        #expect(replies[0].body == [.string("{config}")])
        #expect(replies[1].errorName == "org.libteam.teamd.InvalidArgs")
        #expect(replies[1].errorMessage == "Did not receive correct message arguments.")
        #expect(replies[2].errorName == "org.libteam.teamd.PathDoesNotExist")
        #expect(replies[2].errorMessage == "Item path does not exist.")
        #expect(replies[3].kind == .methodReturn)
        #expect(replies[3].body.isEmpty)
        #expect(replies[4].body.first?.stringValue?.contains("<node name=\"libteam\"/>") == true)
        #expect(replies[5].body == [.string(TeamdDBus.introspectionXML)])
        #expect(replies[6].errorName == "org.freedesktop.DBus.Error.UnknownObject")
        #expect(replies[6].errorMessage == "Unknown object '/nope'.")
    }

    @Test("methods that return nothing get an empty reply")
    func emptyReply() throws {
        let bus = try ScriptedBus()
        let server = try Self.server(bus)
        try bus.call(path: TeamdDBus.objectPath, interface: TeamdDBus.interfaceName, member: "PortAdd",
                     body: [.string("tp2")])
        server.process { _ in .success("ignored") }
        let replies = try bus.readMessages()
        #expect(replies.count == 1)
        #expect(replies.first?.kind == .methodReturn)
        #expect(replies.first?.body == [])
    }

    @Test("a flood is answered in rounds; what is left makes the timeout 0")
    func flood() throws {
        let bus = try ScriptedBus()
        let server = try Self.server(bus)
        #expect(server.timeoutMilliseconds() == nil)
        let count = DBusControlServer.messagesPerProcess + 6
        for _ in 0..<count {
            try bus.call(path: TeamdDBus.objectPath, interface: TeamdDBus.interfaceName, member: "StateDump")
        }
        var handled = 0
        server.process { _ in handled += 1; return .success("{}") }
        #expect(handled == DBusControlServer.messagesPerProcess)
        #expect(server.timeoutMilliseconds() == 0)
        server.process { _ in handled += 1; return .success("{}") }
        #expect(handled == count)
        #expect(server.timeoutMilliseconds() == nil)
        #expect(try bus.readMessages().count == count)
    }

    @Test("a malformed message is skipped and the next one served")
    func malformed() throws {
        let bus = try ScriptedBus()
        let server = try Self.server(bus)
        var call = DBusMessage.methodCall(destination: ScriptedBus.clientName, path: TeamdDBus.objectPath,
                                          interface: TeamdDBus.interfaceName, member: "StateDump")
        call.serial = 50
        call.sender = ":1.9"
        var bytes = try call.encoded()
        // The member's terminating NUL made something else: the framing holds, the
        // message does not decode.
        let member = Array("StateDump".utf8)
        let start = try #require((0...(bytes.count - member.count)).first {
            Array(bytes[$0..<($0 + member.count)]) == member
        })
        bytes[start + member.count] = 0xAA
        bus.write(bytes)
        let good = try bus.call(path: TeamdDBus.objectPath, interface: TeamdDBus.interfaceName, member: "StateDump")
        let events = server.process { _ in .success("{}") }
        #expect(events.count == 2)
        if case .failed(.malformedMessage) = events.first {} else { Issue.record("no malformed event: \(events)") }
        #expect(events.last == .request(.stateDump, sender: ":1.9"))
        #expect(try bus.readMessages().map(\.replySerial) == [good])
        #expect(server.descriptor != nil)
    }

    @Test("when the bus goes away the server closes and says so")
    func disconnect() throws {
        let bus = try ScriptedBus()
        let server = try Self.server(bus)
        #expect(server.descriptor != nil)
        #expect(server.pollEvents & Int16(POLLIN) != 0)
        bus.closeBusEnd()
        let events = server.process { _ in .success("") }
        #expect(events == [.disconnected(.processFailed(errno: ECONNRESET))])
        #expect(server.descriptor == nil)
        #expect(server.timeoutMilliseconds() == nil)
    }
}

@Suite("teamdctl's D-Bus transport against a scripted bus")
struct DBusControlTransportTests {
    /// A transport on `bus`, whose connecting ConfigDump (serial 2) gets `{}`.
    static func transport(_ bus: ScriptedBus) throws -> DBusControlTransport {
        let connection = try bus.connect()
        try bus.reply(to: 2, body: [.string("{}")])
        return try DBusControlTransport(teamDevice: "team0", timeout: .seconds(5), connection: connection)
    }

    @Test("calls go to org.libteam.teamd.DEV with string arguments; the string comes back")
    func call() throws {
        let bus = try ScriptedBus()
        let transport = try Self.transport(bus)
        let first = try bus.readMessages()
        #expect(first.map(\.member) == ["ConfigDump"])
        try bus.reply(to: 3, body: [.string("tp0")])
        #expect(try transport.call(.stateItemValueGet(path: "runner.active_port")) == "tp0")
        let sent = try #require(try bus.readMessages().first)
        #expect(sent.destination == "org.libteam.teamd.team0")
        #expect(sent.path == "/org/libteam/teamd")
        #expect(sent.interface == "org.libteam.teamd")
        #expect(sent.member == "StateItemValueGet")
        #expect(sent.body == [.string("runner.active_port")])
        #expect(sent.expectsReply)

        try bus.reply(to: 4)
        #expect(try transport.call(.portConfigUpdate(port: "tp0", config: "{\"prio\": 3}")) == "")
        #expect(try bus.readMessages().first?.body == [.string("tp0"), .string("{\"prio\": 3}")])
    }

    @Test("error replies keep their name and message, teamd's and the bus's")
    func errors() throws {
        let bus = try ScriptedBus()
        let transport = try Self.transport(bus)
        try bus.reply(to: 3, body: [.string("No such device.")], error: "org.libteam.teamdNoSuchDev")
        #expect(throws: TeamdControlError.busError(name: "org.libteam.teamdNoSuchDev", message: "No such device.")) {
            try transport.call(.portAdd(port: "nosuchdev"))
        }
        try bus.reply(to: 4, error: "org.freedesktop.DBus.Error.NoReply")
        #expect(throws: TeamdControlError.busError(name: "org.freedesktop.DBus.Error.NoReply", message: nil)) {
            try transport.call(.stateDump)
        }
        try bus.reply(to: 5, body: [.uint32(1)])
        #expect(throws: TeamdControlError.unexpectedReply("StateDump returned no string")) {
            try transport.call(.stateDump)
        }
    }

    @Test("no teamd owning the name: the bus's error fails the connect")
    func noTeamd() throws {
        let bus = try ScriptedBus()
        let connection = try bus.connect()
        let text = "The name org.libteam.teamd.team0 was not provided by any .service files"
        try bus.reply(to: 2, body: [.string(text)], error: "org.freedesktop.DBus.Error.ServiceUnknown")
        #expect(throws: TeamdControlError.busError(name: "org.freedesktop.DBus.Error.ServiceUnknown", message: text)) {
            try DBusControlTransport(teamDevice: "team0", timeout: .seconds(5), connection: connection)
        }
    }

    @Test("a team name that makes no valid bus name is refused before sending")
    func invalidName() throws {
        let bus = try ScriptedBus()
        let connection = try bus.connect()
        #expect(throws: TeamdControlError.invalidArgument("\"org.libteam.teamd.1team\" is not a valid D-Bus name")) {
            try DBusControlTransport(teamDevice: "1team", timeout: .seconds(5), connection: connection)
        }
        #expect(try bus.readMessages().isEmpty)
    }

    @Test("the bus hanging up mid-call is a failed call")
    func hangUp() throws {
        let bus = try ScriptedBus()
        let transport = try Self.transport(bus)
        bus.closeBusEnd()
        #expect(throws: TeamdControlError.self) { try transport.call(.stateDump) }
    }
}
