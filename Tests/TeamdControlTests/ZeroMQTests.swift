#if canImport(Glibc)
import Glibc
#endif
import SystemSupport
import Testing
@testable import TeamdControl
@testable import DBusWire
@testable import ZMTP
@testable import TeamdctlCLI
import TestSupport

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("ZeroMQ framing")
struct ZeroMQFramingTests {
    // What libteamdctl/cli_zmq.c sends: "REQUEST\n<method>\n" and "<arg>\n" per argument,
    // the arguments not escaped.
    static let vectors: [(ControlRequest, String)] = [
        (.configDump, "REQUEST\nConfigDump\n"),
        (.portAdd(port: "eth1"), "REQUEST\nPortAdd\neth1\n"),
        (.portConfigUpdate(port: "eth1", config: "{\"prio\": 10}"), "REQUEST\nPortConfigUpdate\neth1\n{\"prio\": 10}\n"),
        (.stateItemValueSet(path: "a\\b", value: "c\\nd"), "REQUEST\nStateItemValueSet\na\\b\nc\\nd\n"),
    ]

    @Test("requests travel as the C client frames them, backslashes as they are", arguments: vectors)
    func vector(request: ControlRequest, wire: String) throws {
        #expect(try request.encodedForZeroMQ() == bytes(wire))
        #expect(try ControlRequest(decodingZeroMQ: bytes(wire)) == request)
    }

    @Test("an argument with a newline cannot travel and is refused before sending")
    func newline() {
        #expect(throws: ControlRequestError.newlineInArgument(.portConfigUpdate, argument: 1)) {
            try ControlRequest.portConfigUpdate(port: "eth1", config: "{\n}").encodedForZeroMQ()
        }
    }

    @Test("malformed messages get the same error replies as on the UNIX socket")
    func malformed() {
        #expect(throws: ControlRequestError.unknownMethod("Nope")) { try ControlRequest(decodingZeroMQ: bytes("REQUEST\nNope\n")) }
        #expect(throws: ControlRequestError.wrongArgumentCount(.portAdd, expected: 1, received: 0)) {
            try ControlRequest(decodingZeroMQ: bytes("REQUEST\nPortAdd\n"))
        }
        #expect(throws: ControlRequestError.containsNUL) { try ControlRequest(decodingZeroMQ: [0x52, 0, 0x0a]) }
    }
}

/// A raw stream client in the test's own thread: it sends exactly what a test wants and
/// reads without blocking, while `serve` drives the server.
final class RawPeer {
    let descriptor: Int32
    var received: [UInt8] = []
    var connection = ZMTPConnection(socketType: .req, maximumMessageSize: 1 << 24)

    init(address: String) throws {
        let endpoint = try ZeroMQEndpoint(parsing: address, forBinding: false)
        guard case .success(let socketAddress) = ZeroMQSocket.address(endpoint) else { throw Errno(EINVAL) }
        let deadline = ContinuousClock().now.advanced(by: .seconds(5))
        switch ZeroMQSocket.connect(socketAddress, deadline: deadline) {
        case .success(let descriptor): self.descriptor = descriptor
        case .failure(let error): throw error
        }
    }

    deinit { Glibc.close(descriptor) }

    /// Sends raw bytes; `false` once the server has closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            guard case .success(let count) = ZeroMQSocket.write(descriptor, rest) else { return false }
            if count == 0 { return true }  // the kernel buffer is full: the rest is dropped
            rest = rest.dropFirst(count)
        }
        return true
    }

    /// Reads what is there; `false` at end of stream or on error.
    @discardableResult
    func pump() -> Bool {
        switch ZeroMQSocket.read(descriptor, limit: 65536) {
        case .success(let bytes) where bytes.isEmpty: return false
        case .success(let bytes):
            received += bytes
            connection.receive(bytes)
            return true
        case .failure(let error): return error == .wouldBlock
        }
    }

    /// Speaks ZMTP: writes what the REQ connection has queued, reads, and returns a reply body.
    func exchange() throws -> [UInt8]? {
        send(Array(connection.pendingOutput))
        connection.didSend(connection.pendingOutput.count)
        pump()
        if let reply = try connection.nextMessage() { return reply.last }
        send(Array(connection.pendingOutput))
        connection.didSend(connection.pendingOutput.count)
        return nil
    }

    /// Whether the server closed the connection: what it sent before is read first.
    var isClosedByServer: Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { continue }
            return count == 0 || errno == ECONNRESET
        }
    }
}

@Suite("ZeroMQ control server and client")
struct ZeroMQServerTests {
    /// Lets the server work until `done` says so, polling its descriptors as teamd's loop does;
    /// gives up after a bounded number of rounds.
    @discardableResult
    static func serve(_ server: ZeroMQControlServer, handler: (ControlRequest) -> ControlReply = ZeroMQServerTests.handler,
                      until done: ([ZeroMQServerEvent]) throws -> Bool) rethrows -> [ZeroMQServerEvent]
    {
        var events: [ZeroMQServerEvent] = []
        for _ in 0..<200 {
            var entries = server.descriptors.map { pollfd(fd: $0, events: server.pollEvents(for: $0), revents: 0) }
            _ = poll(&entries, nfds_t(entries.count), Int32(server.timeoutMilliseconds() ?? 20))
            events += server.process(handler: handler)
            if try done(events) { break }
        }
        return events
    }

    static func handler(_ request: ControlRequest) -> ControlReply {
        switch request {
        case .stateItemValueGet(let path): return .success("value of " + path)
        case .portAdd: return .failure(.noSuchDevice)
        default: return .success("")
        }
    }

    static func isRequest(_ event: ZeroMQServerEvent) -> Bool {
        if case .request = event { return true }
        return false
    }

    static func isDisconnect(_ event: ZeroMQServerEvent) -> Bool {
        if case .disconnected = event { return true }
        return false
    }

    /// A REQ peer's request, answered: the reply body.
    static func ask(_ server: ZeroMQControlServer, _ peer: RawPeer, _ request: String) throws -> [UInt8]? {
        peer.connection.send(message: [[], bytes(request)])
        var reply: [UInt8]?
        try serve(server) { _ in
            reply = try peer.exchange()
            return reply != nil
        }
        return reply
    }

    @Test("the server answers requests, malformed ones with an error, on the connection that asked")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        // The socket file is root-only like the UNIX socket (umask 077 at bind).
        var status = stat()
        #expect(stat(directory.file("zmq.sock"), &status) == 0)
        #expect(status.st_mode & 0o077 == 0)

        let first = try RawPeer(address: address)
        let second = try RawPeer(address: address)
        #expect(try Self.ask(server, first, "REQUEST\nStateItemValueGet\nrunner.active_port\n")
            == bytes("REPLY_SUCCESS\nvalue of runner.active_port"))
        #expect(try Self.ask(server, second, "REQUEST\nNope\n") == bytes("REPLY_ERROR\nUnknownMethod\nUnknown method \"Nope\".\n"))
        #expect(try Self.ask(server, first, "REQUEST\nPortAdd\neth9\n") == bytes("REPLY_ERROR\nNoSuchDev\nNo such device.\n"))
        #expect(try Self.ask(server, second, "garbage") == bytes("REPLY_ERROR\nInvalidRequest\nInvalid request: message is not a request (first line \"garbage\").\n"))
        #expect(server.descriptors.count == 3)

        // Closing removes the socket file it made.
        server.close()
        #expect(access(directory.file("zmq.sock"), F_OK) != 0)
    }

    @Test("requests from a DEALER-like peer: the envelope comes back in front of the reply")
    func envelope() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        let peer = try RawPeer(address: address)
        peer.connection.send(message: [bytes("route"), [], bytes("REQUEST\nStateDump\n")])
        var reply: [[UInt8]]?
        Self.serve(server) { _ in
            peer.send(Array(peer.connection.pendingOutput))
            peer.connection.didSend(peer.connection.pendingOutput.count)
            peer.pump()
            reply = try? peer.connection.nextMessage()
            return reply != nil
        }
        #expect(reply == [bytes("route"), [], bytes("REPLY_SUCCESS\n")])
    }

    @Test("hostile peers are disconnected or ignored, and the server keeps serving others",
          arguments: ["garbage", "huge length", "half greeting", "silent", "wrong socket type", "1 MiB message"])
    func hostile(kind: String) throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        let hostile = try RawPeer(address: address)
        let handshake = ZMTPGreeting().encoded() + ZMTPCommand.ready(socketType: .req).frame.encoded()
        var expectDisconnect = true
        switch kind {
        case "garbage": hostile.send(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        case "huge length": hostile.send(handshake + [0x01, 0x00, 0x02, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        case "half greeting": hostile.send(Array(ZMTPGreeting().encoded().prefix(30))); expectDisconnect = false
        case "silent": expectDisconnect = false
        case "wrong socket type": hostile.send(ZMTPGreeting().encoded() + ZMTPCommand.ready(socketType: .rep).frame.encoded())
        default:
            hostile.send(handshake + ZMTPFrame(body: [], more: true).encoded()
                + ZMTPFrame(body: [UInt8](repeating: 0x41, count: 1 << 20)).encoded())
        }
        let events = Self.serve(server) { $0.contains(where: Self.isDisconnect) || !expectDisconnect }
        #expect(events.contains(where: Self.isDisconnect) == expectDisconnect)
        if expectDisconnect {
            Self.serve(server) { _ in hostile.pump(); return hostile.isClosedByServer }
            #expect(hostile.isClosedByServer)
        }
        let client = try RawPeer(address: address)
        #expect(try Self.ask(server, client, "REQUEST\nStateItemValueGet\nx\n") == bytes("REPLY_SUCCESS\nvalue of x"))
    }

    @Test("a peer that sends requests and never reads does not hold the server up")
    func neverReads() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        let big: (ControlRequest) -> ControlReply = { _ in .success(String(repeating: "x", count: 1 << 20)) }
        let greedy = try RawPeer(address: address)
        var flood = ZMTPGreeting().encoded() + ZMTPCommand.ready(socketType: .req).frame.encoded()
        for _ in 0..<50 {
            flood += ZMTPFrame(body: [], more: true).encoded() + ZMTPFrame(body: bytes("REQUEST\nStateDump\n")).encoded()
        }
        greedy.send(flood)
        let events = Self.serve(server, handler: big) { $0.contains(where: Self.isRequest) }
        // One reply is stuck on its way out; the peer's other requests wait unread.
        #expect(events.filter(Self.isRequest).count == 1)
        let client = try RawPeer(address: address)
        #expect(try Self.ask(server, client, "REQUEST\nStateItemValueGet\ny\n") == bytes("REPLY_SUCCESS\nvalue of y"))
    }

    @Test("with too many connections the least recently active one makes room")
    func tooManyConnections() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        var idle: [RawPeer] = []
        for _ in 0..<ZeroMQControlServer.maximumConnections {
            idle.append(try RawPeer(address: address))
            // Accepted as they come, so that none waits in the listen backlog.
            server.process(handler: Self.handler)
        }
        #expect(server.descriptors.count == ZeroMQControlServer.maximumConnections + 1)
        let client = try RawPeer(address: address)
        #expect(try Self.ask(server, client, "REQUEST\nStateItemValueGet\nz\n") == bytes("REPLY_SUCCESS\nvalue of z"))
        #expect(server.descriptors.count == ZeroMQControlServer.maximumConnections + 1)
        #expect(idle[0].isClosedByServer)
    }

    @Test("a stale socket file is replaced; tcp on 127.0.0.1 with an ephemeral port binds")
    func binding() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("zmq.sock")
        let first = try ZeroMQControlServer(address: "ipc://" + path)
        // A crashed teamd leaves its socket file; the next one takes the path over.
        let second = try ZeroMQControlServer(address: "ipc://" + path)
        let peer = try RawPeer(address: "ipc://" + path)
        #expect(try Self.ask(second, peer, "REQUEST\nStateItemValueGet\nq\n") == bytes("REPLY_SUCCESS\nvalue of q"))
        first.close()
        second.close()
        let tcp = try ZeroMQControlServer(address: "tcp://127.0.0.1:*")
        #expect(tcp.descriptor != nil)
        tcp.close()
    }

    @Test("bad addresses fail at bind and at connect with libzmq's errno")
    func badAddress() {
        #expect(throws: ZeroMQServerError.system(operation: "zmq_bind nonsense://x", errno: EPROTONOSUPPORT)) {
            try ZeroMQControlServer(address: "nonsense://x")
        }
        #expect(throws: ZeroMQServerError.system(operation: "zmq_bind tcp://nosuchif0:5555", errno: ENODEV)) {
            try ZeroMQControlServer(address: "tcp://nosuchif0:5555")
        }
        #expect(throws: TeamdControlError.zeroMQFailed(operation: "zmq_connect nonsense://x", errno: EPROTONOSUPPORT)) {
            try ZeroMQControlTransport(address: "nonsense://x")
        }
        #expect(throws: TeamdControlError.zeroMQFailed(operation: "zmq_connect tcp://127.0.0.1", errno: EINVAL)) {
            try ZeroMQControlTransport(address: "tcp://127.0.0.1")
        }
        #expect(throws: TeamdControlError.zeroMQFailed(operation: "zmq: no address given", errno: EINVAL)) {
            try ZeroMQControlTransport(address: "")
        }
    }

    @Test("nothing listening: the call times out, and the transport is closed after")
    func nothingListens() throws {
        let directory = TemporaryDirectory()
        let transport = try ZeroMQControlTransport(address: "ipc://" + directory.file("none.sock"), timeout: .milliseconds(300))
        #expect(throws: TeamdControlError.timedOut) { try transport.call(.stateDump) }
        #expect(throws: TeamdControlError.connectionClosed) { try transport.call(.stateDump) }
    }

    @Test("our REQ client and our REP server talk, several calls on one connection")
    func clientAgainstServer() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        let thread = ServerThread(zeroMQ: server)
        defer { thread.stop() }
        let transport = try ZeroMQControlTransport(address: address)
        #expect(try transport.call(.stateItemValueGet(path: "setup.runner_name")) == "value of setup.runner_name")
        #expect(throws: TeamdControlError.errorReply(ControlError(code: .noSuchDevice, message: "No such device."))) {
            try transport.call(.portAdd(port: "eth9"))
        }
        #expect(try transport.call(.configDump) == "")
    }
}

extension ServerThread {
    /// The ZeroMQ control server's loop on a thread of its own, answering with `ZeroMQServerTests.handler`.
    convenience init(zeroMQ server: ZeroMQControlServer) {
        self.init(pollSet: {
            (server.descriptors.map { pollfd(fd: $0, events: server.pollEvents(for: $0), revents: 0) },
             Int32(server.timeoutMilliseconds() ?? -1))
        }, serve: { _ in _ = server.process(handler: ZeroMQServerTests.handler) })
    }
}

@Suite("ZeroMQ addresses")
struct ZeroMQEndpointTests {
    static let acceptedAddresses: [(String, Bool, ZeroMQEndpoint)] = [
        ("tcp://127.0.0.1:5555", false, .tcp(host: .ipv4([127, 0, 0, 1]), port: 5555)),
        ("tcp://*:5555", true, .tcp(host: .any, port: 5555)),
        ("tcp://127.0.0.1:*", true, .tcp(host: .ipv4([127, 0, 0, 1]), port: 0)),
        ("tcp://localhost:5555", false, .tcp(host: .name("localhost"), port: 5555)),
        ("tcp://eth0:5555", true, .tcp(host: .name("eth0"), port: 5555)),
        ("tcp://[::1]:5555", false, .tcp(host: .ipv6([UInt8](repeating: 0, count: 15) + [1]), port: 5555)),
        ("tcp://::1:5555", true, .tcp(host: .ipv6([UInt8](repeating: 0, count: 15) + [1]), port: 5555)),
        ("ipc:///run/teamd/team0.zmq", true, .ipc(path: "/run/teamd/team0.zmq")),
        ("ipc://@abstract", false, .ipc(path: "@abstract")),
    ]

    @Test("addresses teamd and teamdctl take", arguments: acceptedAddresses)
    func accepts(address: String, forBinding: Bool, endpoint: ZeroMQEndpoint) throws {
        #expect(try ZeroMQEndpoint(parsing: address, forBinding: forBinding) == endpoint)
    }

    // The errno is libzmq's for the same address (zmq_connect/zmq_bind in libzmq 4.3.4), where
    // libzmq refuses it too; names are refused since they need the name service.
    static let refusedAddresses: [(String, Bool, Int32)] = [
        ("nonsense://x", false, EPROTONOSUPPORT),
        ("TCP://127.0.0.1:5555", false, EPROTONOSUPPORT),
        ("inproc://x", true, EPROTONOSUPPORT),
        ("x", false, EINVAL),
        ("tcp://127.0.0.1", false, EINVAL),
        ("tcp://127.0.0.1:abc", true, EINVAL),
        ("tcp://*:5555", false, EINVAL),
        ("tcp://127.0.0.1:*", false, EINVAL),
        ("tcp://127.0.0.1:65536", true, EINVAL),
        ("tcp://nosuch.example:5555", false, EINVAL),
        ("ipc://", false, EINVAL),
        ("ipc://*", true, EINVAL),
        ("ipc://" + String(repeating: "a", count: 120), true, ENAMETOOLONG),
    ]

    @Test("addresses refused, with libzmq's errno", arguments: refusedAddresses)
    func refuses(address: String, forBinding: Bool, code: Int32) {
        #expect(throws: ZeroMQEndpointError(address: address, errno: code)) {
            try ZeroMQEndpoint(parsing: address, forBinding: forBinding)
        }
    }
}
