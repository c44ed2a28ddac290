import Packets
import Testing
import TeamJSON
import TeamKit
import TeamTesting
import TeamWire
import TeamdControl
@testable import TeamdCore

/// A watcher's packet socket as the daemon sees it: what it sent, and frames queued for it to read.
final class ScriptedFramePort: FramePort {
    let pollDescriptor: Int32
    let interfaceIndex: UInt32
    let filter: BPFProgram
    var sent: [[UInt8]] = []
    var inbox: [[UInt8]] = []

    init(descriptor: Int32, interfaceIndex: UInt32, filter: BPFProgram) {
        pollDescriptor = descriptor
        self.interfaceIndex = interfaceIndex
        self.filter = filter
    }

    func send(_ frame: [UInt8]) throws(PacketSocketError) { sent.append(frame) }

    /// As the kernel would: only what passes the filter is read.
    func receive() throws(PacketSocketError) -> [UInt8]? {
        while !inbox.isEmpty {
            let frame = inbox.removeFirst()
            if filter.run(on: frame, metadata: BPFMetadata(receivedFrame: frame)) != 0 { return frame }
        }
        return nil
    }
}

final class TestClock: @unchecked Sendable {
    var now: Int64 = 0
}

@Suite("teamd with ping watchers against the fake kernel")
struct PingDaemonTests {
    let kernel = FakeKernel()
    let clock = TestClock()
    var sockets: [ScriptedFramePort] { box.sockets }
    let box = SocketBox()

    final class SocketBox { var sockets: [ScriptedFramePort] = [] }

    func daemon(_ config: String) throws -> Daemon {
        for name in ["eth0", "eth1"] { kernel.addLink(name: name) }
        var access = DaemonHarness.access(kernel)
        let box = self.box
        access.makeWatcherPort = { index, filter in
            let port = ScriptedFramePort(descriptor: 9000 + Int32(box.sockets.count), interfaceIndex: index, filter: filter)
            box.sockets.append(port)
            return port
        }
        let clock = self.clock
        return try Daemon.start(config: try TeamdConfig(parsing: config), options: DaemonOptions(deviceName: "team0"),
                                kernel: access, clock: { clock.now })
    }

    func pump(_ d: Daemon, sourceLocation: SourceLocation = #_sourceLocation) {
        pumpUntilQuiet(d, kernel, sourceLocation: sourceLocation)
    }

    func advance(_ d: Daemon, by ms: Int64) {
        clock.now += ms
        d.fireDueTimers()
        pump(d)
    }

    func reply(to socket: ScriptedFramePort) throws -> [UInt8] {
        let request = try ARPPacket.decode(frame: try #require(socket.sent.last)).packet
        let partner = EthernetAddress(bytes: [0x7e, 0xbc, 0x53, 0xa2, 0xd5, 0xf3])!
        return ARPPacket(operation: .reply, senderMACAddress: partner, senderAddress: request.targetAddress,
                         targetMACAddress: request.senderMACAddress, targetAddress: request.senderAddress)
            .frame(source: partner, destination: request.senderMACAddress)
    }

    @Test("arp_ping end to end: a socket per port with the ARP filter, probes out, replies in, failover")
    func arpPing() throws {
        let d = try daemon(#"""
            {"runner": {"name": "activebackup"}, "ports": {"eth0": {"prio": 10}, "eth1": {}},
             "link_watch": {"name": "arp_ping", "target_host": "192.0.2.2", "interval": 100, "missed_max": 1}}
            """#)
        pump(d)
        #expect(sockets.count == 2)
        #expect(sockets.allSatisfy { $0.filter == .arpReplies(vlanID: nil) })
        let team = try #require(kernel.index(of: "team0"))
        let eth0 = try #require(kernel.index(of: "eth0")), eth1 = try #require(kernel.index(of: "eth1"))
        #expect(kernel.options(ofTeam: team).first { $0.name == "user_linkup_enabled" && $0.portIndex == eth0 }?.value == .bool(true))
        advance(d, by: 0) // init_wait 0: the first round, no port enabled, so both probe
        #expect(sockets.map(\.sent.count) == [1, 1])
        for s in sockets { s.inbox.append(try reply(to: s)); s.inbox.append([0xde, 0xad]) }
        pump(d)
        advance(d, by: 100)
        #expect(d.call(method: "StateItemValueGet", arguments: ["runner.active_port"]) == .success("eth0"))
        #expect(d.call(method: "StateItemValueGet", arguments: ["ports.eth0.link_watches.list.link_watch_0.up"]) == .success("true"))
        #expect(sockets[0].interfaceIndex == eth0 && sockets[1].interfaceIndex == eth1)
        // Only the enabled port probes now; eth1 stays up on the requests it hears through the switch.
        let before = sockets.map(\.sent.count)
        // eth0's replies stop; eth1 hears one reply per round. missed_max 1: eth0 is down after two rounds.
        func round() throws {
            sockets[1].inbox.append(try reply(to: sockets[0]))
            pump(d)
            advance(d, by: 100)
        }
        try round()
        #expect(sockets[1].sent.count == before[1], "eth1 is not enabled and does not probe")
        #expect(sockets[0].sent.count == before[0] + 1)
        #expect(d.call(method: "StateItemValueGet", arguments: ["runner.active_port"]) == .success("eth0"))
        try round()
        #expect(d.call(method: "StateItemValueGet", arguments: ["runner.active_port"]) == .success("eth1"))
        // (The two ports' rounds end at the same time in either order, so look one round later.)
        let atFailover = sockets.map(\.sent.count)
        try round()
        #expect(sockets[1].sent.count == atFailover[1] + 1, "eth1 is enabled now and probes")
        #expect(sockets[0].sent.count == atFailover[0], "eth0 is disabled and quiet")
        #expect(d.call(method: "StateItemValueGet", arguments: ["ports.eth0.link_watches.list.link_watch_0.missed"]) == .success("3"))
        #expect(d.call(method: "StateItemValueGet", arguments: ["ports.eth0.link_watches.list.link_watch_0.down_count"]) == .success("1"))
        d.stop()
    }

    @Test("nsna_ping: the IPv6 filter, and a host name that does not resolve fails the port with a clear error")
    func nsnaPing() throws {
        let d = try daemon(#"""
            {"runner": {"name": "activebackup"}, "ports": {"eth0": {}},
             "link_watch": [{"name": "nsna_ping", "target_host": "2001:db8::2"}, {"name": "ethtool"}]}
            """#)
        #expect(sockets.count == 1 && sockets[0].filter == .neighborAdvertisements())
        d.stop()
        #expect {
            try daemon(#"""
                {"ports": {"eth1": {}}, "link_watch": {"name": "arp_ping", "target_host": "no-such-host.invalid"}}
                """#)
        } throws: { error in
            "\(error)" == #"Failed to add port "eth1": arp_ping: target_host "no-such-host.invalid" does not resolve to an IPv4 address"#
        }
    }
}
