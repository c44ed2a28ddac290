import Glibc
import Logging
import Testing
import TeamKit
import TeamTesting
import TeamdControl
@testable import TeamdCore

/// A control transport whose one descriptor is a pipe with a request waiting; answering it ends the loop
/// (SIGTERM's byte on the loop's signal pipe). It notes how many team events were still queued then.
final class WaitingRequest: ControlTransport {
    let request: (read: Int32, write: Int32)
    let signal: Int32
    let queuedEvents: () -> Int
    var reply: ControlReply?
    var queuedWhenServed = 0

    init(signal: Int32, queuedEvents: @escaping () -> Int) {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        request = (fds[0], fds[1])
        self.signal = signal
        self.queuedEvents = queuedEvents
        var byte: UInt8 = 1
        _ = write(request.write, &byte, 1)
    }

    var descriptors: [Int32] { [request.read] }
    func pollEvents(for fd: Int32) -> Int16 { Int16(POLLIN) }
    func timeoutMilliseconds() -> Int64? { nil }
    func handleReadable(_ fd: Int32, handler: (ControlRequest) -> ControlReply) {
        var byte: UInt8 = 0
        _ = read(fd, &byte, 1)
        queuedWhenServed = queuedEvents()
        reply = handler(.stateDump)
        var term = UInt8(SIGTERM)
        _ = write(signal, &term, 1)
    }
    func handleTimeout(handler: (ControlRequest) -> ControlReply) {}
    func close() { Glibc.close(request.read); Glibc.close(request.write) }
}

@Suite("an event storm does not starve control requests")
struct EventStormTests {
    @Test("2000 link flaps queued: a waiting control request is answered in the first loop turns, before the storm is read")
    func controlRequestInterleaves() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        h.pump()
        let eth1 = try #require(h.kernel.index(of: "eth1"))
        for flap in 0..<2000 { h.kernel.setCarrier(flap % 2 == 1, index: eth1) }
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let kernel = h.kernel
        #expect(kernel.queuedTeamEvents == 2000)
        let transport = WaitingRequest(signal: fds[1], queuedEvents: { kernel.queuedTeamEvents })
        defer { transport.close() }
        let (status, _) = TeamdProcess.runLoop(daemon: h.daemon, signalFD: fds[0], transports: [transport],
                                          log: Logger(label: "test"))
        #expect(status == 0)
        guard case .success(let state)? = transport.reply else {
            Issue.record("the request was not answered: \(String(describing: transport.reply))")
            return
        }
        #expect(state.contains("\"eth1\""))
        // Served after the first turn's bounded read of the storm: most of it still waits.
        #expect(transport.queuedWhenServed >= 1000, "the storm was read before the request (\(transport.queuedWhenServed) left)")
        // The rest of the storm is handled in the turns after; the end state follows the last flap.
        h.pump()
        #expect(h.daemon.engine.ports[name: "eth1"]?.kernelLink.isLinkUp == true)
    }
}
