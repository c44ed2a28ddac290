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

/// A raw SOCK_SEQPACKET client, for sending exactly the bytes a test wants.
final class RawClient {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
        let result = connectUnix(descriptor, to: path)
        if result != 0 { throw Errno(-result) }
    }

    deinit { close(descriptor) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// The next datagram, or nil if none is waiting (the server answers synchronously
    /// inside handleReadable, so a reply is either there or not coming).
    func receiveNow() -> [UInt8]? {
        let length = nextDatagramLength(descriptor, flags: Int32(MSG_DONTWAIT))
        guard length > 0, case .success(let bytes) = receiveDatagram(descriptor, length: length) else { return nil }
        return bytes
    }

    /// True when the server has closed the connection.
    var isClosedByPeer: Bool {
        nextDatagramLength(descriptor, flags: Int32(MSG_DONTWAIT)) == 0
    }
}

private func fileMode(_ path: String) -> mode_t? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    return status.st_mode
}

extension ServerThread {
    /// The UNIX control server's loop on a thread of its own; `stop()` also closes the server.
    convenience init(server: UnixControlServer, handler: @escaping (ControlRequest) -> ControlReply) {
        self.init(pollSet: { (server.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }, -1) },
                  serve: { entries in
                      for entry in entries where entry.revents != 0 { _ = server.serve(readable: entry.fd, handler: handler) }
                  },
                  onStop: { server.close() })
    }
}

@Suite("UNIX control socket")
struct SocketTests {
    @Test("the socket file is root-only while served and removed at close")
    func socketFile() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let path = directory.file("team0.sock")
        let server = try UnixControlServer(path: path)
        let mode = try #require(fileMode(path))
        #expect(mode & S_IFMT == S_IFSOCK)
        #expect(mode & 0o777 == 0o600)
        server.close()
        #expect(fileMode(path) == nil)
    }

    @Test("a stale socket is replaced; a live one or a plain file is left alone")
    func existingFiles() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let path = directory.file("team0.sock")
        // A socket bound and closed without unlinking: what a killed daemon leaves.
        let stale = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
        let address = try #require(UnixSocketAddress(path: path))
        _ = address.withSocketAddress { bind(stale, $0, $1) }
        close(stale)
        #expect(fileMode(path) != nil)
        let server = try UnixControlServer(path: path)
        #expect(try RawClient(path: path).send(ControlRequest.stateDump.encoded()) > 0)

        #expect(throws: ControlSocketError.alreadyInUse(path)) { try UnixControlServer(path: path) }
        // The refused second server must not have removed the first one's file.
        #expect(fileMode(path) != nil)
        server.close()

        let plain = directory.file("plain.sock")
        let file = fopen(plain, "w")
        fclose(file)
        #expect(throws: ControlSocketError.notASocket(plain)) { try UnixControlServer(path: plain) }
        #expect(fileMode(plain).map { $0 & S_IFMT } == S_IFREG)
    }

    @Test("a path longer than sun_path is refused")
    func longPath() {
        let path = "/tmp/" + String(repeating: "x", count: 120) + ".sock"
        #expect(throws: ControlSocketError.pathTooLong(path)) { try UnixControlServer(path: path) }
    }

    @Test("requests are decoded per connection and replies go to the right client")
    func requestsAndReplies() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let first = try RawClient(path: server.path)
        let second = try RawClient(path: server.path)
        let accepted = server.handleReadable(server.listeningDescriptor)
        #expect(accepted.count == 2)
        #expect(server.descriptors.count == 3)
        let connections = server.activeConnections
        #expect(accepted == connections.map { .accepted($0) })

        first.send(Array("REQUEST\nStateItemValueGet\nrunner.active_port\n".utf8))
        second.send(ControlRequest.portAdd(port: "eth1").encoded())
        let fromFirst = server.handleReadable(connections[0].descriptor)
        let fromSecond = server.handleReadable(connections[1].descriptor)
        #expect(fromFirst == [.request(.stateItemValueGet(path: "runner.active_port"), from: connections[0])])
        #expect(fromSecond == [.request(.portAdd(port: "eth1"), from: connections[1])])

        try server.send(.failure(.noSuchDevice), to: connections[1])
        try server.send(.success("tp0"), to: connections[0])
        #expect(first.receiveNow() == Array("REPLY_SUCCESS\ntp0".utf8))
        #expect(second.receiveNow() == Array("REPLY_ERROR\nNoSuchDev\nNo such device.\n".utf8))
        server.close()
    }

    @Test("several queued requests on one connection are all read")
    func pipelinedRequests() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let client = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        for request in [ControlRequest.configDump, .stateDump, .configDumpActual] { client.send(request.encoded()) }
        let events = server.serve(readable: server.activeConnections[0].descriptor) { request in
            .success(request.method.rawValue)
        }
        #expect(events.count == 3)
        #expect(client.receiveNow() == Array("REPLY_SUCCESS\nConfigDump".utf8))
        #expect(client.receiveNow() == Array("REPLY_SUCCESS\nStateDump".utf8))
        #expect(client.receiveNow() == Array("REPLY_SUCCESS\nConfigDumpActual".utf8))
    }

    @Test("malformed requests get an error reply and the server serves the next client")
    func malformedRequests() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"), maximumRequestSize: 4096)
        let bad = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let connection = server.activeConnections[0]
        let cases: [([UInt8], ControlErrorCode)] = [
            (Array("REQUEST\nFrobnicate\n".utf8), .unknownMethod),
            (Array("REQUEST\nPortAdd\nbad\\q\n".utf8), .invalidArguments),
            (Array("REQUEST\nPortAdd\n".utf8), .invalidArguments),
            (Array("HELLO\n".utf8), .invalidRequest),
            (Array("REQUEST\nPortConfigUpdate\neth0\n".utf8) + [UInt8](repeating: 0x41, count: 8192), .invalidRequest),
        ]
        var handled = 0
        for (message, code) in cases {
            bad.send(message)
            let events = server.serve(readable: connection.descriptor) { _ in
                handled += 1
                return .success("")
            }
            guard case .rejected(_, let from)? = events.first else {
                Issue.record("no rejection for \(code): \(events)")
                continue
            }
            #expect(from == connection)
            let reply = try ControlReply(decoding: try #require(bad.receiveNow()))
            guard case .failure(let error) = reply else {
                Issue.record("not an error reply: \(reply)")
                continue
            }
            #expect(error.code == code)
        }
        #expect(handled == 0)
        // The same connection and a new client are still served.
        bad.send(ControlRequest.stateDump.encoded())
        server.serve(readable: connection.descriptor) { _ in .success("{}") }
        #expect(bad.receiveNow() == Array("REPLY_SUCCESS\n{}".utf8))
        let good = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        good.send(ControlRequest.configDump.encoded())
        server.serve(readable: server.activeConnections[1].descriptor) { _ in .success("{\"device\": \"t\"}") }
        #expect(good.receiveNow() == Array("REPLY_SUCCESS\n{\"device\": \"t\"}".utf8))
    }

    @Test("a half-closed connection still gets its reply, then is closed")
    func halfClosed() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let client = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let connection = server.activeConnections[0]
        client.send(ControlRequest.stateDump.encoded())
        shutdown(client.descriptor, Int32(SHUT_WR))
        let events = server.serve(readable: connection.descriptor) { _ in .success("{}") }
        #expect(events == [.request(.stateDump, from: connection), .closed(connection)])
        #expect(client.receiveNow() == Array("REPLY_SUCCESS\n{}".utf8))
        #expect(server.activeConnections.isEmpty)
        #expect(server.descriptors == [server.listeningDescriptor])
        // A late reply to the dropped connection is refused, not sent to whoever gets its
        // descriptor number next.
        let next = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        #expect(throws: ControlSocketError.notConnected(connection)) { try server.send(.success("x"), to: connection) }
        #expect(next.receiveNow() == nil)
    }

    @Test("a client that disconnects without a word is closed")
    func disconnect() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        var client: RawClient? = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let connection = server.activeConnections[0]
        client?.send(ControlRequest.stateDump.encoded())
        client = nil
        // The request was sent before the close: it is still delivered, and the reply
        // to a gone client fails without stopping anything.
        let events = server.serve(readable: connection.descriptor) { _ in .success("{}") }
        #expect(events.first == .request(.stateDump, from: connection))
        #expect(events.contains(.closed(connection)))
        #expect(server.activeConnections.isEmpty)
        #expect(client == nil)
    }

    @Test("a reply larger than the default socket buffer arrives whole")
    func largeReply() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let thread = ServerThread(server: server) { _ in
            .success("\"" + String(repeating: "z", count: 300_000) + "\"")
        }
        defer { thread.stop() }
        let client = TeamdControlClient(transport: try UnixControlTransport(path: server.path))
        let dump = try client.stateDump()
        #expect(dump.utf8.count == 300_002)
    }

    @Test("the client calls every method and gets typed errors with code and message")
    func clientMethods() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("team0.sock"))
        let thread = ServerThread(server: server) { request in
            switch request {
            case .configDump: return .success("{\"device\": \"team0\"}")
            case .configDumpActual: return .success("{\"device\": \"team0\", \"ports\": {}}")
            case .stateDump: return .success("{\"setup\": {}}")
            case .portAdd(let port), .portRemove(let port):
                return port == "eth9" ? .failure(.noSuchDevice) : .success("")
            case .portConfigUpdate(_, let config):
                return config.contains("\n") ? .success("") : .failure(.configUpdateFailed)
            case .portConfigDump(let port): return .success("{\"port\": \"\(port)\"}")
            case .stateItemValueGet(let path):
                return path == "runner.active_port" ? .success("eth0") : .failure(.pathDoesNotExist)
            case .stateItemValueSet(let path, let value):
                return path == "setup.debug_level" && value == "2" ? .success("") : .failure(.operationNotSupported)
            }
        }
        defer { thread.stop() }
        let client = TeamdControlClient(transport: try UnixControlTransport(path: server.path))
        #expect(client.transport.name == "usock")
        #expect(try client.configDump() == "{\"device\": \"team0\"}")
        #expect(try client.configDumpActual() == "{\"device\": \"team0\", \"ports\": {}}")
        #expect(try client.stateDump() == "{\"setup\": {}}")
        try client.addPort("eth1")
        try client.removePort("eth1")
        #expect(throws: TeamdControlError.errorReply(.noSuchDevice)) { try client.addPort("eth9") }
        // The config travels with its newline escaped and arrives intact.
        try client.updatePortConfig("eth1", config: "{\n\"prio\": 1}")
        #expect(throws: TeamdControlError.errorReply(.configUpdateFailed)) {
            try client.updatePortConfig("eth1", config: "{}")
        }
        #expect(try client.portConfigDump("eth1") == "{\"port\": \"eth1\"}")
        #expect(throws: TeamdControlError.invalidArgument("port name \"abcdefghijklmnopq\" is too long")) {
            try client.portConfigDump("abcdefghijklmnopq")
        }
        #expect(try client.stateItemValue(at: "runner.active_port") == "eth0")
        do {
            _ = try client.stateItemValue(at: "nope")
            Issue.record("no error")
        } catch {
            #expect(error == .errorReply(ControlError(code: "PathDoesNotExist", message: "Item path does not exist.")))
            #expect(error.errno == EINVAL)
        }
        try client.setStateItemValue("2", at: "setup.debug_level")
        #expect(throws: TeamdControlError.errorReply(.operationNotSupported)) {
            try client.setStateItemValue("1", at: "setup.pid")
        }
    }

    @Test("no server: connect fails with the path and errno")
    func noServer() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let path = directory.file("none.sock")
        #expect(throws: TeamdControlError.connectFailed(path: path, errno: ENOENT)) {
            try UnixControlTransport(path: path)
        }
        // D-Bus: no bus daemon at the address.
        #expect(throws: TeamdControlError.busConnectFailed(errno: ENOENT)) {
            try DBusControlTransport(teamDevice: "team0", busAddress: "unix:path=" + directory.file("bus"))
        }
    }

    @Test("a server that does not answer makes the call time out")
    func timeout() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let transport = try UnixControlTransport(path: server.path, timeout: .milliseconds(50))
        _ = server.handleReadable(server.listeningDescriptor)
        #expect(throws: TeamdControlError.timedOut) { try transport.call(.stateDump) }
        #expect(TeamdControlError.timedOut.errno == ETIMEDOUT)
    }

    @Test("a server that closes the connection instead of answering")
    func closedByServer() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let transport = try UnixControlTransport(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        server.close()
        #expect(throws: TeamdControlError.connectionClosed) { try transport.call(.stateDump) }
    }

    @Test("a reply that is not a reply is a typed error")
    func malformedReply() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let transport = try UnixControlTransport(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let connection = server.activeConnections[0]
        // Answer with raw bytes before the call: the datagram waits in the client's queue.
        let raw = Array("HELLO\n".utf8)
        _ = raw.withUnsafeBytes { Glibc.send(connection.descriptor, $0.baseAddress, $0.count, 0) }
        #expect(throws: TeamdControlError.malformedReply(.unsupportedType("HELLO"))) { try transport.call(.stateDump) }
    }
}

@Suite("interface lookup")
struct InterfaceLookupTests {
    @Test("SIOCGIFINDEX on a packet socket, as the C tool: lo is 1, a missing name is not found")
    func lookup() {
        switch lookUpInterface("lo") {
        case .index(let index):
            #expect(index == 1)
            #expect(lookUpInterface("nosuchdev0") == .notFound)
            // Names are cut at IFNAMSIZ - 1 bytes by the kernel, as for the C tool.
            #expect(lookUpInterface("lo" + String(repeating: "x", count: 20)) == .notFound)
        case .failed(let code):
            // Without CAP_NET_RAW the packet socket cannot be opened, and the C tool
            // fails the same way.
            #expect(code == EPERM || code == EACCES)
        case .notFound:
            Issue.record("lo not found")
        }
    }
}
