import Testing
import NetlinkCodec
import TeamWire
import TeamTesting
@testable import TeamKit
import Packets

@Suite struct RouteClientTests {
    @Test func createLookUpDumpDelete() throws {
        let kernel = FakeKernel()
        let route = RouteClient(transport: kernel.makeTransport(.route))
        let team = try route.createTeam(name: "team0", address: EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 9])!)
        #expect(team.kind == "team")
        #expect(team.address == EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 9]))
        #expect(try route.link(named: "team0")?.index == team.index)
        #expect(try route.link(index: team.index)?.name == "team0")
        #expect(try route.link(named: "nosuchdev") == nil)
        #expect(try route.dumpLinks().map(\.name) == ["lo", "team0"])
        do {
            try route.createTeam(name: "team0")
            Issue.record("NLM_F_EXCL did not refuse an existing name")
        } catch let error as NetlinkError {
            #expect(error.code == .kernel(errno: 17))
        }
        try route.deleteLink(index: team.index)
        #expect(try route.link(named: "team0") == nil)
    }

    @Test func enslaveNeedsThePortDown() throws {
        let kernel = FakeKernel()
        let route = RouteClient(transport: kernel.makeTransport(.route))
        let team = try route.createTeam(name: "team0")
        let eth1 = kernel.addLink(name: "eth1")
        try route.setUp(true, index: eth1)
        #expect(try route.link(index: eth1)?.isUp == true)
        do {
            try route.setMaster(port: eth1, master: team.index)
            Issue.record("an up port was enslaved")
        } catch let error as NetlinkError {
            #expect(error.code == .kernel(errno: 16))
        }
        try route.setUp(false, index: eth1)
        try route.setMaster(port: eth1, master: team.index)
        let port = try #require(try route.link(index: eth1))
        #expect(port.master == team.index)
        #expect(port.slaveKind == "team")
        #expect(port.isUp)
    }

    @Test func releaseRestoresOriginalAddress() throws {
        let lab = try Lab(mode: "roundrobin", enslave: false)
        let original = try #require(try lab.route.link(index: lab.eth1)).address
        try lab.route.setMaster(port: lab.eth1, master: lab.team)
        #expect(lab.route.originalAddress(port: lab.eth1) == original)
        // roundrobin gives ports the team's MAC; then someone changes it again.
        #expect(try lab.route.link(index: lab.eth1)?.address == EthernetAddress(bytes: [0x02, 0xaa, 0, 0, 0, 1]))
        try lab.route.setAddress(EthernetAddress(bytes: [0x02, 0xbb, 0, 0, 0, 2])!, index: lab.eth1)
        try lab.route.release(port: lab.eth1)
        let released = try #require(try lab.route.link(index: lab.eth1))
        #expect(released.address == original)
        #expect(released.master == 0)
        #expect(!released.isUp)
        #expect(lab.route.originalAddress(port: lab.eth1) == nil)
    }

    @Test func carrierOnTeamButNotOnVeth() throws {
        let lab = try Lab(enslave: false)
        try lab.route.setCarrier(true, index: lab.team)
        #expect(try lab.route.link(index: lab.team)?.carrier == true)
        try lab.route.setCarrier(false, index: lab.team)
        #expect(try lab.route.link(index: lab.team)?.carrier == false)
        #expect(throws: NetlinkError.self) { try lab.route.setCarrier(true, index: lab.eth1) }
    }

    @Test func linkEventsReportChangesAndRemovals() throws {
        let lab = try Lab(enslave: false)
        let events = try LinkEventSocket(transport: lab.kernel.makeTransport(.route))
        try lab.route.setUp(true, index: lab.eth1)
        try lab.route.deleteLink(index: lab.eth2)
        let seen = try events.drainEvents()
        #expect(seen.contains { if case .changed(let link) = $0 { link.index == lab.eth1 && link.isUp } else { false } })
        #expect(seen.contains { if case .removed(let link) = $0 { link.name == "eth2" } else { false } })
        #expect(try events.drainEvents().isEmpty)
    }

    @Test func linkEventOverrunIsReported() throws {
        let lab = try Lab(enslave: false)
        let transport = lab.kernel.makeTransport(.route)
        let events = try LinkEventSocket(transport: transport)
        transport.simulateOverrun()
        #expect(try events.drainEvents() == [.overrun])
    }

    @Test("after ENOBUFS the events still queued are older than the refetch: dropped, only .overrun is reported")
    func linkEventOverrunDiscardsTheQueue() throws {
        let lab = try Lab(enslave: false)
        let transport = lab.kernel.makeTransport(.route)
        let events = try LinkEventSocket(transport: transport)
        transport.queueLimit = 1
        try lab.route.setUp(true, index: lab.eth1)
        try lab.route.setUp(true, index: lab.eth2)
        transport.queueLimit = nil
        #expect(try events.drainEvents() == [.overrun])
        #expect(try events.drainEvents().isEmpty)
    }

    @Test func silentKernelTimesOut() throws {
        let connection = NetlinkConnection(transport: Silent(), timeout: .zero)
        #expect(throws: NetlinkError(.timedOut, operation: "dump links")) {
            try connection.request(NetlinkMessage(type: RouteMessageType.getLink), dump: true, operation: "dump links")
        }
    }
}

final class Silent: NetlinkTransport {
    func send(_ message: NetlinkMessage) throws {}
    func receive(timeout: Duration?) throws -> [NetlinkMessage] { [] }
    func joinGroup(_ group: UInt32) throws {}
    var pollDescriptor: Int32 { -1 }
    var portID: UInt32 { 1 }
}
