import Testing
import TeamJSON
import TeamWire
@testable import TeamdCore
import Packets

let teamMAC = EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 0x10])!

func port(_ name: String, _ index: UInt32, prio: Int32 = 0, speed: UInt32 = 1000, full: Bool = true,
          up: Bool = true, sticky: Bool = false) -> TeamPort {
    TeamPort(name: name, index: index, originalAddress: EthernetAddress(bytes: [0x02, 0, 0, 0, 0, UInt8(index)])!,
             settings: PortSettings(priority: prio, isSticky: sticky),
             kernelLink: TeamPortStatus(index: index, isLinkUp: up, speed: up ? speed : 0,
                                        duplex: full ? Duplex.full : Duplex.half))
}

/// An engine with the given runner whose ports each have one ethtool watcher.
func engine(_ runner: any Runner, _ ports: [TeamPort], policy: LinkWatchPolicy = .any) -> (TeamEngine, [TeamAction]) {
    var engine = TeamEngine(runner: runner, teamAddress: teamMAC, linkWatchPolicy: policy)
    var actions = engine.start()
    for p in ports { actions += engine.addPort(p, watchers: [EthtoolWatcher()]) }
    return (engine, actions)
}

func activePort(_ engine: TeamEngine) -> String? {
    engine.runner.state(context: engine.context)?["active_port"]?.stringValue
}

func linkDown(_ index: UInt32) -> TeamPortStatus { TeamPortStatus(index: index, isLinkUp: false) }
func linkUp(_ index: UInt32, speed: UInt32 = 1000) -> TeamPortStatus {
    TeamPortStatus(index: index, isLinkUp: true, speed: speed, duplex: Duplex.full)
}

@Suite("activebackup")
struct ActiveBackupTests {
    @Test("the first port up becomes active; the kernel hears enabled and activeport")
    func firstPortActive() {
        let (e, actions) = engine(ActiveBackupRunner(), [port("eth0", 3), port("eth1", 5)])
        #expect(activePort(e) == "eth0")
        #expect(actions.contains(.enable(3, true)))
        #expect(actions.contains(.setOption(TeamOptionID(name: "activeport"), .u32(3))))
        #expect(!actions.contains(.enable(5, true)))
        #expect(e.ports[index: 5]?.isEnabled == false)
    }

    @Test("a higher prio wins over a faster port (libteam issue 66 fixed)")
    func prioBeforeSpeed() {
        let (e, _) = engine(ActiveBackupRunner(), [port("fast", 3, prio: 0, speed: 10000), port("prio", 5, prio: 10, speed: 100)])
        #expect(activePort(e) == "prio")
    }

    @Test("equal prio: the faster port, then full duplex")
    func speedThenDuplex() {
        let (e1, _) = engine(ActiveBackupRunner(), [port("slow", 3, speed: 100), port("fast", 5, speed: 1000)])
        #expect(activePort(e1) == "fast")
        let (e2, _) = engine(ActiveBackupRunner(), [port("half", 3, full: false), port("full", 5)])
        #expect(activePort(e2) == "full")
    }

    @Test("failover: the active port's link goes down, the backup takes over, and back when it returns")
    func failover() {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3, prio: 10), port("eth1", 5)])
        #expect(activePort(e) == "eth0")
        let down = e.kernelPortChanged(linkDown(3))
        #expect(activePort(e) == "eth1")
        // In this order: the new port carries traffic before the old one stops (activebackup's change_active).
        #expect(down == [
            .enable(5, true),
            .setOption(TeamOptionID(name: "activeport"), .u32(5)),
            .enable(3, false),
            .setOption(TeamOptionID(name: "user_linkup", portIndex: 3), .bool(false)),
        ])
        _ = e.kernelPortChanged(linkUp(3))
        #expect(activePort(e) == "eth0", "the higher prio port returns")
    }

    @Test("a sticky active port is kept when a better one comes up")
    func sticky() {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3, up: true, sticky: true), port("eth1", 5, prio: 10, up: false)])
        #expect(activePort(e) == "eth0")
        _ = e.kernelPortChanged(linkUp(5))
        #expect(activePort(e) == "eth0")
        _ = e.kernelPortChanged(linkDown(3))
        #expect(activePort(e) == "eth1")
    }

    @Test("a tie keeps the current active port")
    func tieKeepsActive() {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3), port("eth1", 5)])
        _ = e.kernelPortChanged(linkDown(3))
        #expect(activePort(e) == "eth1")
        _ = e.kernelPortChanged(linkUp(3))
        #expect(activePort(e) == "eth1")
    }

    @Test("no port up: the active port stays")
    func noneUp() {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3), port("eth1", 5)])
        _ = e.kernelPortChanged(linkDown(3))
        _ = e.kernelPortChanged(linkDown(5))
        #expect(activePort(e) == "eth1")
    }

    @Test("same_all gives every port the team MAC when it joins")
    func sameAll() {
        let (e, actions) = engine(ActiveBackupRunner(addressPolicy: .sameAll), [port("eth0", 3), port("eth1", 5)])
        #expect(actions.contains(.setPortAddress(port: 3, teamMAC)))
        #expect(actions.contains(.setPortAddress(port: 5, teamMAC)))
        #expect(e.ports[index: 5]?.address == teamMAC)
        #expect(e.teamAddress == teamMAC)
    }

    @Test("by_active: the team takes the active port's MAC, and follows it on failover")
    func byActive() {
        var (e, actions) = engine(ActiveBackupRunner(addressPolicy: .byActive), [port("eth0", 3), port("eth1", 5)])
        let mac0 = EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 3])!, mac1 = EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 5])!
        #expect(actions.contains(.setTeamAddress(mac0)))
        #expect(!actions.contains { if case .setPortAddress = $0 { true } else { false } })
        let fail = e.kernelPortChanged(linkDown(3))
        #expect(fail.contains(.setTeamAddress(mac1)))
        #expect(e.teamAddress == mac1)
    }

    @Test("only_active: only the active port has the team MAC; the old one gets its own back")
    func onlyActive() {
        var (e, actions) = engine(ActiveBackupRunner(addressPolicy: .onlyActive), [port("eth0", 3), port("eth1", 5)])
        #expect(actions.contains(.setPortAddress(port: 3, teamMAC)))
        #expect(!actions.contains(.setPortAddress(port: 5, teamMAC)))
        let fail = e.kernelPortChanged(linkDown(3))
        #expect(fail.contains(.setPortAddress(port: 5, teamMAC)))
        #expect(fail.contains(.setPortAddress(port: 3, EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 3])!)))
    }

    @Test("the team's MAC changes: same_all gives it to every port, only_active to the active one, by_active to none")
    func teamAddressChanged() {
        let newMAC = EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 0x42])!
        var (all, _) = engine(ActiveBackupRunner(addressPolicy: .sameAll), [port("eth0", 3), port("eth1", 5)])
        let allActions = all.teamAddressChanged(to: newMAC)
        #expect(allActions == [.setPortAddress(port: 3, newMAC), .setPortAddress(port: 5, newMAC)])
        #expect(all.ports[index: 5]?.address == newMAC)
        var (only, _) = engine(ActiveBackupRunner(addressPolicy: .onlyActive), [port("eth0", 3), port("eth1", 5)])
        #expect(only.teamAddressChanged(to: newMAC) == [.setPortAddress(port: 3, newMAC)])
        var (byActive, _) = engine(ActiveBackupRunner(addressPolicy: .byActive), [port("eth0", 3), port("eth1", 5)])
        #expect(byActive.teamAddressChanged(to: newMAC).isEmpty)
    }

    @Test("runner.active_port switches to the named port; an unknown name is an error")
    func setActivePort() throws {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3, prio: 10), port("eth1", 5)])
        let actions = try e.setRunnerStateItem(["active_port"], value: "eth1")
        #expect(activePort(e) == "eth1")
        #expect(actions.contains(.setOption(TeamOptionID(name: "activeport"), .u32(5))))
        #expect(throws: StateItemError.self) { try e.setRunnerStateItem(["active_port"], value: "eth") }
        #expect(throws: StateItemError.noSuchItem) { try e.setRunnerStateItem(["nope"], value: "x") }
    }

    @Test("removing the active port hands over to the other")
    func removeActive() {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3, prio: 1), port("eth1", 5)])
        let actions = e.removePort(index: 3)
        #expect(activePort(e) == "eth1")
        #expect(actions.contains(.enable(5, true)))
        #expect(!actions.contains(.enable(3, false)), "a port that left is not touched")
    }

    @Test("a prio raised by PortConfigUpdate moves the active port")
    func prioUpdate() {
        var (e, _) = engine(ActiveBackupRunner(), [port("eth0", 3), port("eth1", 5)])
        let actions = e.updateSettings(index: 5, PortSettings(priority: 50))
        #expect(actions.contains(.setOption(TeamOptionID(name: "priority", portIndex: 5), .s32(50))))
        #expect(activePort(e) == "eth1")
    }
}

@Suite("broadcast, roundrobin, random")
struct BasicRunnerTests {
    @Test("ports are enabled exactly while their link is up", arguments: BasicRunner.Kind.allCases)
    func enabledFollowsLink(kind: BasicRunner.Kind) {
        var e = TeamEngine(runner: BasicRunner(kind), teamAddress: teamMAC)
        var p = port("eth0", 3, up: false)
        p.isEnabled = true // the kernel enables a port when it joins
        let added = e.addPort(p, watchers: [EthtoolWatcher()])
        #expect(added.contains(.enable(3, false)))
        #expect(e.kernelPortChanged(linkUp(3)).contains(.enable(3, true)))
        #expect(e.kernelPortChanged(linkDown(3)).contains(.enable(3, false)))
        #expect(e.runner.kernelMode == kind.rawValue)
    }
}

@Suite("ethtool link watcher")
struct EthtoolWatcherTests {
    let id = TimerID.watcher(port: 3, instance: 0)

    @Test("no delay: follows the kernel flag and counts downs")
    func immediate() {
        var w = EthtoolWatcher()
        let p = port("eth0", 3)
        _ = w.start(port: p, timer: id)
        #expect(w.isUp)
        _ = w.handle(.kernelLinkChanged(false), port: p, timer: id)
        #expect(!w.isUp && w.downCount == 1)
        _ = w.handle(.kernelLinkChanged(true), port: p, timer: id)
        #expect(w.isUp && w.downCount == 1)
    }

    @Test("delay_down: a flap shorter than the delay never takes the port down")
    func shortFlap() {
        var w = EthtoolWatcher(delayUp: 0, delayDown: 200)
        let p = port("eth0", 3)
        _ = w.start(port: p, timer: id)
        #expect(w.handle(.kernelLinkChanged(false), port: p, timer: id) == [.armTimer(id, milliseconds: 200)])
        #expect(w.isUp)
        #expect(w.handle(.kernelLinkChanged(true), port: p, timer: id) == [.cancelTimer(id)])
        #expect(w.isUp && w.downCount == 0)
    }

    @Test("delay_up: up only once the timer fires")
    func delayedUp() {
        var w = EthtoolWatcher(delayUp: 500)
        let p = port("eth0", 3, up: false)
        _ = w.start(port: p, timer: id)
        #expect(w.handle(.kernelLinkChanged(true), port: p, timer: id) == [.armTimer(id, milliseconds: 500)])
        #expect(!w.isUp)
        _ = w.handle(.timer, port: p, timer: id)
        #expect(w.isUp)
        #expect(w.state()["delay_up"] == .integer(500))
    }
}

@Suite("link_watch_policy")
struct LinkWatchPolicyTests {
    @Test func anyAndAll() {
        #expect(LinkWatchPolicy.any.combine([false, true]))
        #expect(!LinkWatchPolicy.all.combine([false, true]))
        #expect(LinkWatchPolicy.all.combine([true, true]))
        #expect(!LinkWatchPolicy.any.combine([]))
    }

    @Test("policy all: a port with two watchers is down when one is")
    func engineAll() {
        var e = TeamEngine(runner: BasicRunner(.roundrobin), teamAddress: teamMAC, linkWatchPolicy: .all)
        _ = e.addPort(port("eth0", 3), watchers: [EthtoolWatcher(), EthtoolWatcher(delayDown: 100)])
        #expect(e.ports[index: 3]?.isLinkUp == true)
        let actions = e.kernelPortChanged(linkDown(3))
        #expect(e.ports[index: 3]?.isLinkUp == false, "the undelayed watcher went down, so all is false")
        #expect(actions.contains(.armTimer(.watcher(port: 3, instance: 1), milliseconds: 100)))
        #expect(actions.contains(.enable(3, false)))
    }
}
