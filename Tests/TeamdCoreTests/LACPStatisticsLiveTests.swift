import Packets
import Testing
import TeamJSON
@testable import TeamdCore

@Suite("lacp runner: counters, partner churn, changes at run time")
struct LACPStatisticsLiveTests {
    static let moment = WallClockTime(seconds: 1_750_746_605, nanoseconds: 482_917_192)

    @Test("the wall clock prints as SONiC's statistics do")
    func iso8601() {
        #expect(Self.moment.iso8601 == "2025-06-24T06:30:05.482917192Z")
        #expect(WallClockTime(seconds: 0).iso8601 == "1970-01-01T00:00:00.000000000Z")
        #expect(WallClockTime(seconds: 951_782_400, nanoseconds: 7).iso8601 == "2000-02-29T00:00:00.000000007Z")
    }

    @Test("received, sent, illegal and marker PDUs are counted with the last times; clear zeroes them")
    func counters() throws {
        var b = LACPBench(ports: [port("eth0", 3)])
        let stats0 = b.state(3)["statistics"]
        #expect(stats0?["last_lacpdu_rx_time"] == .string("N/A"))
        b.engine.wallClock = { Self.moment }
        b.converge(Partner(), ports: [3])
        b.advance(by: 2000)
        let received = 3
        var bad = Partner().pdu(port: 3, answering: nil).frame(source: Partner.mac(0x99))
        bad[EthernetHeader.length + 3] = 19  // actor TLV length
        b.apply(b.engine.frameReceived(port: 3, bytes: bad))
        var marker = bad
        marker[EthernetHeader.length] = 2    // slow protocols subtype: Marker
        b.apply(b.engine.frameReceived(port: 3, bytes: marker))
        let stats = try #require(b.state(3)["statistics"])
        #expect(stats["lacpdu_rx_stats"] == .integer(Int64(received)))
        #expect(stats["lacpdu_tx_stats"] == .integer(Int64(b.sent.count { $0.port == 3 })))
        #expect(stats["lacpdu_illegal_pkts"] == .integer(1))
        #expect(stats["marker_pdu_rx_stats"] == .integer(1))
        #expect(stats["last_lacpdu_rx_time"] == .string("2025-06-24T06:30:05.482917192Z"))
        #expect(stats["last_lacpdu_tx_time"] == .string("2025-06-24T06:30:05.482917192Z"))
        #expect(stats["partner_churn_count"] == .integer(0))
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth0", ["statistics", "clear"], value: "true"))
        #expect(b.state(3)["statistics"] == LACPPortStatistics().json)
        #expect(throws: StateItemError.self) {
            try b.engine.setRunnerPortStateItem(port: "eth0", ["statistics", "clear"], value: "false")
        }
        #expect(b.isEnabled(3), "clearing changes nothing else")
    }

    @Test("a partner out of sync for 60 s has churned (802.1AX 6.4.17); one in sync has not")
    func partnerChurn() {
        // "partner_churn_timer ... Churn_Detection_Time" (60 s); PARTNER_CHURN_MONITOR ->
        // PARTNER_CHURN when it expires, -> NO_PARTNER_CHURN on Partner_Oper_Port_State.Synchronization.
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        let partner = Partner(inSync: [5])
        for _ in 0..<61 {
            b.converge(partner, ports: [3, 5])
            b.advance(by: 1000)
        }
        #expect(b.state(3)["statistics"]?["partner_churn_count"] == .integer(1))
        #expect(b.state(5)["statistics"]?["partner_churn_count"] == .integer(0))
        for _ in 0..<120 {
            b.converge(Partner(), ports: [3, 5])
            b.advance(by: 1000)
        }
        #expect(b.state(3)["statistics"]?["partner_churn_count"] == .integer(1), "once churned, counted once")
    }

    @Test("LACPDUs are ignored while the team is administratively down (SONiC 0006), but counted")
    func adminDown() {
        var b = LACPBench(ports: [port("eth0", 3)], teamUp: false)
        b.receive(Partner().pdu(port: 3, answering: nil), on: 3)
        #expect(b.receiveState(3) == "disabled" && b.sent.isEmpty)
        #expect(b.state(3)["statistics"]?["lacpdu_rx_stats"] == .integer(1))
    }

    @Test("fast_rate changes at run time: the partner hears at once, no port leaves, current_while follows")
    func fastRate() throws {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        let before = b.sent.count
        b.apply(try b.engine.setRunnerStateItem(["fast_rate"], value: "false"))
        #expect(b.sent.count == before + 2, "one LACPDU per port, at once (NTT)")
        #expect(b.lastSent(3)?.actor.state.contains(.timeout) == false)
        #expect(b.isEnabled(3) && b.isEnabled(5) && b.carrier == true)
        // 5.4.12: current_while is the actor's LACP_Timeout: now 90 s, so a partner slowing down is fine.
        b.advance(by: 30_000)
        #expect(b.receiveState(3) == "current")
        #expect(b.engine.runner.state(context: b.engine.context)?["fast_rate"] == .bool(false))
        #expect(throws: StateItemError.invalidValue("\"yes\" is not true or false")) {
            try b.engine.setRunnerStateItem(["fast_rate"], value: "yes")
        }
    }

    @Test("sys_prio, min_ports, ports.X.runner.prio and .key change at run time")
    func otherSettings() throws {
        var b = LACPBench(ports: [port("eth0", 3), port("eth1", 5)])
        b.converge(Partner(), ports: [3, 5])
        var before = b.sent.count
        b.apply(try b.engine.setRunnerStateItem(["sys_prio"], value: "100"))
        #expect(b.sent.count == before + 2)
        #expect(b.lastSent(5)?.actor.systemPriority == 100)
        b.converge(Partner(), ports: [3, 5])
        #expect(b.isEnabled(3) && b.isEnabled(5))
        b.apply(try b.engine.setRunnerStateItem(["min_ports"], value: "3"))
        #expect(b.carrier == false)
        b.apply(try b.engine.setRunnerStateItem(["min_ports"], value: "2"))
        #expect(b.carrier == true)
        #expect(throws: StateItemError.self) { try b.engine.setRunnerStateItem(["min_ports"], value: "1025") }
        // Each change below comes a second later: three LACPDUs a second at most (5.4.16).
        b.advance(by: 1000)
        before = b.sent.count
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth0", ["prio"], value: "7"))
        #expect(b.sent.count == before + 1 && b.lastSent(3)?.actor.portPriority == 7)
        #expect(b.state(3)["prio"] == .integer(7))
        b.advance(by: 1000)
        b.apply(try b.engine.setRunnerPortStateItem(port: "eth1", ["key"], value: "9"))
        #expect(b.lastSent(5)?.actor.key == 9)
        #expect(throws: StateItemError.noSuchItem) { try b.engine.setRunnerStateItem(["no_such"], value: "1") }
        // A PortConfigUpdate speaks for the port again.
        var settings = b.engine.ports[index: 3]!.settings
        settings.lacpPriority = 20
        b.advance(by: 1000)
        b.apply(b.engine.updateSettings(index: 3, settings))
        #expect(b.lastSent(3)?.actor.portPriority == 20)
    }
}
