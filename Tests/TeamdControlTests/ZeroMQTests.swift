#if canImport(Glibc)
import Glibc
#endif
import CZeroMQ
import Testing
@testable import TeamdControl

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("ZeroMQ framing and server")
struct ZeroMQTests {
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

    /// A raw REQ socket, to send exactly what a test wants to a server in this process.
    final class Client {
        let context: UnsafeMutableRawPointer
        let socket: UnsafeMutableRawPointer

        init(address: String) throws {
            context = try #require(zmq_ctx_new())
            socket = try #require(zmq_socket(context, ZMQ_REQ))
            var linger: Int32 = 0
            zmq_setsockopt(socket, ZMQ_LINGER, &linger, 4)
            #expect(zmq_connect(socket, address) == 0)
        }

        deinit {
            zmq_close(socket)
            zmq_ctx_term(context)
        }

        func send(_ message: [UInt8]) -> Bool { ZeroMQ.send(socket, message, flags: ZMQ_DONTWAIT) }

        /// The reply, waiting at most a few seconds (libzmq delivers in its own thread).
        func receive() -> [UInt8]? {
            var item = zmq_pollitem_t(socket: socket, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            guard zmq_poll(&item, 1, 5000) == 1 else { return nil }
            return ZeroMQ.receive(socket, flags: ZMQ_DONTWAIT)
        }
    }

    /// Lets the server work until `done` says so, polling its descriptor as teamd's loop does;
    /// gives up after a bounded number of rounds.
    static func serve(_ server: ZeroMQControlServer, handler: (ControlRequest) -> ControlReply,
                      until done: ([ZeroMQServerEvent]) -> Bool) -> [ZeroMQServerEvent]
    {
        var events: [ZeroMQServerEvent] = []
        for _ in 0..<50 {
            if let descriptor = server.descriptor {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&entry, 1, Int32(server.timeoutMilliseconds() ?? 100))
            }
            events += server.process(handler: handler)
            if done(events) { break }
        }
        return events
    }

    static func isRequest(_ event: ZeroMQServerEvent) -> Bool {
        if case .request = event { return true }
        return false
    }

    @Test("the server answers requests, malformed ones with an error, and keeps serving")
    func serverRoundTrip() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        // The socket file is root-only like the UNIX socket (umask 077 at bind).
        var status = stat()
        #expect(stat(directory.file("zmq.sock"), &status) == 0)
        #expect(status.st_mode & 0o077 == 0)

        let handler: (ControlRequest) -> ControlReply = { request in
            switch request {
            case .stateItemValueGet(let path): return .success("value of " + path)
            case .portAdd: return .failure(.noSuchDevice)
            default: return .success("")
            }
        }
        let client = try Client(address: address)
        #expect(client.send(bytes("REQUEST\nStateItemValueGet\nrunner.active_port\n")))
        let first = Self.serve(server, handler: handler) { $0.contains(where: Self.isRequest) }
        #expect(first == [.request(.stateItemValueGet(path: "runner.active_port"))])
        #expect(client.receive() == bytes("REPLY_SUCCESS\nvalue of runner.active_port"))

        #expect(client.send(bytes("REQUEST\nNope\n")))
        let second = Self.serve(server, handler: handler) { !$0.isEmpty }
        #expect(second == [.rejected(.unknownMethod("Nope"))])
        #expect(client.receive() == bytes("REPLY_ERROR\nUnknownMethod\nUnknown method \"Nope\".\n"))

        #expect(client.send(bytes("REQUEST\nPortAdd\neth9\n")))
        _ = Self.serve(server, handler: handler) { !$0.isEmpty }
        #expect(client.receive() == bytes("REPLY_ERROR\nNoSuchDev\nNo such device.\n"))

        // Closing removes the socket file it made.
        server.close()
        #expect(access(directory.file("zmq.sock"), F_OK) != 0)
    }

    @Test("a client sending 1 MiB is dropped by libzmq; the server goes on serving others")
    func oversized() throws {
        let directory = TemporaryDirectory()
        let address = "ipc://" + directory.file("zmq.sock")
        let server = try ZeroMQControlServer(address: address)
        defer { server.close() }
        let hostile = try Client(address: address)
        #expect(hostile.send(bytes("REQUEST\nPortAdd\n") + [UInt8](repeating: 0x41, count: 1 << 20)))
        let client = try Client(address: address)
        #expect(client.send(bytes("REQUEST\nStateDump\n")))
        let events = Self.serve(server, handler: { _ in .success("{}") }) { $0.contains(where: Self.isRequest) }
        #expect(events == [.request(.stateDump)])
        #expect(client.receive() == bytes("REPLY_SUCCESS\n{}"))
    }

    @Test("a bad address fails at bind and at connect with the errno")
    func badAddress() {
        #expect(throws: ZeroMQServerError.self) { try ZeroMQControlServer(address: "nonsense://x") }
        #expect(throws: TeamdControlError.zeroMQFailed(operation: "zmq_connect nonsense://x", errno: EPROTONOSUPPORT)) {
            try ZeroMQControlTransport(address: "nonsense://x")
        }
        #expect(throws: TeamdControlError.zeroMQFailed(operation: "zmq: no address given", errno: EINVAL)) {
            try ZeroMQControlTransport(address: "")
        }
    }
}
