import Testing
import Packets
import TeamKit
import TeamTesting
import TeamWire
import TeamdControl
@testable import TeamdCore

/// What the daemon does when something goes wrong underneath it: lost events, failed writes, failed starts.
@Suite("teamd recovers: lost link events, a failed step in a batch, a failed take-over with -N")
struct DaemonRecoveryTests {
    @Test("link events lost (ENOBUFS) while the team goes up: the links are refetched, LACP ports end enabled")
    func linkOverrunDuringTeamUp() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        h.pump()
        #expect(h.ports.values.allSatisfy { $0.sent.isEmpty }, "the team is down: LACP is quiet")
        try RouteClient(transport: h.kernel.makeTransport(.route)).setUp(true, index: h.team)
        h.kernel.linkEventsDropped()
        h.pump()
        #expect(h.ports.values.allSatisfy { !$0.sent.isEmpty }, "the refetch saw the team up: LACPDUs go out")
        h.partnerAnswers()
        #expect(h.option("enabled", port: "eth0") == .bool(true))
        #expect(h.option("enabled", port: "eth1") == .bool(true))
        #expect(h.item("ports.eth0.runner.state") == .success("current"))
    }

    @Test("link events lost and the team gone meanwhile: the daemon ends")
    func linkOverrunTeamGone() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        h.pump()
        try RouteClient(transport: h.kernel.makeTransport(.route)).deleteLink(index: h.team)
        h.kernel.linkEventsDropped()
        h.pump()
        #expect(h.daemon.shouldQuit)
    }

    @Test("the team's MAC changes twice, the second event lost: the event still queued does not undo the refetch")
    func staleLinkEventAfterOverrun() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        h.pump()
        let route = RouteClient(transport: h.kernel.makeTransport(.route))
        let second = EthernetAddress(bytes: [0x02, 0x5e, 0, 0, 0, 2])!
        h.kernel.limitLinkEventQueues(to: 1)
        try route.setAddress(EthernetAddress(bytes: [0x02, 0x5e, 0, 0, 0, 1])!, index: h.team)
        try route.setAddress(second, index: h.team)
        h.kernel.limitLinkEventQueues(to: nil)
        h.pump()
        #expect(h.daemon.engine.teamAddress == second)
        for port in ["eth0", "eth1"] {
            #expect(try route.link(index: #require(h.kernel.index(of: port)))?.address == second, "same_all: \(port) follows")
        }
    }

    @Test("one batch: a port joins whose priority write fails (ENODEV), and the active port's link drops; the failover still happens in that turn")
    func failedStepKeepsTheBatch() throws {
        let h = try DaemonHarness(activeBackup, ports: ["eth0", "eth1", "eth2"])
        try h.start()
        h.pump()
        let eth0 = try #require(h.kernel.index(of: "eth0")), eth1 = try #require(h.kernel.index(of: "eth1"))
        let eth2 = try #require(h.kernel.index(of: "eth2"))
        #expect(h.option("activeport") == .u32(eth0))
        h.kernel.failingOptionWrites[TeamOptionID(name: "priority", portIndex: eth2)] = 19 // ENODEV
        try RouteClient(transport: h.kernel.makeTransport(.route)).setMaster(port: eth2, master: h.team)
        h.kernel.setCarrier(false, index: eth0)
        h.daemon.handleReadable(h.daemon.team.eventDescriptor)
        #expect(h.option("activeport") == .u32(eth1), "eth0's drop was handled in the same turn")
        #expect(h.option("enabled", port: "eth1") == .bool(true))
        #expect(h.option("enabled", port: "eth0") == .bool(false))
        #expect(h.daemon.engine.ports[name: "eth2"] != nil, "the port whose write failed is still taken in")
    }

    @Test("a failed take-over (-o) with -N releases no port and keeps the device")
    func failedTakeOverHonoursNoQuitDestroy() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        let team = h.team
        var takeOver = DaemonOptions(deviceName: "team0")
        takeOver.takeOver = true
        takeOver.noQuitDestroy = true
        let failing = #"{"runner":{"name":"activebackup"},"ports":{"eth0":{},"eth1":{},"nosuch":{}}}"#
        #expect(throws: DaemonStartError.self) { try h.another(failing, takeOver) }
        #expect(h.team == team, "the device is kept")
        for name in ["eth0", "eth1"] {
            #expect(h.kernel.links[try #require(h.kernel.index(of: name))]?.master == team, "\(name) is still enslaved")
        }

        // Without -N the same failure releases the ports it took over (and keeps the device it did not make).
        takeOver.noQuitDestroy = false
        #expect(throws: DaemonStartError.self) { try h.another(failing, takeOver) }
        #expect(h.team == team)
        #expect(h.kernel.links[try #require(h.kernel.index(of: "eth0"))]?.master == 0)
    }
}
