import Packets
import Testing
import TeamJSON
import TeamWire
@testable import TeamdCore

/// A team running the lacp runner inside the engine, with a test clock: armed timers fire when the clock
/// passes them, in order; sent LACPDUs are decoded and kept; the kernel's `enabled` and the carrier are
/// what the actions last said.
struct LACPBench {
    var engine: TeamEngine
    var timers = TimerQueue()
    var now: Int64 = 0
    var sent: [(port: UInt32, pdu: LACPDU, at: Int64)] = []
    var carrier: Bool?
    var logs: [String] = []
    /// Every kernel option write, in order.
    var optionWrites: [(id: TeamOptionID, value: TeamOptionValue)] = []

    init(_ config: LACPConfig = LACPConfig(fastRate: true), ports: [TeamPort], teamUp: Bool = true) {
        engine = TeamEngine(runner: LACPRunner(config: config), teamAddress: teamMAC)
        apply(engine.teamAdminStateChanged(up: teamUp))
        apply(engine.start())
        for p in ports { apply(engine.addPort(p, watchers: [EthtoolWatcher()])) }
    }

    var runner: LACPRunner { engine.runner as! LACPRunner }

    mutating func apply(_ actions: [TeamAction]) {
        for action in actions {
            switch action {
            case .armTimer(let id, let ms): timers.arm(id, at: now + Int64(ms))
            case .cancelTimer(let id): timers.cancel(id)
            case .setCarrier(let on): carrier = on
            case .setOption(let id, let value): optionWrites.append((id, value))
            case .send(let port, let frame):
                // Every frame the runner sends must be a well-formed LACPDU from the port's own MAC.
                guard let (header, pdu) = try? LACPDU.decode(frame: frame) else {
                    Issue.record("port \(port) sent a frame that is not a LACPDU")
                    continue
                }
                #expect(header.destination == .slowProtocolsMulticast)
                if let member = engine.ports[index: port] { #expect(header.source.bytes == member.originalAddress.bytes) }
                sent.append((port, pdu, now))
            case .log(let text, _): logs.append(text)
            default: break
            }
        }
    }

    /// Moves the clock, firing every timer due on the way at its own time.
    mutating func advance(by ms: Int64) {
        let end = now + ms
        while let next = timers.nextDeadline, next <= end {
            now = next
            for id in timers.popDue(now: now) { apply(engine.timerFired(id)) }
        }
        now = end
    }

    mutating func receive(_ pdu: LACPDU, on port: UInt32) {
        apply(engine.frameReceived(port: port, bytes: pdu.frame(source: Partner.mac(0x99))))
    }

    mutating func link(_ index: UInt32, up: Bool) {
        apply(engine.kernelPortChanged(up ? linkUp(index) : linkDown(index)))
    }

    func state(_ index: UInt32) -> JSONObject {
        engine.runner.portState(engine.ports[index: index]!, context: engine.context)!
    }
    func receiveState(_ index: UInt32) -> String? { state(index)["state"]?.stringValue }
    func isSelected(_ index: UInt32) -> Bool { state(index)["selected"] == .bool(true) }
    func aggregator(_ index: UInt32) -> Int64? { state(index)["aggregator"]?["id"]?.integerValue }
    /// Whether the port carries our traffic (distributing): the kernel's `enabled`, or its transmit hash
    /// buckets once the runner uses the hash mapping (Decoupled.swift).
    func isEnabled(_ index: UInt32) -> Bool { runner.machines[index]?.flow.distributing ?? false }
    /// Whether the port receives: the kernel's `enabled` (or `rx_enabled`).
    func isReceiving(_ index: UInt32) -> Bool { engine.ports[index: index]!.isEnabled }
    func lastSent(_ port: UInt32) -> LACPDU? { sent.last { $0.port == port }?.pdu }
    func sentCount(_ port: UInt32, since: Int64) -> Int { sent.filter { $0.port == port && $0.at >= since }.count }

    /// The partner answers each port's last LACPDU a few times, as a real partner would, until both ends
    /// agree.
    mutating func converge(_ partner: Partner, ports: [UInt32]) {
        for _ in 0..<3 {
            for port in ports {
                receive(partner.pdu(port: port, answering: lastSent(port)), on: port)
            }
        }
    }
}

/// A scripted LACP partner: one system, a key, and port numbers derived from our ifindexes.
struct Partner {
    var systemPriority: UInt16 = 65535
    var system = Partner.mac(0x50)
    var key: UInt16 = 0
    var portPriority: UInt16 = 255
    var fast = true
    var active = true
    /// Ports the partner puts in its aggregate (Synchronization); others it leaves out.
    var inSync: Set<UInt32>? = nil
    var keyOf: [UInt32: UInt16] = [:]

    static func mac(_ last: UInt8) -> EthernetAddress { EthernetAddress(bytes: [0x52, 0x54, 0, 0, 0, last])! }

    func pdu(port: UInt32, answering ours: LACPDU?) -> LACPDU {
        var state: LACPState = [.aggregation]
        if active { state.insert(.activity) }
        if fast { state.insert(.timeout) }
        // The partner syncs when it agrees to aggregate, and collects once it has heard us in sync.
        if inSync?.contains(port) ?? true {
            state.insert(.synchronization)
            if ours?.actor.state.contains(.synchronization) == true { state.formUnion([.collecting, .distributing]) }
        }
        let actor = LACPInfo(systemPriority: systemPriority, system: system, key: keyOf[port] ?? key,
                             portPriority: portPriority, port: UInt16(port + 100), state: state)
        return LACPDU(actor: actor, partner: ours?.actor ?? .none)
    }
}

let inSyncState: LACPState = [.activity, .timeout, .aggregation, .synchronization, .collecting, .distributing]

@Suite("lacp runner: state machines with a test clock")
struct LACPRunnerTests {
    @Test("a port comes up EXPIRED, tells the partner at once, and is DEFAULTED after 3 s of silence")
    func silentPartner() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        #expect(b.carrier == false, "carrier down at start")
        #expect(b.receiveState(3) == "expired")
        #expect(b.lastSent(3)?.actor.state == [.activity, .timeout, .aggregation, .expired])
        #expect(b.lastSent(3)?.actor.system.bytes == teamMAC.bytes, "the actor system is the team's MAC")
        #expect(b.lastSent(3)?.actor.port == 3, "the port number is the ifindex")
        #expect(b.lastSent(3)?.partner == LACPInfo(state: .timeout))
        b.advance(by: 2999)
        #expect(b.receiveState(3) == "expired")
        b.advance(by: 1)
        #expect(b.receiveState(3) == "defaulted")
        // The values of the C teamd's dump in the same situation (Fixtures/StateView/c-lacp-defaulted).
        let s = b.state(3)
        #expect(s["actor_lacpdu_info"]?["state"] == .integer(71))
        #expect(s["partner_lacpdu_info"]?["state"] == .integer(2))
        #expect(s["partner_lacpdu_info"]?["system"] == .string("00:00:00:00:00:00"))
        #expect(s["aggregator"] == .object(["id": .integer(0), "selected": .bool(false)]))
        #expect(s["selected"] == .bool(false))
        #expect(!b.isEnabled(3) && !b.isEnabled(5))
        #expect(b.carrier == false)
        // A defaulted port keeps asking: fast periodic LACPDUs, about one a second.
        let t = b.now
        b.advance(by: 10_000)
        #expect((9...11).contains(b.sentCount(3, since: t + 1)), "\(b.sent.filter { $0.port == 3 }.map(\.at))")
    }

    @Test("the partner appears: selected, in sync, collecting and distributing; enabled; carrier up")
    func partnerAppears() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.advance(by: 5000)
        b.converge(Partner(), ports: [3, 5])
        for index: UInt32 in [3, 5] {
            #expect(b.receiveState(index) == "current")
            #expect(b.isSelected(index))
            #expect(b.isEnabled(index))
            #expect(b.lastSent(index)?.actor.state == inSyncState)
            #expect(b.state(index)["partner_lacpdu_info"]?["state"] == .integer(63))
        }
        #expect(b.aggregator(3) == 3 && b.aggregator(5) == 3, "one aggregator, named after its best port")
        #expect(b.carrier == true)
        #expect(b.engine.runner.state(context: b.engine.context) == [
            "active": .bool(true), "fast_rate": .bool(true), "select_policy": .string("lacp_prio"),
            "sys_prio": .integer(65535), "fallback": .bool(false), "enable_retry_count_feature": .bool(true),
            "retry_count": .integer(3), "min_ports": .integer(1), "coupled_control": .bool(true)])
    }

    @Test("a steady partner gets periodic LACPDUs only: none for answers that change nothing")
    func steadyState() {
        var b = LACPBench(ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        let t = b.now
        for _ in 0..<10 {
            b.advance(by: 1000)
            b.receive(Partner().pdu(port: 3, answering: b.lastSent(3)), on: 3)
        }
        #expect((9...11).contains(b.sentCount(3, since: t + 1)), "one per second, from the periodic machine")
        #expect(b.receiveState(3) == "current")
    }

    @Test("the partner falls silent: EXPIRED after 3 s (disabled), DEFAULTED and deselected after 3 more")
    func partnerTimesOut() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        b.advance(by: 3000)
        #expect(b.receiveState(3) == "expired")
        #expect(b.isSelected(3), "an expired port keeps its place for a moment")
        #expect(!b.isEnabled(3), "but the partner is no longer in sync")
        #expect(b.lastSent(3)?.actor.state.contains(.expired) == true)
        #expect(b.carrier == false)
        b.advance(by: 3000)
        #expect(b.receiveState(3) == "defaulted")
        #expect(!b.isSelected(3))
    }

    @Test("slow rate: current_while is 90 s; a slow partner gets a LACPDU every 30 s")
    func slowRate() {
        var b = LACPBench(LACPConfig(fastRate: false), ports: [port("eth0", 3)])
        b.converge(Partner(fast: false), ports: [3])
        #expect(b.lastSent(3)?.actor.state.contains(.timeout) == false)
        let t = b.now
        b.advance(by: 89_999)
        #expect(b.receiveState(3) == "current")
        #expect((2...4).contains(b.sentCount(3, since: t)), "about three periodic LACPDUs in 90 s")
        b.advance(by: 1)
        #expect(b.receiveState(3) == "expired")
    }

    @Test("the partner changes one port's key: that port forms another aggregator, which is not selected")
    func partnerChangesKey() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        var partner = Partner()
        b.converge(partner, ports: [3, 5])
        partner.keyOf[5] = 7
        b.converge(partner, ports: [3, 5])
        #expect(b.aggregator(3) == 3)
        #expect(b.aggregator(5) == 5)
        #expect(b.isSelected(5), "selected into its own aggregator")
        #expect(b.state(5)["aggregator"]?["selected"] == .bool(false))
        #expect(!b.isEnabled(5) && b.isEnabled(3))
        #expect(b.lastSent(5)?.actor.state.contains(.synchronization) == false)
        partner.keyOf[5] = nil
        b.converge(partner, ports: [3, 5])
        #expect(b.aggregator(5) == 3 && b.isEnabled(5), "back together")
    }

    @Test("link down: the port is disabled and deselected, the other keeps the traffic; link up: it rejoins")
    func linkDownUp() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        let before = b.sent.count
        b.link(3, up: false)
        #expect(b.receiveState(3) == "disabled")
        #expect(!b.isSelected(3) && !b.isEnabled(3))
        #expect(b.state(3)["partner_lacpdu_info"]?["system"] == .string("00:00:00:00:00:00"))
        #expect(b.isEnabled(5) && b.aggregator(5) == 5, "the aggregator is renamed after its remaining port")
        #expect(b.carrier == true)
        #expect(!b.sent[before...].contains { $0.port == 3 }, "nothing goes out of a disabled port")
        b.advance(by: 5000)
        #expect(!b.sent[before...].contains { $0.port == 3 }, "no periodic LACPDUs either")
        b.link(3, up: true)
        #expect(b.receiveState(3) == "expired")
        b.converge(Partner(), ports: [3, 5])
        #expect(b.isEnabled(3) && b.aggregator(3) == 3 && b.aggregator(5) == 3)
    }

    @Test("a port leaving the team says so: a last LACPDU out of sync, and nothing after")
    func portRemoved() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        b.apply(b.engine.removePort(index: 3))
        #expect(b.lastSent(3)?.actor.state == [.activity, .timeout, .aggregation])
        #expect(b.isEnabled(5) && b.carrier == true, "the other port goes on")
        let count = b.sent.count { $0.port == 3 }
        b.advance(by: 10_000)
        #expect(b.sent.count { $0.port == 3 } == count, "no timer of the port is left")
    }

    @Test("min_ports: carrier up only with that many ports enabled")
    func minimumPorts() {
        var b = LACPBench(LACPConfig(fastRate: true, minimumPorts: 2), ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(inSync: [3]), ports: [3, 5])
        #expect(b.isEnabled(3) && !b.isEnabled(5))
        #expect(b.carrier == false)
        b.converge(Partner(), ports: [3, 5])
        #expect(b.carrier == true)
        b.link(5, up: false)
        #expect(b.carrier == false)
    }

    /// Three ports: eth0 and eth1 to partner A, eth2 to partner B.
    func twoAggregators(_ policy: AggregatorSelectPolicy, speeds: [UInt32] = [1000, 1000, 1000],
                        prios: [Int32] = [0, 0, 0], sticky: Bool = false,
                        partnerB: Partner = Partner(system: Partner.mac(0x60))) -> LACPBench {
        var b = LACPBench(LACPConfig(fastRate: true, aggregatorSelectPolicy: policy), ports: [
            port("eth0", 3, prio: prios[0], speed: speeds[0]), port("eth1", 5, prio: prios[1], speed: speeds[1]),
            port("eth2", 7, prio: prios[2], speed: speeds[2], sticky: sticky)])
        b.converge(Partner(system: Partner.mac(0x50)), ports: [3, 5])
        b.converge(partnerB, ports: [7])
        return b
    }

    @Test("selection policies pick among two aggregators", arguments: [
        // (policy, speeds, prios, partner B's system priority, aggregator expected)
        (AggregatorSelectPolicy.lacpPriority, [1000, 1000, 1000], [0, 0, 0], UInt16(65535), Int64(3)),
        (.lacpPriority, [1000, 1000, 1000], [0, 0, 0], UInt16(100), Int64(7)),
        (.count, [1000, 1000, 1000], [0, 0, 0], UInt16(100), Int64(3)),
        (.bandwidth, [1000, 1000, 10000], [0, 0, 0], UInt16(65535), Int64(7)),
        (.bandwidth, [1000, 1000, 1000], [0, 0, 0], UInt16(100), Int64(3)),
        (.portConfig, [1000, 1000, 1000], [0, 0, 5], UInt16(65535), Int64(7)),
        (.portConfig, [1000, 1000, 1000], [0, 9, 5], UInt16(65535), Int64(5)),
    ] as [(AggregatorSelectPolicy, [UInt32], [Int32], UInt16, Int64)])
    func policies(policy: AggregatorSelectPolicy, speeds: [UInt32], prios: [Int32], prioB: UInt16, expected: Int64) {
        let b = twoAggregators(policy, speeds: speeds, prios: prios, partnerB: Partner(systemPriority: prioB, system: Partner.mac(0x60)))
        let selected = [UInt32(3), 5, 7].filter { b.state($0)["aggregator"]?["selected"] == .bool(true) }
        #expect(selected.map { b.aggregator($0) } == selected.map { _ in expected })
        #expect(!selected.isEmpty)
        for index: UInt32 in [3, 5, 7] {
            #expect(b.isEnabled(index) == (b.aggregator(index) == expected), "only the selected aggregator carries traffic")
        }
    }

    @Test("lacp_prio_stable keeps the aggregator it has when a better one appears; lacp_prio moves")
    func stable() {
        for (policy, expected) in [(AggregatorSelectPolicy.lacpPriorityStable, Int64(3)), (.lacpPriority, Int64(7))] {
            var b = LACPBench(LACPConfig(fastRate: true, aggregatorSelectPolicy: policy),
                              ports: [port("eth0", 3), port("eth1", 5), port("eth2", 7)])
            b.converge(Partner(), ports: [3, 5])
            #expect(b.isEnabled(3))
            // Partner B has the better system priority, so by lacp_prio its aggregator wins.
            b.converge(Partner(systemPriority: 1, system: Partner.mac(0x60)), ports: [7])
            #expect(b.state(7)["aggregator"]?["selected"] == .bool(expected == 7), "\(policy)")
            #expect(b.isEnabled(3) == (expected == 3), "\(policy)")
        }
    }

    @Test("port_config: an aggregator with a sticky port stays selected")
    func portConfigSticky() {
        var b = LACPBench(LACPConfig(fastRate: true, aggregatorSelectPolicy: .portConfig),
                          ports: [port("eth0", 3, prio: 1, sticky: true), port("eth1", 5, prio: 9)])
        b.converge(Partner(), ports: [3])
        #expect(b.isEnabled(3))
        b.converge(Partner(system: Partner.mac(0x60)), ports: [5])
        #expect(b.isEnabled(3) && !b.isEnabled(5), "eth1 has the higher prio, but eth0 is sticky")
    }

    @Test("ports.X.runner.aggregator.selected: true selects the port's aggregator; false is not an operation")
    func forcedAggregator() throws {
        var b = twoAggregators(.lacpPriority)
        #expect(b.isEnabled(3) && !b.isEnabled(7))
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth2", ["aggregator", "selected"], value: "true"))
        #expect(b.isEnabled(7) && !b.isEnabled(3) && !b.isEnabled(5))
        #expect(b.state(7)["aggregator"]?["selected"] == .bool(true))
        // Periodic traffic that changes nothing keeps the choice.
        b.advance(by: 1000)
        b.converge(Partner(system: Partner.mac(0x50)), ports: [3, 5])
        #expect(b.isEnabled(7))
        #expect(throws: StateItemError.noSuchItem) {
            try b.engine.setRunnerPortStateItem(port: "eth2", ["aggregator", "selected"], value: "false")
        }
        #expect(throws: StateItemError.self) {
            try b.engine.setRunnerPortStateItem(port: "eth2", ["aggregator", "selected"], value: "maybe")
        }
        b.link(7, up: false)
        #expect(throws: StateItemError.self) {
            try b.engine.setRunnerPortStateItem(port: "eth2", ["aggregator", "selected"], value: "true")
        }
        #expect(b.isEnabled(3), "with eth2 gone, the other aggregator takes over")
    }

    @Test("need-to-transmit is limited to three LACPDUs a second; what is held back goes out after")
    func transmitLimit() {
        var b = LACPBench(ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        b.advance(by: 1500)
        let t = b.now
        // The partner flips its sync bit back and forth: each flip moves our mux machine and so our
        // actor state, which asks for a LACPDU.
        for i in 0..<8 {
            b.receive(Partner(inSync: i % 2 == 0 ? [] : [3]).pdu(port: 3, answering: b.lastSent(3)), on: 3)
        }
        #expect(b.sentCount(3, since: t) <= 3)
        b.advance(by: 1000)
        #expect(b.sentCount(3, since: t) >= 4, "the held-back LACPDU went out when the interval ended")
        var perWindow: [Int64: Int] = [:]
        for s in b.sent where s.port == 3 { perWindow[s.at / 1000, default: 0] += 1 }
        #expect(perWindow.values.allSatisfy { $0 <= 4 })
    }

    @Test("bad frames are dropped with a log line, nothing changes but the counters")
    func badFrames() {
        var b = LACPBench(ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        var before = b.state(3)
        for frame in [[UInt8](), [1, 2, 3], Array(CapturedLACPDUFrames.inSync.prefix(40)),
                      CapturedLACPDUFrames.inSync.enumerated().map { $0.offset == 14 ? 2 : $0.element }] {
            let actions = b.engine.frameReceived(port: 3, bytes: frame)
            #expect(actions.allSatisfy { if case .log(_, true) = $0 { return true } else { return false } })
            b.apply(actions)
        }
        var after = b.state(3)
        #expect(after["statistics"]?["lacpdu_illegal_pkts"] == .integer(3))
        #expect(after["statistics"]?["marker_pdu_rx_stats"] == .integer(1))
        _ = before.removeValue(forKey: "statistics")
        _ = after.removeValue(forKey: "statistics")
        #expect(after == before)
        #expect(b.logs.contains { $0.contains("frame dropped") })
    }

    @Test("a port looped back to this team is never selected")
    func loopback() {
        var b = LACPBench(ports: [port("eth0", 3)])
        let us = teamMAC
        b.converge(Partner(system: us), ports: [3])
        #expect(b.receiveState(3) == "current")
        #expect(!b.isSelected(3) && !b.isEnabled(3))
    }

    @Test("passive at both ends: no LACPDUs; passive here, active partner: we answer")
    func passive() {
        var b = LACPBench(LACPConfig(active: false, fastRate: true), ports: [port("eth0", 3)])
        b.advance(by: 10_000)
        #expect(b.sent.isEmpty)
        b.converge(Partner(), ports: [3])
        #expect(b.lastSent(3)?.actor.state.contains(.activity) == false)
        #expect(b.isEnabled(3))
    }

    @Test("team administratively down: ports stay disabled and silent until it comes up")
    func teamDown() {
        var b = LACPBench(ports: [port("eth0", 3)], teamUp: false)
        b.advance(by: 5000)
        #expect(b.sent.isEmpty)
        #expect(b.receiveState(3) == "disabled")
        b.apply(b.engine.teamAdminStateChanged(up: true))
        #expect(b.receiveState(3) == "expired")
        b.converge(Partner(), ports: [3])
        #expect(b.isEnabled(3))
        b.apply(b.engine.teamAdminStateChanged(up: false))
        #expect(!b.isEnabled(3) && b.receiveState(3) == "disabled")
    }

    @Test("the team's MAC changes: ports take it and the partner hears the new actor system at once")
    func teamAddressChanges() {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        let newMAC = EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 0x77])!
        let actions = b.engine.teamAddressChanged(to: newMAC)
        #expect(actions.contains(.setPortAddress(port: 3, newMAC)) && actions.contains(.setPortAddress(port: 5, newMAC)))
        b.apply(actions)
        #expect(b.lastSent(3)?.actor.system.bytes == newMAC.bytes)
        #expect(b.lastSent(5)?.actor.system.bytes == newMAC.bytes)
        #expect(b.engine.ports[index: 3]?.address == newMAC)
    }

    @Test("a new port takes the team MAC and starts disabled; lacp_prio and lacp_key go out as the actor's")
    func portSettings() {
        var p = port("eth0", 3, prio: 0)
        p.settings.lacpPriority = 10
        p.settings.lacpKey = 4
        p.isEnabled = true
        var engine = TeamEngine(runner: LACPRunner(config: LACPConfig()), teamAddress: teamMAC)
        let actions = engine.addPort(p, watchers: [])
        #expect(actions.contains(.enable(3, false)))
        #expect(actions.contains(.setPortAddress(port: 3, teamMAC)))
        var b = LACPBench(ports: [p])
        #expect(b.lastSent(3)?.actor.portPriority == 10)
        #expect(b.lastSent(3)?.actor.key == 4)
        #expect(b.state(3)["prio"] == .integer(10) && b.state(3)["key"] == .integer(4))
        b.apply(b.engine.updateSettings(index: 3, PortSettings(lacpPriority: 20, lacpKey: 4)))
        #expect(b.lastSent(3)?.actor.portPriority == 20, "a settings change is told at once")
    }
}

@Suite("lacp machines one by one")
struct LACPMachineTests {
    @Test("receive machine transitions", arguments: [
        (LACPReceiveState.disabled, LACPReceiveState.Event.portEnabled, LACPReceiveState?.some(.expired)),
        (.disabled, .received, nil), (.disabled, .currentWhileExpired, nil),
        (.expired, .received, .current), (.defaulted, .received, .current), (.current, .received, .current),
        (.current, .currentWhileExpired, .expired), (.expired, .currentWhileExpired, .defaulted),
        (.defaulted, .currentWhileExpired, nil),
        (.current, .portDisabled, .disabled), (.expired, .portDisabled, .disabled), (.current, .portEnabled, nil),
    ] as [(LACPReceiveState, LACPReceiveState.Event, LACPReceiveState?)])
    func receive(from: LACPReceiveState, event: LACPReceiveState.Event, to: LACPReceiveState?) {
        #expect(from.next(on: event) == to)
    }

    @Test("entering EXPIRED keeps the partner but asks fast and drops its sync; DEFAULTED forgets it")
    func partnerOnEntry() {
        let partner = LACPInfo(systemPriority: 1, system: Partner.mac(1), key: 2, portPriority: 3, port: 4, state: inSyncState.subtracting(.timeout))
        let expired = LACPReceiveState.expired.partner(entering: partner)
        #expect(expired.sameIdentity(as: partner))
        #expect(expired.state.contains(.timeout) && !expired.state.contains(.synchronization))
        #expect(LACPReceiveState.defaulted.partner(entering: partner) == LACPInfo(state: .timeout))
        #expect(LACPReceiveState.disabled.partner(entering: partner) == .none)
        #expect(LACPReceiveState.current.currentWhile(fastRate: true) == 3000)
        #expect(LACPReceiveState.current.currentWhile(fastRate: false) == 90_000)
        #expect(LACPReceiveState.expired.currentWhile(fastRate: false) == 3000)
    }

    @Test("periodic and mux states")
    func periodicAndMux() {
        #expect(LACPPeriodicState.state(receive: .current, actorActive: true, partner: [.timeout]) == .fastPeriodic)
        #expect(LACPPeriodicState.state(receive: .current, actorActive: true, partner: []) == .slowPeriodic)
        #expect(LACPPeriodicState.state(receive: .current, actorActive: false, partner: []) == .noPeriodic)
        #expect(LACPPeriodicState.state(receive: .current, actorActive: false, partner: [.activity]) == .slowPeriodic)
        #expect(LACPPeriodicState.state(receive: .disabled, actorActive: true, partner: [.timeout]) == .noPeriodic)
        #expect(LACPMuxState.state(inSelectedAggregator: false, partner: inSyncState) == .detached)
        #expect(LACPMuxState.state(inSelectedAggregator: true, partner: [.activity]) == .attached)
        #expect(LACPMuxState.state(inSelectedAggregator: true, partner: inSyncState) == .collectingDistributing)
        #expect(LACPMuxState.independentState(inSelectedAggregator: false, partner: inSyncState) == .detached)
        #expect(LACPMuxState.independentState(inSelectedAggregator: true, partner: [.activity]) == .attached)
        #expect(LACPMuxState.independentState(inSelectedAggregator: true, partner: [.synchronization]) == .collecting)
        #expect(LACPMuxState.independentState(inSelectedAggregator: true, partner: inSyncState) == .distributing)
        #expect(LACPMuxState.independentState(inSelectedAggregator: true, partner: [], isFallback: true) == .distributing)
    }

    @Test("transmit machine: three per interval, the fourth waits for the interval's end")
    func transmit() {
        var t = LACPTransmitMachine()
        #expect(t.request() == .init(send: true, startInterval: true))
        #expect(t.request() == .init(send: true, startInterval: false))
        #expect(t.request() == .init(send: true, startInterval: false))
        #expect(t.request() == .init(send: false, startInterval: false))
        #expect(t.request() == .init(send: false, startInterval: false))
        #expect(t.intervalEnded() == .init(send: true, startInterval: true), "one held-back LACPDU, not two")
        #expect(t.intervalEnded() == .init(send: false, startInterval: false))
        #expect(t.request() == .init(send: true, startInterval: true))
    }
}

/// One captured frame (lab/captures/lacp-c-teamd.pcap, frame 5) for the daemon-level tests.
enum CapturedLACPDUFrames {
    static let inSync: [UInt8] = {
        let text = "0180c2000002ee15721aebc8880901010114ffffee15721aebc80000000a00033f0000000214ffff76fbab16df82000000ff00023f0000000310"
            + String(repeating: "0", count: 2 * 66)
        var bytes: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex {
            let j = text.index(i, offsetBy: 2)
            bytes.append(UInt8(text[i..<j], radix: 16)!)
            i = j
        }
        return bytes
    }()
}
