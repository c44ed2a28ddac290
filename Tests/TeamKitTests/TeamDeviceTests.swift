import Testing
import NetlinkCodec
import TeamWire
import TeamTesting
@testable import TeamKit
import Packets

/// A team with two veth ends, built through TeamKit over the FakeKernel.
struct Lab {
    let kernel = FakeKernel()
    let route: RouteClient
    let team: UInt32
    let eth1: UInt32
    let eth2: UInt32

    init(mode: String? = nil, enslave: Bool = true) throws {
        route = RouteClient(transport: kernel.makeTransport(.route))
        team = try route.createTeam(name: "team0", address: EthernetAddress(bytes: [0x02, 0xaa, 0, 0, 0, 1])!).index
        eth1 = kernel.addLink(name: "eth1")
        eth2 = kernel.addLink(name: "eth2")
        if let mode {
            let device = try TeamDevice(teamIndex: team, commandTransport: kernel.makeTransport(.generic))
            try device.setOption(named: "mode", to: .string(mode))
        }
        if enslave {
            try route.setMaster(port: eth1, master: team)
            try route.setMaster(port: eth2, master: team)
        }
    }

    func device(listening: Bool = true) throws -> TeamDevice {
        try TeamDevice(teamIndex: team, commandTransport: kernel.makeTransport(.generic),
                       eventTransport: listening ? kernel.makeTransport(.generic) : nil)
    }
}

@Suite struct TeamDeviceTests {
    @Test func freshTeamHasNoModeAndCoreOptions() throws {
        let lab = try Lab(enslave: false)
        let device = try lab.device()
        #expect(device.family.id == FakeKernel.teamFamilyID)
        #expect(device.option(named: "mode")?.value == .string("*NOMODE*"))
        #expect(device.options().map(\.name) == ["mode", "notify_peers_count", "notify_peers_interval",
                                                 "mcast_rejoin_count", "mcast_rejoin_interval"])
        #expect(device.ports().isEmpty)
    }

    @Test func loadbalanceBringsArrayAndBinaryOptions() throws {
        let lab = try Lab(mode: "loadbalance")
        let device = try lab.device()
        #expect(device.option(named: "mode")?.value == .string("loadbalance"))
        #expect(device.option(named: "lb_tx_hash_to_port_mapping", arrayIndex: 255)?.value == .u32(0))
        #expect(device.option(named: "lb_tx_hash_to_port_mapping") == nil)   // an array needs its index
        #expect(device.option(named: "bpf_hash_func")?.value == .binary([]))
        #expect(device.option(named: "lb_port_stats", port: lab.eth2)?.value == .binary([0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(device.options().filter { $0.name == "lb_hash_stats" }.count == 256)
    }

    @Test func setOptionSendsOneMessageAndUpdatesCache() throws {
        let lab = try Lab(mode: "loadbalance")
        let device = try lab.device(listening: false)
        let before = lab.kernel.requests.count
        let program: [UInt8] = [0x06, 0, 0, 0, 0, 0, 0, 0]
        try device.setOption(named: "bpf_hash_func", to: .binary(program))
        try device.setOption(named: "priority", port: lab.eth1, to: .s32(-10))
        try device.setOption(named: "enabled", port: lab.eth2, to: .bool(false))
        try device.setOption(named: "lb_tx_hash_to_port_mapping", arrayIndex: 7, to: .u32(lab.eth2))
        #expect(lab.kernel.requests.count == before + 4)
        #expect(device.option(named: "bpf_hash_func")?.value == .binary(program))
        #expect(device.option(named: "bpf_hash_func")?.isChanged == true)
        // The kernel holds the values too: a fresh reader sees them.
        let other = try lab.device(listening: false)
        #expect(other.option(named: "priority", port: lab.eth1)?.value == .s32(-10))
        #expect(other.option(named: "enabled", port: lab.eth2)?.value == .bool(false))
        #expect(other.option(named: "lb_tx_hash_to_port_mapping", arrayIndex: 7)?.value == .u32(lab.eth2))
    }

    @Test("a value too long for one netlink attribute is an error, not a trap, and sends nothing")
    func oversizedValueIsRefused() throws {
        let lab = try Lab(mode: "loadbalance")
        let device = try lab.device(listening: false)
        let before = lab.kernel.requests.count
        #expect(throws: NetlinkError.self) {
            try device.setOption(named: "bpf_hash_func", to: .binary([UInt8](repeating: 6, count: 70_000)))
        }
        #expect(throws: NetlinkError.self) {
            try device.setOption(named: "mode", to: .string(String(repeating: "x", count: 65_536)))
        }
        #expect(lab.kernel.requests.count == before)
        #expect(device.option(named: "mode")?.value == .string("loadbalance"))
    }

    @Test func setWithoutAnyListenerStillSucceeds() throws {
        // Kernel 6.1 answers ESRCH after setting when no one listens to change_event.
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device(listening: false)
        try device.setOption(named: "activeport", to: .u32(lab.eth2))
        #expect(lab.kernel.options(ofTeam: lab.team).first { $0.name == "activeport" }?.value == .u32(lab.eth2))
        #expect(device.option(named: "activeport")?.value == .u32(lab.eth2))
    }

    @Test func kernelRefusalsSurfaceWithTheirErrno() throws {
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device(listening: false)
        #expect(throws: NetlinkError.self) { try device.setOption(named: "mode", to: .string("roundrobin")) }
        do {
            try device.setOption(named: "mode", to: .string("roundrobin"))
        } catch let error as NetlinkError {
            #expect(error.code == .kernel(errno: 16))
            #expect(error.operation.contains("mode"))
        }
        do {
            try device.setOption(named: "no_such_option", to: .u32(1))
            Issue.record("an unknown option was accepted")
        } catch let error as NetlinkError {
            #expect(error.errno == 2)
        }
        do {
            try device.setOption(named: "activeport", to: .string("eth1"))   // wrong type: no such instance
            Issue.record("a mistyped option was accepted")
        } catch let error as NetlinkError {
            #expect(error.errno == 2)
        }
    }

    @Test func portEventsFollowPeerCarrier() throws {
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device()
        #expect(device.ports().map(\.index) == [lab.eth1, lab.eth2])
        #expect(device.ports().allSatisfy { $0.isLinkUp && $0.speed == 10000 && $0.isFullDuplex })
        lab.kernel.setCarrier(false, index: lab.eth1)
        let events = try device.drainEvents()
        #expect(events == [.portsChanged([TeamPortStatus(index: lab.eth1, isLinkUp: false, speed: 0, duplex: Duplex.half,
                                                         isChanged: true)])])
        #expect(device.ports().first { $0.index == lab.eth1 }?.isLinkUp == false)
        #expect(device.ports().first { $0.index == lab.eth2 }?.isChanged == false)
        #expect(try device.drainEvents().isEmpty)
    }

    @Test func optionEventsFromAnotherWriter() throws {
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device()
        let writer = try lab.device(listening: false)
        try writer.setOption(named: "activeport", to: .u32(lab.eth2))
        let events = try device.drainEvents()
        #expect(events == [.optionsChanged([TeamOption(name: "activeport", value: .u32(lab.eth2), isChanged: true)])])
        #expect(device.option(named: "activeport")?.value == .u32(lab.eth2))
        #expect(device.option(named: "activeport")?.isChanged == true)
        #expect(device.option(named: "mode")?.isChanged == false)
    }

    @Test func portRemovalIsFlaggedThenForgotten() throws {
        let lab = try Lab(mode: "roundrobin")
        let device = try lab.device()
        try lab.route.release(port: lab.eth1)
        let events = try device.drainEvents()
        #expect(events.contains { if case .portsChanged(let ports) = $0 { ports.first?.isRemoved == true } else { false } })
        #expect(device.option(named: "priority", port: lab.eth1) == nil)
        #expect(device.ports().first { $0.index == lab.eth1 }?.isRemoved == true)
        lab.kernel.setCarrier(false, index: lab.eth2)
        _ = try device.drainEvents()
        #expect(device.ports().map(\.index) == [lab.eth2])
    }

    @Test func overrunRefetchesEverything() throws {
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device()
        let writer = try lab.device(listening: false)
        try writer.setOption(named: "activeport", to: .u32(lab.eth1))
        lab.kernel.transportsDropEvents()
        try writer.setOption(named: "priority", port: lab.eth2, to: .s32(7))
        let events = try device.drainEvents()
        #expect(events == [.resynced])
        #expect(device.option(named: "activeport")?.value == .u32(lab.eth1))
        #expect(device.option(named: "priority", port: lab.eth2)?.value == .s32(7))
    }

    @Test func eventsForOtherTeamsAreIgnored() throws {
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device()
        let other = try lab.route.createTeam(name: "team1")
        let otherDevice = try TeamDevice(teamIndex: other.index, commandTransport: lab.kernel.makeTransport(.generic))
        try otherDevice.setOption(named: "mode", to: .string("broadcast"))
        #expect(try device.drainEvents().isEmpty)
        #expect(device.option(named: "mode")?.value == .string("activebackup"))
    }

    @Test func eventDescriptorIsReadableOnlyWhileEventsWait() throws {
        let lab = try Lab(mode: "activebackup")
        let device = try lab.device()
        #expect(device.eventDescriptor >= 0)
        #expect(!Poll.readable(device.eventDescriptor))
        lab.kernel.setCarrier(false, index: lab.eth2)
        #expect(Poll.readable(device.eventDescriptor))
        _ = try device.drainEvents()
        #expect(!Poll.readable(device.eventDescriptor))
    }

    @Test func missingTeamModuleIsNotFound() throws {
        let kernel = FakeKernel()
        kernel.teamFamilyRegistered = false
        #expect(throws: NetlinkError(.notFound, operation: "resolve family team")) {
            try TeamDevice(teamIndex: 5, commandTransport: kernel.makeTransport(.generic))
        }
    }

    @Test func notATeamIsInvalid() throws {
        let kernel = FakeKernel()
        do {
            _ = try TeamDevice(teamIndex: 1, commandTransport: kernel.makeTransport(.generic))
            Issue.record("lo was accepted as a team")
        } catch let error as NetlinkError {
            #expect(error.code == .kernel(errno: 22))
        }
    }
}

import Glibc

enum Poll {
    static func readable(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1
    }
}
