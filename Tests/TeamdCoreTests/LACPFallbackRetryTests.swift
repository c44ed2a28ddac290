import Packets
import Testing
import TeamJSON
@testable import TeamdCore

/// A port with its own lacp_prio, for the fallback order.
func lacpPort(_ name: String, _ index: UInt32, lacpPriority: UInt16 = 255) -> TeamPort {
    var p = port(name, index)
    p.settings.lacpPriority = lacpPriority
    return p
}

/// `pdu` as version 0xf1 with the given counts.
func withRetryCounts(_ pdu: LACPDU, actor: UInt8, partner: UInt8 = 3) -> LACPDU {
    LACPDU(actor: pdu.actor, partner: pdu.partner, retryCounts: LACPRetryCounts(actor: actor, partner: partner))
}

@Suite("lacp runner: SONiC's LACP fallback")
struct LACPFallbackTests {
    static let fallback = LACPConfig(fastRate: true, fallback: true)

    @Test("single: once every port is DEFAULTED, exactly one is enabled: the best lacp_prio, then the lowest port")
    func single() {
        // Patch 0020: "If system MACs differ, the port with the lower system wins. If port priorities differ,
        // the port with the higher priority wins. Otherwise, the port with the lower number wins." Our
        // actor system is the team's on every port, so the priority and the port number decide.
        var b = LACPBench(Self.fallback, ports: [lacpPort("eth0", 3), lacpPort("eth1", 7, lacpPriority: 100),
                                                 lacpPort("eth2", 5, lacpPriority: 100)])
        b.advance(by: 2999)
        #expect(!b.isEnabled(3) && !b.isEnabled(5) && !b.isEnabled(7), "no fallback while a port is EXPIRED")
        b.advance(by: 1)
        #expect(b.receiveState(5) == "fallback", "SONiC's name for the port state (patch 0020)")
        #expect(b.receiveState(3) == "defaulted" && b.receiveState(7) == "defaulted")
        #expect(b.isEnabled(5) && !b.isEnabled(3) && !b.isEnabled(7))
        #expect(b.carrier == true)
        // The actor keeps saying Defaulted, and in sync, collecting and distributing (patch 0020 sets
        // INFO_STATE_DEFAULTED for PORT_STATE_FALLBACK).
        #expect(b.lastSent(5)?.actor.state == [.activity, .timeout, .aggregation, .synchronization, .collecting,
                                               .distributing, .defaulted])
        #expect(b.engine.runner.state(context: b.engine.context)?["fallback"] == .bool(true))
    }

    @Test("any LACPDU ends fallback at once; the partner's ports then aggregate as usual")
    func lacpduEndsFallback() {
        var b = LACPBench(Self.fallback, ports: [lacpPort("eth0", 3), lacpPort("eth1", 5, lacpPriority: 100)])
        b.advance(by: 3000)
        #expect(b.isEnabled(5))
        // "If at least one port is currently receiving LACPDUs, don't do any fallback" (patch 0020).
        b.receive(Partner(inSync: []).pdu(port: 3, answering: b.lastSent(3)), on: 3)
        #expect(b.receiveState(5) == "defaulted")
        #expect(!b.isEnabled(5), "the fallback port stops at the first LACPDU, on any port")
        b.converge(Partner(), ports: [3, 5])
        #expect(b.isEnabled(3) && b.isEnabled(5) && b.aggregator(3) == b.aggregator(5))
        // The partner falls silent: both ports default again, and fallback returns.
        b.advance(by: 6000)
        #expect(b.receiveState(5) == "fallback" && b.isEnabled(5) && !b.isEnabled(3))
    }

    @Test("the fallback port loses its link: the next one takes over")
    func linkLoss() {
        var b = LACPBench(Self.fallback, ports: [lacpPort("eth0", 3), lacpPort("eth1", 5, lacpPriority: 100)])
        b.advance(by: 3000)
        b.link(5, up: false)
        #expect(b.isEnabled(3) && b.receiveState(3) == "fallback")
        #expect(b.carrier == true)
    }

    @Test("static: every DEFAULTED port is enabled, as one aggregate")
    func staticMethod() {
        var b = LACPBench(LACPConfig(fastRate: true, fallback: true, fallbackMethod: .static),
                          ports: [lacpPort("eth0", 3), lacpPort("eth1", 5), lacpPort("eth2", 7)])
        b.advance(by: 3000)
        for index: UInt32 in [3, 5, 7] {
            #expect(b.isEnabled(index) && b.receiveState(index) == "fallback")
        }
        #expect(b.aggregator(3) == b.aggregator(5) && b.aggregator(5) == b.aggregator(7))
    }

    @Test("without runner.fallback (the default) DEFAULTED ports stay disabled")
    func off() {
        var b = LACPBench(ports: [lacpPort("eth0", 3)])
        b.advance(by: 10_000)
        #expect(b.receiveState(3) == "defaulted" && !b.isEnabled(3) && b.carrier == false)
    }
}

@Suite("lacp runner: SONiC's retry count")
struct LACPRetryCountRunnerTests {
    @Test("a plain 802.3ad partner only ever sees version 1, whatever our count; it waits 3 periods")
    func plainPartner() {
        var b = LACPBench(LACPConfig(fastRate: true, retryCount: 5), ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        b.advance(by: 2999)
        #expect(b.receiveState(3) == "current")
        b.advance(by: 1)
        #expect(b.receiveState(3) == "expired")
        #expect(b.sent.allSatisfy { $0.pdu.version == 1 && $0.pdu.retryCounts == nil })
    }

    @Test("a partner asking for 5: we answer 0xf1 with both counts and wait 5 periods")
    func partnerAsks() {
        var b = LACPBench(ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        let before = b.sent.count
        b.receive(withRetryCounts(Partner().pdu(port: 3, answering: b.lastSent(3)), actor: 5), on: 3)
        // HLD: "if a 0xf1 LACP PDU is received by a device, then it will also respond with a 0xf1 LACP PDU".
        #expect(b.sent.count == before + 1, "told at once")
        #expect(b.lastSent(3)?.retryCounts == LACPRetryCounts(actor: 3, partner: 5))
        #expect(b.state(3)["partner_retry_count"] == .integer(5))
        // "timeout = interval × the partner's count".
        b.advance(by: 4999)
        #expect(b.receiveState(3) == "current")
        b.advance(by: 1)
        #expect(b.receiveState(3) == "expired")
        // "The LACP session goes down for whatever reason": the standard count applies.
        #expect(b.state(3)["partner_retry_count"] == .integer(3))
    }

    @Test("a version 1 LACPDU within 60 s of the last 0xf1 keeps the count; after, it resets it")
    func holdsSixtySeconds() {
        var b = LACPBench(LACPConfig(fastRate: false), ports: [port("eth0", 3)])
        let slow = Partner(fast: false)
        b.converge(slow, ports: [3])
        b.receive(withRetryCounts(slow.pdu(port: 3, answering: b.lastSent(3)), actor: 5), on: 3)
        b.advance(by: 30_000)
        // HLD: "if a 0x01 LACP PDU is received within 60 seconds of that, then the retry count will not get
        // reset to 3".
        b.receive(slow.pdu(port: 3, answering: b.lastSent(3)), on: 3)
        #expect(b.state(3)["partner_retry_count"] == .integer(5))
        b.advance(by: 30_000)
        b.receive(slow.pdu(port: 3, answering: b.lastSent(3)), on: 3)
        #expect(b.state(3)["partner_retry_count"] == .integer(3))
        #expect(b.lastSent(3)?.version == 1, "a partner that went back to version 1 gets version 1")
    }

    @Test("a 0xf1 count below 3 is illegal: dropped and counted")
    func illegalCount() {
        var b = LACPBench(ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        b.receive(withRetryCounts(Partner().pdu(port: 3, answering: b.lastSent(3)), actor: 2), on: 3)
        #expect(b.state(3)["partner_retry_count"] == .integer(3))
        #expect(b.state(3)["statistics"]?["lacpdu_illegal_pkts"] == .integer(1))
    }

    @Test("enable_retry_count false: a 0xf1 LACPDU is read as the version 1 LACPDU it holds")
    func disabled() {
        var b = LACPBench(LACPConfig(fastRate: true, enableRetryCount: false), ports: [port("eth0", 3)])
        b.converge(Partner(), ports: [3])
        b.receive(withRetryCounts(Partner().pdu(port: 3, answering: b.lastSent(3)), actor: 5), on: 3)
        #expect(b.receiveState(3) == "current" && b.isEnabled(3))
        #expect(b.state(3)["partner_retry_count"] == .integer(3))
        #expect(b.sent.allSatisfy { $0.pdu.version == 1 })
        #expect(throws: StateItemError.invalidValue("runner.enable_retry_count_feature is false")) {
            try b.engine.setRunnerStateItem(["retry_count"], value: "5")
        }
    }

    @Test("state item set runner.retry_count: 0xf1 on every port at once, for 3 minutes per count")
    func setAtRunTime() throws {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        let before = b.sent.count
        b.apply(try b.engine.setRunnerStateItem(["retry_count"], value: "5"))
        #expect(b.sent.count == before + 2, "one LACPDU per port, at once")
        #expect(b.lastSent(3)?.retryCounts == LACPRetryCounts(actor: 5, partner: 3))
        #expect(b.lastSent(5)?.retryCounts == LACPRetryCounts(actor: 5, partner: 3))
        #expect(b.engine.runner.state(context: b.engine.context)?["retry_count"] == .integer(5))
        #expect(b.isEnabled(3) && b.isEnabled(5), "no flap")
        for bad in ["2", "256", "five"] {
            #expect(throws: StateItemError.self) { try b.engine.setRunnerStateItem(["retry_count"], value: bad) }
        }
        // HLD: "A duration of 3 minutes times the retry count passes" -> the standard count again.
        for _ in 0..<(15 * 60) {
            b.advance(by: 1000)
            b.receive(Partner().pdu(port: 3, answering: b.lastSent(3)), on: 3)
            b.receive(Partner().pdu(port: 5, answering: b.lastSent(5)), on: 5)
        }
        #expect(b.engine.runner.state(context: b.engine.context)?["retry_count"] == .integer(3))
        #expect(b.lastSent(3)?.version == 1, "the partner never spoke 0xf1: version 1 again")
    }

    @Test("ours against ours: count 5 on both sides survives 4 s of silence at fast rate, 3 does not")
    func survivesSilence() {
        for count: UInt8 in [3, 5] {
            var b = LACPBench(LACPConfig(fastRate: true, retryCount: count), ports: [port("eth0", 3)])
            b.converge(Partner(), ports: [3])
            b.receive(withRetryCounts(Partner().pdu(port: 3, answering: b.lastSent(3)), actor: count), on: 3)
            b.advance(by: 4000)
            #expect((b.receiveState(3) == "current") == (count == 5), "count \(count)")
        }
    }
}
