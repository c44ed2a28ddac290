import Testing
import TeamJSON
import TeamWire
import TeamdControl
@testable import TeamdCore

/// The event stream on the fake kernel: what a scripted sequence makes the daemon report, in order,
/// each change once.
@Suite("event stream")
struct EventStreamTests {
    /// A started activebackup team (eth0 prio 10, eth1) with a subscriber recording every event.
    final class Recorder {
        let harness: DaemonHarness
        var events: [TeamdEvent] = []
        init(_ config: String = activeBackup, ports: [String] = ["eth0", "eth1"]) throws {
            harness = try DaemonHarness(config, ports: ports)
            try harness.start()
            harness.pump()
            harness.daemon.model.engine.wallClock = { WallClockTime(seconds: 1_780_000_001) }
            harness.daemon.subscribe { [unowned self] in events.append($0) }
        }
        /// The kinds since the last call.
        func take() -> [TeamdEvent.Kind] {
            defer { events.removeAll() }
            return events.map(\.kind)
        }
    }

    @Test("link cut and restore, port remove and add, config update, stop: each event once, in order")
    func scriptedSequence() throws {
        let r = try Recorder()
        let h = r.harness
        let eth0 = try #require(h.kernel.index(of: "eth0"))
        #expect(r.take() == [], "subscribing reports nothing by itself")

        h.kernel.setCarrier(false, index: eth0)
        h.pump()
        #expect(r.take() == [
            .watcherLink(port: "eth0", watcher: "ethtool", instance: 0, up: false),
            .portLink(port: "eth0", up: false),
            .activePort(port: "eth1", previous: "eth0"),
        ])

        h.kernel.setCarrier(true, index: eth0)
        h.pump()
        #expect(r.take() == [
            .watcherLink(port: "eth0", watcher: "ethtool", instance: 0, up: true),
            .portLink(port: "eth0", up: true),
            .activePort(port: "eth0", previous: "eth1"),
        ])

        #expect(h.daemon.call(method: "PortRemove", arguments: ["eth1"]) == .success(""))
        h.pump()
        #expect(r.take() == [.portRemoved(port: "eth1")])

        #expect(h.daemon.call(method: "PortAdd", arguments: ["eth1"]) == .success(""))
        h.pump()
        #expect(r.take() == [.portAdded(port: "eth1", linkUp: true)])

        #expect(h.daemon.call(method: "PortConfigUpdate", arguments: ["eth1", #"{"prio": 20}"#]) == .success(""))
        h.pump()
        #expect(r.take() == [.configUpdated(port: "eth1"), .activePort(port: "eth1", previous: "eth0")])

        // Requests that change nothing report nothing.
        _ = h.daemon.call(method: "StateDump", arguments: [])
        #expect(h.daemon.call(method: "PortAdd", arguments: ["eth9"]) == .failure(.noSuchDevice))
        h.pump()
        #expect(r.take() == [])

        h.daemon.announceStop()
        #expect(r.take() == [.stopped])
    }

    @Test("a port added later is reported; a backup port's link loss moves no active port")
    func laterPort() throws {
        let r = try Recorder(ports: ["eth0", "eth1", "eth2"])
        let h = r.harness
        let eth2 = try #require(h.kernel.index(of: "eth2"))
        #expect(r.take() == [])
        #expect(h.daemon.call(method: "PortAdd", arguments: ["eth2"]) == .success(""))
        h.pump()
        #expect(r.take() == [.portAdded(port: "eth2", linkUp: true)])
        h.kernel.setCarrier(false, index: eth2)
        h.pump()
        // A backup port's link: no change of the active port.
        #expect(r.take() == [.watcherLink(port: "eth2", watcher: "ethtool", instance: 0, up: false),
                             .portLink(port: "eth2", up: false)])
    }

    @Test("events carry the team, the step's time, and go to every subscriber")
    func eventFields() throws {
        let r = try Recorder()
        var second: [TeamdEvent] = []
        r.harness.daemon.subscribe { second.append($0) }
        r.harness.kernel.setCarrier(false, index: try #require(r.harness.kernel.index(of: "eth1")))
        r.harness.pump()
        #expect(r.events.count == 2)
        #expect(second == r.events)
        #expect(r.events.allSatisfy { $0.team == "team0" })
        #expect(r.events[0].time == WallClockTime(seconds: 1_780_000_001))
        #expect(r.events[0].line ==
            #"{"event":"link_watch","instance":0,"port":"eth1","team":"team0","time":"2026-05-28T20:26:41.000000000Z","up":false,"watcher":"ethtool"}"#)
    }

    @Test("lacp: receive state and selection changes, from two observations")
    func lacpChanges() {
        typealias Port = TeamObservation.Port
        func port(_ receive: String, aggregator: UInt32?, selected: Bool, link: Bool = true) -> Port {
            Port(name: "tp0", index: 7, linkUp: link, watchers: [.init(name: "ethtool", up: link)],
                 lacp: .init(receive: receive, aggregator: aggregator, aggregatorSelected: selected))
        }
        let before = TeamObservation(ports: [port("defaulted", aggregator: nil, selected: false)])
        let after = TeamObservation(ports: [port("current", aggregator: 7, selected: true)])
        #expect(after.changes(since: before) == [
            .lacpState(port: "tp0", state: "current", previous: "defaulted"),
            .lacpSelection(port: "tp0", selected: true, aggregator: 7, aggregatorSelected: true),
        ])
        let down = TeamObservation(ports: [port("disabled", aggregator: nil, selected: false, link: false)])
        #expect(down.changes(since: after) == [
            .watcherLink(port: "tp0", watcher: "ethtool", instance: 0, up: false),
            .portLink(port: "tp0", up: false),
            .lacpState(port: "tp0", state: "disabled", previous: "current"),
            .lacpSelection(port: "tp0", selected: false, aggregator: 0, aggregatorSelected: false),
        ])
        #expect(down.changes(since: down) == [])
        #expect(TeamObservation().changes(since: down) == [.portRemoved(port: "tp0")])
    }

    @Test("a lacp team on the fake kernel: the partner's LACPDUs select the ports; a link loss disables one")
    func lacpDaemon() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        h.pump()
        var kinds: [TeamdEvent.Kind] = []
        h.daemon.subscribe { kinds.append($0.kind) }
        try h.setTeamUp()
        h.partnerAnswers()
        for port in ["eth0", "eth1"] {
            let states = kinds.compactMap { kind -> String? in
                if case .lacpState(port, let state, _) = kind { state } else { nil }
            }
            #expect(states.last == "current", "\(port): \(kinds)")
            let selections = kinds.filter { if case .lacpSelection(port, _, _, _) = $0 { true } else { false } }
            // Each a change (eth1 may first lead its own aggregator, then join eth0's).
            #expect(!selections.isEmpty && zip(selections, selections.dropFirst()).allSatisfy { $0 != $1 }, "\(kinds)")
            if case .lacpSelection(_, let selected, let aggregator, let inSelected)? = selections.last {
                #expect(selected && aggregator != 0 && inSelected)
            }
        }
        kinds.removeAll()
        h.kernel.setCarrier(false, index: h.index("eth1"))
        h.pump()
        #expect(kinds.prefix(3) == [
            .watcherLink(port: "eth1", watcher: "ethtool", instance: 0, up: false),
            .portLink(port: "eth1", up: false),
            .lacpState(port: "eth1", state: "disabled", previous: "current"),
        ])
        #expect(kinds.dropFirst(3).allSatisfy { if case .lacpSelection = $0 { true } else { false } }, "\(kinds)")
        #expect(kinds.contains(.lacpSelection(port: "eth1", selected: false, aggregator: 0, aggregatorSelected: false)))
    }
}
