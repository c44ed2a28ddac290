import Glibc
import Packets
import Testing
import TeamJSON
import TeamKit
import TeamTesting
import TeamWire
import TeamdControl
@testable import TeamdCore

/// A port's LACP socket in memory: what the daemon sends is kept, what a test queues is received.
final class FakeFramePort: FramePort {
    let pollDescriptor: Int32
    private let writeEnd: Int32
    var inbound: [[UInt8]] = []
    var sent: [[UInt8]] = []

    /// A pipe only for a descriptor of its own that no other port shares.
    init() {
        var ends: [Int32] = [-1, -1]
        _ = pipe(&ends)
        pollDescriptor = ends[0]
        writeEnd = ends[1]
    }
    deinit {
        close(pollDescriptor)
        close(writeEnd)
    }

    func send(_ frame: [UInt8]) throws(PacketSocketError) { sent.append(frame) }
    func receive() throws(PacketSocketError) -> [UInt8]? { inbound.isEmpty ? nil : inbound.removeFirst() }

    var lastPDU: LACPDU? { sent.last.flatMap { try? LACPDU.decode(frame: $0).pdu } }
}

/// The daemon against the fake kernel with fake LACP sockets.
final class LACPDaemonHarness {
    let kernel = FakeKernel()
    let access: KernelAccess
    private var started: Daemon?
    /// The daemon, once `start()` made it.
    var daemon: Daemon { started! }
    /// The sockets the daemon opened, by port ifindex.
    final class Sockets { var byPort: [UInt32: FakeFramePort] = [:] }
    let sockets = Sockets()
    var ports: [UInt32: FakeFramePort] {
        get { sockets.byPort }
        set { sockets.byPort = newValue }
    }

    init(_ configText: String, ports names: [String] = ["eth0", "eth1"]) throws {
        for name in names { kernel.addLink(name: name) }
        let kernel = self.kernel
        var access = DaemonHarness.access(kernel)
        let sockets = self.sockets
        access.makeLACPPort = { index in
            let port = FakeFramePort()
            sockets.byPort[index] = port
            return port
        }
        self.access = access
        config = try TeamdConfig(parsing: configText)
    }
    let config: TeamdConfig

    /// The daemon's monotonic clock: frozen at 0 unless a test wants timers to run in real time (draining
    /// waits for a timer).
    var clock: @Sendable () -> Int64 = { 0 }

    /// Starts the daemon: the device opened, the ports added.
    func start() throws {
        started = try Daemon.start(config: config, options: DaemonOptions(deviceName: "team0"), kernel: access,
                                   clock: clock)
    }

    func pump(sourceLocation: SourceLocation = #_sourceLocation) {
        pumpUntilQuiet(daemon, kernel, sourceLocation: sourceLocation)
    }

    var team: UInt32 { kernel.index(of: "team0") ?? 0 }
    func index(_ name: String) -> UInt32 { kernel.index(of: name)! }
    func option(_ name: String, port: String) -> TeamOptionValue? {
        kernel.options(ofTeam: team).first { $0.name == name && $0.portIndex == index(port) }?.value
    }
    func item(_ path: String) -> ControlReply { daemon.call(method: "StateItemValueGet", arguments: [path]) }
    func setTeamUp() throws {
        try RouteClient(transport: kernel.makeTransport(.route)).setUp(true, index: team)
        pump()
    }

    /// A partner answering each port's last LACPDU, in sync.
    func partnerAnswers(rounds: Int = 3) {
        for _ in 0..<rounds {
            for (index, port) in ports {
                let ours = port.lastPDU
                var state: LACPState = [.activity, .timeout, .aggregation, .synchronization]
                if ours?.actor.state.contains(.synchronization) == true { state.formUnion([.collecting, .distributing]) }
                let actor = LACPInfo(systemPriority: 65535, system: EthernetAddress(bytes: [0x52, 0x54, 0, 0, 0, 0x50])!,
                                     key: 0, portPriority: 255, port: UInt16(index + 100), state: state)
                port.inbound.append(LACPDU(actor: actor, partner: ours?.actor ?? .none)
                    .frame(source: EthernetAddress(bytes: [0x52, 0x54, 0, 0, 1, UInt8(index)])!))
            }
            pump()
        }
    }
}

let lacpConfig = #"{"runner":{"name":"lacp","fast_rate":true},"ports":{"eth0":{"lacp_prio":10},"eth1":{}}}"#

@Suite("teamd lacp against the fake kernel")
struct DaemonLACPTests {
    @Test("start: loadbalance mode, one LACP socket per port, carrier down; nothing sent while the team is down")
    func start() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        h.pump()
        #expect(h.kernel.options(ofTeam: h.team).first { $0.name == "mode" }?.value == .string("loadbalance"))
        #expect(Set(h.ports.keys) == [h.index("eth0"), h.index("eth1")])
        #expect(h.kernel.links[h.team]?.carrier == false)
        #expect(h.ports.values.allSatisfy { $0.sent.isEmpty })
        #expect(h.item("ports.eth0.runner.state") == .success("disabled"))
        #expect(h.item("setup.kernel_team_mode_name") == .success("loadbalance"))
    }

    @Test("with the team up and a partner in sync: both ports enabled, carrier up, state as the C teamd's")
    func aggregate() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        try h.setTeamUp()
        let teamMAC = h.kernel.links[h.team]!.address
        for (index, port) in h.ports {
            let (header, pdu) = try LACPDU.decode(frame: try #require(port.sent.first))
            #expect(pdu.actor.system == teamMAC, "actor system is the team MAC")
            #expect(pdu.actor.port == UInt16(index))
            #expect(header.destination == .slowProtocolsMulticast)
        }
        h.partnerAnswers()
        #expect(h.option("enabled", port: "eth0") == .bool(true))
        #expect(h.option("enabled", port: "eth1") == .bool(true))
        #expect(h.kernel.links[h.team]?.carrier == true)
        #expect(h.item("ports.eth1.runner.state") == .success("current"))
        #expect(h.item("ports.eth1.runner.aggregator.id") == .success(String(h.index("eth0"))))
        #expect(h.item("ports.eth0.runner.prio") == .success("10"))
        #expect(h.item("ports.eth0.runner.actor_lacpdu_info.state") == .success("63"))
        #expect(h.item("runner.select_policy") == .success("lacp_prio"))
        #expect(h.item("runner.sys_prio") == .success("65535"))
        guard case .success(let dump) = h.daemon.call(method: "StateDump", arguments: []),
              let state = try? JSONValue(parsing: dump) else { Issue.record("no state dump"); return }
        let runner = try #require(state["ports"]?["eth0"]?["runner"]?.objectValue)
        // The C teamd's keys, plus SONiC's partner_retry_count (patch 0015) and statistics (its PR 23380),
        // and our member gate.
        #expect(Set(runner.keys) == ["actor_lacpdu_info", "aggregator", "key", "partner_lacpdu_info", "prio",
                                     "selected", "state", "partner_retry_count", "statistics", "gate", "draining"])
        #expect(Set(try #require(runner["partner_lacpdu_info"]?.objectValue).keys)
                == ["key", "port", "port_priority", "state", "system", "system_priority"])
    }

    @Test("state item set ports.X.runner.aggregator.selected: true is done, false OpNotSupp, bad value fails")
    func setAggregatorSelected() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers()
        let set = { (path: String, value: String) in h.daemon.call(method: "StateItemValueSet", arguments: [path, value]) }
        #expect(set("ports.eth1.runner.aggregator.selected", "true") == .success(""))
        #expect(set("ports.eth1.runner.aggregator.selected", "false")
                == .failure(ControlError(code: "OpNotSupp", message: "Operation not supported.")))
        #expect(set("ports.eth1.runner.aggregator.selected", "yes")
                == .failure(ControlError(code: "ItemValueSetFail", message: "Failed to set item value.")))
        #expect(set("ports.eth1.runner.state", "current") == .failure(ControlError(code: "OpNotSupp", message: "Operation not supported.")))
        #expect(set("ports.eth9.runner.aggregator.selected", "true")
                == .failure(ControlError(code: "PathDoesNotExist", message: "Item path does not exist.")))
    }

    @Test("bad frames from the wire are dropped; the daemon goes on")
    func badFrames() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers()
        let eth0 = try #require(h.ports[h.index("eth0")])
        eth0.inbound += [[], [0xff], Array(repeating: 0xaa, count: 200), Array(CapturedLACPDUFrames.inSync.prefix(60))]
        h.pump()
        #expect(eth0.inbound.isEmpty)
        #expect(h.item("ports.eth0.runner.state") == .success("current"))
        #expect(h.option("enabled", port: "eth0") == .bool(true))
    }

    @Test("on stop every port tells its partner it leaves the aggregate before its socket closes")
    func stopSaysGoodbye() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        h.clock = Daemon.monotonicMilliseconds
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers()
        #expect(h.ports.values.allSatisfy { $0.lastPDU?.actor.state.contains(.synchronization) == true })
        h.queuePartnerStopped(["eth0", "eth1"])
        h.daemon.stop()
        #expect(h.ports.values.allSatisfy { $0.inbound.isEmpty }, "each port drained before its release")
        #expect(h.ports.values.allSatisfy { $0.lastPDU?.actor.state.contains(.synchronization) == false })
        #expect(h.daemon.descriptors.count == 2, "only the netlink sockets are left")
    }

    @Test("a removed port's socket is closed and its descriptor leaves the poll set")
    func portRemoved() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        try h.setTeamUp()
        let fd = try #require(h.ports[h.index("eth1")]).pollDescriptor
        weak let socket = h.ports[h.index("eth1")]
        h.ports[h.index("eth1")] = nil
        #expect(h.daemon.call(method: "PortRemove", arguments: ["eth1"]) == .success(""))
        #expect(!h.daemon.descriptors.contains(fd))
        #expect(socket == nil, "the daemon let the socket go")
    }
}
