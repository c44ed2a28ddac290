#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import TeamdControl

@Suite("control peers: root only, a connection cap, loopback-only ZeroMQ")
struct PeerCheckTests {
    @Test("the NETLINK_SOCK_DIAG request for a TCP socket, byte for byte")
    func diagRequestBytes() {
        let client = SocketDiagnostics.Endpoint(address: [127, 0, 0, 1], port: 40000)
        let teamd = SocketDiagnostics.Endpoint(address: [127, 0, 0, 2], port: 5555)
        let bytes = SocketDiagnostics.ownerRequest(local: client, remote: teamd, sequence: 0x0102_0304)
        let expected: [UInt8] = [
            72, 0, 0, 0,  // nlmsg_len
            20, 0,  // SOCK_DIAG_BY_FAMILY
            1, 0,  // NLM_F_REQUEST: one socket, not a dump
            4, 3, 2, 1,  // nlmsg_seq
            0, 0, 0, 0,  // nlmsg_pid
            2, 6, 0, 0,  // AF_INET, IPPROTO_TCP, no extensions, pad
            0xFF, 0xFF, 0xFF, 0xFF,  // every state
            0x9C, 0x40, 0x15, 0xB3,  // sport 40000, dport 5555, network order
            127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // src
            127, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // dst
            0, 0, 0, 0,  // idiag_if
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // INET_DIAG_NOCOOKIE
        ]
        #expect(bytes == expected)
        let six = SocketDiagnostics.ownerRequest(
            local: .init(address: [UInt8](repeating: 0, count: 15) + [1], port: 1),
            remote: .init(address: [UInt8](repeating: 0, count: 15) + [1], port: 2), sequence: 1)
        #expect(six[16] == 10)  // AF_INET6
        #expect(Array(six[24..<28]) == [0, 1, 0, 2])
    }

    @Test("the kernel's answers: a socket's owner, no such socket, someone else's reply")
    func diagAnswers() throws {
        var owner: [UInt8] = [88, 0, 0, 0, 20, 0, 2, 0, 7, 0, 0, 0, 0, 0, 0, 0]
        owner += [UInt8](repeating: 0, count: 72)
        owner[16 + 64] = 0xFE  // idiag_uid 65534
        owner[16 + 65] = 0xFF
        #expect(try SocketDiagnostics.answer(owner, sequence: 7) == .owner(uid: 65534))
        #expect(throws: SocketDiagnostics.ReplyError.unexpected(type: 20, sequence: 7)) {
            try SocketDiagnostics.answer(owner, sequence: 8)
        }
        let error: [UInt8] = [36, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF]
            + [UInt8](repeating: 0, count: 16)
        #expect(try SocketDiagnostics.answer(error, sequence: 7) == .error(errno: ENOENT))
        #expect(throws: SocketDiagnostics.ReplyError.truncated) { try SocketDiagnostics.answer(Array(owner[..<40]), sequence: 7) }
    }

    @Test("the owner of the client socket of a loopback connection is found: this process's uid")
    func diagLive() throws {
        let server = try ZeroMQControlServer(address: "tcp://127.0.0.1:*")
        defer { server.close() }
        let listener = try #require(server.descriptor)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
        }
        try #require(connected == 0)
        let accepted = accept(listener, nil, nil)
        try #require(accepted >= 0)
        defer { close(accepted) }
        let ends = try #require(PeerCredentials.tcpEnds(accepted))
        #expect(ends.peerIsLoopback)
        #expect(PeerCredentials.tcpPeerOwnerUID(ends) == geteuid())
        #expect(PeerAdmission.tcpPeer(accepted, allowRemote: false) == (geteuid() == 0 ? .root : .refused(uid: geteuid())))
    }

    @Test("ZeroMQ binds only to loopback addresses unless remote binds are allowed")
    func remoteBind() throws {
        for address in ["tcp://*:0", "tcp://0.0.0.0:0", "tcp://[::]:0"] {
            #expect(throws: ZeroMQServerError.remoteBindRefused(address)) {
                try ZeroMQControlServer(address: address, allowRemote: false)
            }
        }
        for address in ["tcp://127.0.0.1:0", "tcp://127.1.2.3:0", "tcp://[::1]:0", "tcp://localhost:0"] {
            try ZeroMQControlServer(address: address, allowRemote: false).close()
        }
        try ZeroMQControlServer(address: "tcp://0.0.0.0:0", allowRemote: true).close()
        #expect(ZeroMQServerError.remoteBindRefused("tcp://*:1").description.contains("TEAMD_ZMQ_ALLOW_REMOTE=1"))
    }

    @Test("a refused peer's requests get PermissionDenied, undecoded")
    func permissionDenied() {
        let error = ControlRequestError.permissionDenied(uid: 65534)
        #expect(error.reply == .failure(ControlError(code: "PermissionDenied", message: "Only root may control teamd.")))
        #expect(String(decoding: error.reply.encoded(), as: UTF8.self)
            .hasPrefix("REPLY_ERROR\nPermissionDenied\nOnly root may control teamd."))
        #expect(PeerAdmission.refused(uid: 65534).refusal == error)
        #expect(PeerAdmission.root.refusal == nil)
    }

    @Test("the UNIX socket keeps at most its cap of clients: a new one replaces the least recently active")
    func connectionCap() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("cap.sock"), maximumConnections: 3)
        let first = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        first.send(ControlRequest.stateDump.encoded())
        server.serve(readable: server.activeConnections[0].descriptor) { _ in .success("{}") }
        #expect(first.receiveNow() == Array("REPLY_SUCCESS\n{}".utf8))
        let idle = try (0..<4).map { _ in try RawClient(path: server.path) }
        _ = server.handleReadable(server.listeningDescriptor)
        #expect(server.activeConnections.count == 3)
        // The first client spoke before the idle ones connected: it went first, then the
        // oldest idle one. They see their connection end; the newest three are served.
        for client in [first, idle[0]] {
            var byte: UInt8 = 0
            #expect(recv(client.descriptor, &byte, 1, Int32(MSG_DONTWAIT)) == 0)
        }
        idle[3].send(ControlRequest.stateDump.encoded())
        server.serve(readable: server.activeConnections[2].descriptor) { _ in .success("{}") }
        #expect(idle[3].receiveNow() == Array("REPLY_SUCCESS\n{}".utf8))
        // The listener is not left readable: nothing waits in its backlog.
        var entry = pollfd(fd: server.listeningDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 0) == 0)
    }

    @Test("an event subscriber waiting quietly is not the one that makes room: idle clients go first")
    func subscriberOutlivesTheCap() throws {
        let directory = TemporaryDirectory(prefix: "teamdctl-test")
        let server = try UnixControlServer(path: directory.file("cap.sock"), maximumConnections: 2)
        let subscriber = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let subscription = server.activeConnections[0]
        subscriber.send(ControlEventStream.subscribeRequest)
        #expect(server.handleReadable(subscription.descriptor) == [.subscribed(subscription)])
        _ = subscriber.receiveNow()
        // The subscriber is now the least recently active of all; five idle clients come after it.
        let idle = try (0..<5).map { _ in try RawClient(path: server.path) }
        _ = server.handleReadable(server.listeningDescriptor)
        #expect(server.activeConnections.count == 2)
        #expect(server.subscribedConnections == [subscription])
        #expect(server.publish(event: "{\"n\":1}") == [])
        #expect(subscriber.receiveNow() == ControlEventStream.encoded(event: "{\"n\":1}"))
        #expect(!subscriber.isClosedByPeer)
        #expect(idle.filter(\.isClosedByPeer).count == 4, "all idle clients but the newest made room")
    }
}
