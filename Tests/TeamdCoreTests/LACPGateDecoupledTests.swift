import Packets
import Testing
import TeamJSON
import TeamWire
@testable import TeamdCore

/// A partner with independent control: in sync once selected, collecting once it hears us in sync,
/// distributing once it hears us collecting (802.1AX 5.4.15, independent control).
private func independentPartner(port: UInt32, answering ours: LACPDU?) -> LACPDU {
    var pdu = Partner().pdu(port: port, answering: nil)
    pdu.actor.state.insert(.synchronization)
    if ours?.actor.state.contains(.synchronization) == true { pdu.actor.state.insert(.collecting) }
    if ours?.actor.state.contains(.collecting) == true { pdu.actor.state.insert(.distributing) }
    pdu.partner = ours?.actor ?? .none
    return pdu
}

private let collectingOnly: LACPState = [.synchronization, .collecting]
private let outOfSync: LACPState = [.synchronization, .collecting, .distributing]

extension LACPBench {
    /// The option writes from `since` on.
    func writes(since: Int, named name: String) -> [(id: TeamOptionID, value: TeamOptionValue)] {
        optionWrites[since...].filter { $0.id.name == name }
    }
    func portWrites(since: Int, named name: String, port: UInt32) -> [Bool] {
        writes(since: since, named: name).filter { $0.id.portIndex == port }.compactMap {
            if case .bool(let on) = $0.value { on } else { nil }
        }
    }
    func draining(_ index: UInt32) -> Bool { state(index)["draining"] == .bool(true) }
}

@Suite("lacp runner: the member gate and draining")
struct LACPGateTests {
    @Test("closing the gate: Synchronization FALSE in a LACPDU at once, no transmit bucket, receiving until the partner stops")
    func gateDrains() throws {
        // 802.1AX 5.4.15: "Selected = UNSELECTED + STANDBY" leaves COLLECTING_DISTRIBUTING: "Actor.Sync =
        // FALSE ... Disable_Distributing ... NTT = TRUE". The partner "Partner_Oper_Port_State.
        // Synchronization = FALSE" detaches in its turn; until its LACPDU says so, it may still send to us.
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        b.advance(by: 1000)
        #expect(b.writes(since: 0, named: "lb_tx_method").map(\.value) == [.string("hash_to_port_mapping")],
                "the mapping from the first port on (Debian 12's 6.1 has no per-port tx_enabled)")
        let mark = b.optionWrites.count, sentBefore = b.sent.count
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth0", ["gate"], value: "false"))
        #expect(b.sent.count == sentBefore + 1, "one LACPDU at once")
        let goodbye = try #require(b.lastSent(3))
        #expect(goodbye.actor.state.isDisjoint(with: outOfSync))
        // Debian 12's 6.1: eth0 stays enabled (receiving) and its 128 transmit buckets go to eth1.
        let buckets = b.writes(since: mark, named: "lb_tx_hash_to_port_mapping")
        #expect(buckets.count == 128 && buckets.allSatisfy { $0.value == .u32(5) })
        #expect(b.writes(since: mark, named: "enabled").isEmpty)
        #expect(b.isReceiving(3) && b.draining(3) && b.state(3)["gate"] == .bool(false))
        #expect(b.carrier == true)
        // The partner's next LACPDU: it no longer distributes to eth0; eth0 receives 300 ms more (the
        // partner's transmit path may follow its LACPDU late), then stops receiving too.
        b.receive(Partner().pdu(port: 3, answering: goodbye), on: 3)
        #expect(b.isReceiving(3) && b.draining(3))
        b.advance(by: 299)
        #expect(b.isReceiving(3))
        b.advance(by: 1)
        #expect(!b.isReceiving(3) && !b.draining(3) && b.isReceiving(5) && b.carrier == true)
        b.advance(by: 1000)
        b.converge(Partner(), ports: [3, 5])
        #expect(!b.isReceiving(3), "the gate stays closed whatever the partner says")
        let reopen = b.optionWrites.count
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth0", ["gate"], value: "true"))
        b.advance(by: 1000)
        b.converge(Partner(), ports: [3, 5])
        #expect(b.isReceiving(3) && b.lastSent(3)?.actor.state == inSyncState)
        let back = b.writes(since: reopen, named: "lb_tx_hash_to_port_mapping")
        #expect(back.count == 128 && back.allSatisfy { $0.value == .u32(3) }, "half the buckets back, the others stay")
        #expect(throws: StateItemError.self) { try b.engine.setRunnerPortStateItem(port: "eth0", ["gate"], value: "shut") }
    }

    @Test("a partner that never answers: the port stops receiving after 3 s")
    func drainTimesOut() throws {
        var b = LACPBench(LACPConfig(fastRate: false), ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(fast: false), ports: [3, 5])
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth0", ["gate"], value: "false"))
        b.advance(by: 2999)
        #expect(b.isReceiving(3) && b.draining(3))
        b.advance(by: 1)
        #expect(!b.isReceiving(3) && !b.draining(3))
        #expect(b.logs.contains { $0.contains("still sends after 3000 ms") })
    }

    @Test("a port whose partner stopped on its own is not drained: it stops at once")
    func noDrainWhenPartnerLeft() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        b.converge(Partner(inSync: [5]), ports: [3, 5])
        #expect(!b.isReceiving(3) && !b.draining(3))
    }

    @Test("the engine drains a port before it leaves (PortRemove, teamd stopping)")
    func drainBeforeRemoval() throws {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        b.advance(by: 1000)
        b.apply(b.engine.drainPort(index: 3))
        #expect(b.engine.isDraining(index: 3) && b.lastSent(3)?.actor.state.contains(.synchronization) == false)
        b.receive(Partner().pdu(port: 3, answering: b.lastSent(3)), on: 3)
        b.advance(by: 300)
        #expect(!b.engine.isDraining(index: 3) && !b.isReceiving(3))
    }
}

@Suite("lacp runner: independent control (runner.coupled_control false)")
struct LACPIndependentControlTests {
    @Test("Debian 12's 6.1: collecting before distributing; the port enabled without buckets until it distributes")
    func hashMappingPath() throws {
        var config = LACPConfig(fastRate: true)
        config.coupledControl = false
        var b = LACPBench(config, ports: [port("eth0", 3)])
        for _ in 0..<3 { b.receive(independentPartner(port: 3, answering: b.lastSent(3)), on: 3) }
        let states = b.sent.filter { $0.port == 3 }.map(\.pdu.actor.state)
        let collecting = try #require(states.firstIndex { $0.intersection(outOfSync) == collectingOnly },
                                      "a LACPDU with Collecting and without Distributing")
        let distributing = try #require(states.firstIndex { $0.contains(.distributing) })
        #expect(collecting < distributing)
        // The kernel: the method at once; enabled (receiving) before any bucket; every bucket once distributing.
        let names = b.optionWrites.map(\.id.name)
        let method = try #require(names.firstIndex(of: "lb_tx_method"))
        let enabled = try #require(b.optionWrites.lastIndex { $0.id.name == "enabled" && $0.value == .bool(true) })
        let firstBucket = try #require(names.firstIndex(of: "lb_tx_hash_to_port_mapping"))
        #expect(enabled < firstBucket, "enabled (receiving) before any bucket")
        #expect(method < enabled, "the method with the first port")
        #expect(b.writes(since: 0, named: "lb_tx_hash_to_port_mapping").count == 256)
        #expect(b.isReceiving(3) && b.carrier == true && b.lastSent(3)?.actor.state.contains(outOfSync) == true)
        #expect(b.engine.runner.state(context: b.engine.context)?["coupled_control"] == .bool(false))
    }

    @Test("a kernel with rx_enabled and tx_enabled: receive switched on first, transmit once distributing; no hash mapping")
    func perPortOptionsPath() throws {
        var config = LACPConfig(fastRate: true)
        config.coupledControl = false
        var b = LACPBench(config, ports: [])
        b.engine.kernelSeparatesRxTx = true
        b.apply(b.engine.addPort(port("eth0", 3), watchers: [EthtoolWatcher()]))
        b.receive(independentPartner(port: 3, answering: b.lastSent(3)), on: 3)
        #expect(b.portWrites(since: 0, named: "rx_enabled", port: 3) == [true])
        #expect(b.portWrites(since: 0, named: "tx_enabled", port: 3).isEmpty)
        #expect(b.carrier == false)
        b.receive(independentPartner(port: 3, answering: b.lastSent(3)), on: 3)
        #expect(b.portWrites(since: 0, named: "tx_enabled", port: 3) == [true] && b.carrier == true)
        // Leaving: transmit off at once, receive once the partner stopped.
        let mark = b.optionWrites.count
        b.advance(by: 1000)
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth0", ["gate"], value: "false"))
        #expect(b.portWrites(since: mark, named: "tx_enabled", port: 3) == [false])
        #expect(b.portWrites(since: mark, named: "rx_enabled", port: 3).isEmpty)
        b.receive(Partner().pdu(port: 3, answering: b.lastSent(3)), on: 3)
        b.advance(by: 300)
        #expect(b.portWrites(since: mark, named: "rx_enabled", port: 3) == [false])
        #expect(b.writes(since: 0, named: "lb_tx_method").isEmpty && b.writes(since: 0, named: "enabled").isEmpty)
    }

    @Test("coupled control (the default) against a coupled partner: Synchronization, then all three together")
    func coupledUnchanged() {
        var b = LACPBench(ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        #expect(!b.sent.contains { $0.pdu.actor.state.intersection(outOfSync) == collectingOnly })
    }
}

@Suite("lacp: the transmit hash buckets")
struct LACPHashMappingTests {
    @Test("spread moves as few buckets as it can")
    func spread() {
        var m = LACPHashMapping()
        #expect(m.spread(over: []).isEmpty)
        #expect(m.spread(over: [5, 3]).count == 256)
        #expect(m.portOf.filter { $0 == 3 }.count == 128)
        #expect(m.spread(over: [3, 5]).isEmpty, "nothing moves when nothing changed")
        let joined = m.spread(over: [3, 5, 7])
        #expect(joined.count == 85 && joined.allSatisfy { m.portOf[$0] == 7 })
        #expect([3, 5, 7].map { p in m.portOf.filter { $0 == p }.count } == [86, 85, 85])
        let left = m.spread(over: [5, 7])
        #expect(left.count == 86, "only the leaving port's buckets move")
        #expect(m.portOf.filter { $0 == 5 }.count == 128 && m.portOf.filter { $0 == 7 }.count == 128)
    }
}
