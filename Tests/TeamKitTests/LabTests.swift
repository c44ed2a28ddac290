import Glibc
import Testing
import NetlinkCodec
import TeamWire
@testable import TeamKit
import Packets

/// Steps against the real team driver, run by lab/scenarios/teamnl-teamkit.sh inside the
/// lab's VM (TEAMKIT_LAB=1, as root, team.ko loaded), which checks each step's result
/// with `ip -d link`. Elsewhere they are disabled.
enum LabEnvironment {
    static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
    static var step: String? { value("TEAMKIT_LAB") == "1" ? value("TEAMKIT_LAB_STEP") : nil }
    static func index(_ route: RouteClient, _ name: String) throws -> UInt32 {
        try #require(try route.link(named: name)).index
    }
}

@Suite(.enabled(if: LabEnvironment.step != nil, "only in the lab VM"))
struct LabTests {
    @Test(.enabled(if: LabEnvironment.step == "create"))
    func createTeam() throws {
        let route = try RouteClient()
        let team = try route.createTeam(name: "tk0", address: EthernetAddress(bytes: [0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01])!)
        #expect(team.kind == "team")
        #expect(team.address == EthernetAddress(bytes: [0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01]))
        do {
            try route.createTeam(name: "tk0")
            Issue.record("NLM_F_EXCL did not refuse an existing name")
        } catch let error as NetlinkError {
            #expect(error.code == .kernel(errno: EEXIST))
        }
        let device = try TeamDevice(teamIndex: team.index, listening: false)
        #expect(device.option(named: "mode")?.value == .string("*NOMODE*"))
        try device.setOption(named: "mode", to: .string("activebackup"))
        try route.setUp(true, index: team.index)
    }

    @Test(.enabled(if: LabEnvironment.step == "enslave"))
    func enslavePorts() throws {
        let route = try RouteClient()
        let team = try LabEnvironment.index(route, "tk0")
        let device = try TeamDevice(teamIndex: team)
        for name in ["tp0", "tp1"] {
            let port = try LabEnvironment.index(route, name)
            try route.setUp(false, index: port)
            try route.setMaster(port: port, master: team)
            #expect(try route.link(index: port)?.master == team)
        }
        // The per-port options and both ports arrive as change events.
        var ports: Set<UInt32> = []
        for _ in 0..<100 where ports.count < 2 {
            var entry = pollfd(fd: device.eventDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&entry, 1, 100)
            for case .portsChanged(let changed) in try device.drainEvents() { ports.formUnion(changed.map(\.index)) }
        }
        #expect(ports.count == 2)
        #expect(device.ports().count == 2)
        #expect(device.option(named: "enabled", port: try LabEnvironment.index(route, "tp1")) != nil)
    }

    @Test(.enabled(if: LabEnvironment.step == "events"))
    func peerDownIsAPortEvent() throws {
        let route = try RouteClient()
        let team = try LabEnvironment.index(route, "tk0")
        let port = try LabEnvironment.index(route, "tp0")
        let device = try TeamDevice(teamIndex: team)
        let links = try LinkEventSocket()
        #expect(device.ports().first { $0.index == port }?.isLinkUp == true)
        try route.setUp(false, index: try LabEnvironment.index(route, "tp0p"))
        var seen: TeamPortStatus?
        var linkSeen = false
        for _ in 0..<100 where seen == nil || !linkSeen {
            var entries = [pollfd(fd: device.eventDescriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: links.pollDescriptor, events: Int16(POLLIN), revents: 0)]
            _ = poll(&entries, 2, 100)
            for case .portsChanged(let changed) in try device.drainEvents() { seen = changed.first { $0.index == port } }
            for case .changed(let link) in try links.drainEvents() where link.index == port { linkSeen = true }
        }
        #expect(seen?.isLinkUp == false)
        #expect(seen?.isChanged == true)
        #expect(linkSeen)
        #expect(device.ports().first { $0.index == port }?.isLinkUp == false)
        try route.setUp(true, index: try LabEnvironment.index(route, "tp0p"))
    }

    @Test(.enabled(if: LabEnvironment.step == "overrun"))
    func overrunResyncs() throws {
        let route = try RouteClient()
        let team = try LabEnvironment.index(route, "tk0")
        let port = try LabEnvironment.index(route, "tp1")
        // A tiny event buffer, so that a burst of changes overflows it.
        let device = try TeamDevice(teamIndex: team, commandTransport: try NetlinkSocket(protocol: .generic),
                                    eventTransport: try NetlinkSocket(protocol: .generic, receiveBufferSize: 2048))
        let writer = try TeamDevice(teamIndex: team, listening: false)
        for priority in 1...200 { try writer.setOption(named: "priority", port: port, to: .s32(Int32(priority))) }
        let events = try device.drainEvents()
        #expect(events.contains(.resynced))
        #expect(device.option(named: "priority", port: port)?.value == .s32(200))
    }

    @Test(.enabled(if: LabEnvironment.step == "release"))
    func releaseRestoresMAC() throws {
        let route = try RouteClient()
        let team = try LabEnvironment.index(route, "tk0")
        let port = try LabEnvironment.index(route, "tp2")
        let original = try #require(try route.link(index: port)).address
        try route.setUp(false, index: port)
        try route.setMaster(port: port, master: team)
        // As teamd's hwaddr policies do: the port takes another MAC while enslaved.
        try route.setAddress(EthernetAddress(bytes: [0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01])!, index: port)
        #expect(try route.link(index: port)?.address == EthernetAddress(bytes: [0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01]))
        try route.release(port: port)
        try route.release(port: try LabEnvironment.index(route, "tp1"))
        let released = try #require(try route.link(index: port))
        #expect(released.master == 0)
        #expect(released.address == original)
    }

    @Test(.enabled(if: LabEnvironment.step == "carrier"))
    func teamCarrier() throws {
        let route = try RouteClient()
        let team = try LabEnvironment.index(route, "tk0")
        try route.setCarrier(false, index: team)
        #expect(try route.link(index: team)?.carrier == false)
        try route.setCarrier(true, index: team)
        #expect(try route.link(index: team)?.carrier == true)
    }

    @Test(.enabled(if: LabEnvironment.step == "delete"))
    func deleteTeam() throws {
        let route = try RouteClient()
        try route.deleteLink(index: try LabEnvironment.index(route, "tk0"))
        #expect(try route.link(named: "tk0") == nil)
        #expect(try route.dumpLinks().allSatisfy { $0.name != "tk0" })
    }
}
