#if canImport(Glibc)
import Glibc
#endif
import SystemSupport
import Testing
@testable import TeamdControl
@testable import TeamdctlCLI
import TestSupport

@Suite("event stream on the UNIX socket")
struct EventStreamSocketTests {
    @Test("the wire: the subscription request, event messages, and what a subscriber decodes")
    func wire() throws {
        #expect(ControlEventStream.subscribeRequest == Array("REQUEST\nEventSubscribe\n".utf8))
        #expect(ControlEventStream.subscription(in: ControlEventStream.subscribeRequest) == .subscribe)
        #expect(ControlEventStream.subscription(in: Array("REQUEST\nEventSubscribe\nx\n".utf8))
            == .invalid(.failure(.invalidArguments)))
        #expect(ControlEventStream.subscription(in: ControlRequest.stateDump.encoded()) == .notSubscription)
        #expect(ControlEventStream.subscription(in: Array("REPLY_SUCCESS\nEventSubscribe\n".utf8)) == .notSubscription)
        let message = ControlEventStream.encoded(event: #"{"event":"port_added"}"#)
        #expect(message == Array("EVENT\n{\"event\":\"port_added\"}\n".utf8))
        #expect(try ControlEventStream.decode(message) == .event(#"{"event":"port_added"}"#))
        #expect(try ControlEventStream.decode(ControlReply.success("").encoded()) == .reply(.success("")))
        #expect(throws: ControlReplyError.empty) { try ControlEventStream.decode(Array("EVENT\n".utf8)) }
    }

    @Test("a subscriber gets the success reply, then every event; a request on the same connection is answered")
    func subscribe() throws {
        let directory = TemporaryDirectory()
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let client = try RawClient(path: server.path)
        let other = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let connections = server.activeConnections
        client.send(ControlEventStream.subscribeRequest)
        #expect(server.handleReadable(connections[0].descriptor) == [.subscribed(connections[0])])
        #expect(client.receiveNow() == ControlReply.success("").encoded())
        #expect(server.subscribedConnections == [connections[0]])

        #expect(server.publish(event: "{\"n\":1}") == [])
        #expect(server.publish(event: "{\"n\":2}") == [])
        #expect(client.receiveNow() == ControlEventStream.encoded(event: "{\"n\":1}"))
        #expect(client.receiveNow() == ControlEventStream.encoded(event: "{\"n\":2}"))
        #expect(other.receiveNow() == nil, "only subscribers get events")

        client.send(ControlRequest.stateDump.encoded())
        _ = server.serve(readable: connections[0].descriptor) { _ in .success("{}") }
        #expect(client.receiveNow() == ControlReply.success("{}").encoded())

        client.send(Array("REQUEST\nEventSubscribe\nextra\n".utf8))
        _ = server.handleReadable(connections[0].descriptor)
        #expect(client.receiveNow() == ControlReply.failure(.invalidArguments).encoded())
        server.close()
        #expect(client.isClosedByPeer, "teamd's stop closes the stream")
    }

    @Test("a subscriber that does not read is dropped once its buffer is full; teamd never waits")
    func slowSubscriber() throws {
        let directory = TemporaryDirectory()
        let server = try UnixControlServer(path: directory.file("t.sock"))
        let stuck = try RawClient(path: server.path)
        let reader = try RawClient(path: server.path)
        _ = server.handleReadable(server.listeningDescriptor)
        let connections = server.activeConnections
        stuck.send(ControlEventStream.subscribeRequest)
        reader.send(ControlEventStream.subscribeRequest)
        _ = server.handleReadable(connections[0].descriptor)
        _ = server.handleReadable(connections[1].descriptor)
        _ = stuck.receiveNow()
        _ = reader.receiveNow()
        let line = "{\"pad\":\"" + String(repeating: "x", count: 1000) + "\"}"
        var dropped: [ControlServerEvent] = []
        var published = 0
        var read = 0
        while dropped.isEmpty && published < 100_000 {
            dropped = server.publish(event: line)
            published += 1
            while reader.receiveNow() != nil { read += 1 }
        }
        #expect(dropped == [.failed(.subscriberFellBehind(connections[0])), .closed(connections[0])])
        // The buffer held a bounded number of events (1 KiB each in a 256 KiB buffer).
        #expect(published > 50 && published < 1000, "\(published) events before the drop")
        #expect(read == published, "the subscriber that reads got every event")
        #expect(server.subscribedConnections == [connections[1]])
        server.close()
    }

    @Test("UnixControlTransport.subscribe hands over each event until teamd closes the stream")
    func clientSubscribe() throws {
        let directory = TemporaryDirectory()
        let server = try UnixControlServer(path: directory.file("team0.sock"))
        let thread = ServerThread(pollSet: { (server.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }, -1) },
                                  serve: { entries in
            for entry in entries where entry.revents != 0 {
                for event in server.handleReadable(entry.fd) {
                    guard case .subscribed = event else { continue }
                    for n in 1...3 { server.publish(event: "{\"n\":\(n)}") }
                    server.close()
                }
            }
        })
        defer { thread.stop() }
        let transport = try UnixControlTransport(path: server.path)
        var received: [String] = []
        try transport.subscribe { received.append($0) }
        #expect(received == ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"])
    }

    @Test("teamdctl monitor prints each event on its line; a stream cut without teamd_stop is an error")
    func monitor() {
        let stop = #"{"event":"teamd_stop","team":"team0","time":"2026-12-03T15:00:00.000000000Z"}"#
        let link = #"{"event":"port_link","port":"eth0","team":"team0","time":"2026-12-03T15:00:00.000000000Z","up":false}"#
        let ended = FakeTransport(device: "team0", state: "{}")
        ended.events = [link, stop]
        let (status, out, err, _) = runTeamdctl(["team0", "monitor"], transport: ended)
        #expect(status == 0)
        #expect(out == link + "\n" + stop + "\n")
        #expect(err == "")
        let cut = FakeTransport(device: "team0", state: "{}")
        cut.events = [link]
        let (cutStatus, cutOut, cutErr, _) = runTeamdctl(["team0", "m"], transport: cut)
        #expect(cutStatus == 1)
        #expect(cutOut == link + "\n")
        #expect(cutErr.contains("fell behind"))
        #expect(!TeamdctlCommand.usageLines.contains("monitor"), "the help stays the C tool's")
        let (dbusStatus, _, dbusErr, _) = runTeamdctl(["-D", "team0", "monitor"]) { _ throws(TeamdControlError) in
            FakeTransport(name: "dbus", answer: { request in
                switch request {
                case .configDump, .configDumpActual: .success("{\"device\": \"team0\"}")
                default: .success("{}")
                }
            })
        }
        #expect(dbusStatus == 1)
        #expect(dbusErr.contains("carries no event stream"), "\(dbusErr)")
    }
}

