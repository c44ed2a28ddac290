import Packets
import Testing
import TeamJSON
import TeamKit
import TeamTesting
import TeamWire
import TeamdControl
@testable import TeamdCore

extension LACPDaemonHarness {
    /// Queues, on each of `names`, the partner's LACPDU that says it no longer distributes to the port
    /// (what it sends once it heard our Synchronization drop).
    func queuePartnerStopped(_ names: [String]) {
        for name in names {
            let index = index(name)
            let actor = LACPInfo(systemPriority: 65535, system: EthernetAddress(bytes: [0x52, 0x54, 0, 0, 0, 0x50])!,
                                 key: 0, portPriority: 255, port: UInt16(index + 100),
                                 state: [.activity, .timeout, .aggregation, .synchronization])
            ports[index]!.inbound.append(LACPDU(actor: actor, partner: .none)
                .frame(source: EthernetAddress(bytes: [0x52, 0x54, 0, 0, 1, UInt8(index)])!))
        }
    }

    func teamOption(_ name: String, arrayIndex: UInt32? = nil) -> TeamOptionValue? {
        kernel.options(ofTeam: team).first { $0.name == name && $0.portIndex == nil && $0.arrayIndex == arrayIndex }?.value
    }

    /// The ports the 256 transmit buckets point to.
    var bucketPorts: Set<UInt32> {
        Set((0..<256).compactMap { bucket -> UInt32? in
            if case .u32(let port)? = teamOption("lb_tx_hash_to_port_mapping", arrayIndex: UInt32(bucket)) { port } else { nil }
        })
    }
}

@Suite("teamd lacp against the fake kernel: draining and independent control")
struct DaemonLACPDrainTests {
    @Test("PortRemove drains first: the LACPDU out of sync, every bucket to the other port, then the release")
    func portRemoveDrains() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        h.clock = Daemon.monotonicMilliseconds
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers()
        let eth1 = try #require(h.ports[h.index("eth1")])
        h.queuePartnerStopped(["eth1"])
        #expect(h.daemon.call(method: "PortRemove", arguments: ["eth1"]) == .success(""))
        #expect(eth1.inbound.isEmpty, "the partner's answer was read before the release")
        #expect(eth1.lastPDU?.actor.state.contains(.synchronization) == false)
        #expect(h.teamOption("lb_tx_method") == .string("hash_to_port_mapping"))
        #expect(h.bucketPorts == [h.index("eth0")])
        #expect(h.kernel.links[h.index("eth1")]?.master == 0)
    }

    @Test("coupled_control false on a kernel without rx_enabled/tx_enabled: enabled ports, buckets on both")
    func independentOnOldKernel() throws {
        let h = try LACPDaemonHarness(#"{"runner":{"name":"lacp","fast_rate":true,"coupled_control":false},"ports":{"eth0":{},"eth1":{}}}"#)
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers(rounds: 4)
        #expect(h.item("runner.coupled_control") == .success("false"))
        #expect(!h.daemon.engine.context.kernelSeparatesRxTx)
        #expect((h.daemon.engine.runner as? LACPRunner)?.config.coupledControl == false)
        #expect((h.daemon.engine.runner as? LACPRunner)?.hashMapping != nil)
        #expect(h.teamOption("lb_tx_method") == .string("hash_to_port_mapping"))
        #expect(h.bucketPorts == [h.index("eth0"), h.index("eth1")])
        #expect(h.option("enabled", port: "eth0") == .bool(true) && h.option("enabled", port: "eth1") == .bool(true))
    }

    @Test("coupled_control false on a kernel with rx_enabled/tx_enabled: those options, the hash method kept")
    func independentOnNewKernel() throws {
        let h = try LACPDaemonHarness(#"{"runner":{"name":"lacp","fast_rate":true,"coupled_control":false},"ports":{"eth0":{},"eth1":{}}}"#)
        h.kernel.separatesRxTx = true
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers(rounds: 4)
        for name in ["eth0", "eth1"] {
            #expect(h.option("rx_enabled", port: name) == .bool(true))
            #expect(h.option("tx_enabled", port: name) == .bool(true))
        }
        #expect(h.teamOption("lb_tx_method") == .string("hash"))
        #expect(h.item("ports.eth0.runner.state") == .success("current"))
    }
}
