import Testing
import TeamJSON
import TeamdExporter

@Suite("state dump to snapshot")
struct SnapshotTests {
    @Test("the C teamd's activebackup dump")
    func cActiveBackup() throws {
        let snapshot = try TeamSnapshot(team: "team0", stateDump: try #require(Fixtures.cTeamd("c-activebackup")))
        #expect(snapshot.team == "team0")
        #expect(snapshot.pid == 165)
        #expect(snapshot.runner == "activebackup")
        #expect(snapshot.kernelTeamMode == "activebackup")
        #expect(snapshot.activePort == "tp0")
        #expect(snapshot.ports.map(\.name) == ["tp0", "tp1"])
        let tp0 = snapshot.ports[0]
        #expect(tp0.linkUp == true && tp0.up == true && tp0.lacp == nil)
        #expect(tp0.watches == [LinkWatchSnapshot(key: "link_watch_0", name: "ethtool", up: true, downCount: 0)])
    }

    @Test("the C teamd's lacp dump, with a partner")
    func cLACP() throws {
        let snapshot = try TeamSnapshot(team: "team0", stateDump: try #require(Fixtures.cTeamd("c-lacp")))
        #expect(snapshot.activePort == nil)
        let lacp = try #require(snapshot.ports.first?.lacp)
        #expect(lacp == LACPPortSnapshot(actorState: 63, partnerState: 63, partnerSystem: "ae:c0:d6:3c:bf:ef",
                                         partnerKey: 0, selected: true, aggregatorID: 3, aggregatorSelected: true,
                                         receiveState: "current"))
    }

    @Test("ping watchers: missed replies and several watchers per port, in key order")
    func cWatchers() throws {
        let snapshot = try TeamSnapshot(team: "team0", stateDump: try #require(Fixtures.cTeamd("c-watchers")))
        let tp0 = try #require(snapshot.ports.first)
        #expect(tp0.watches.map(\.key) == ["link_watch_0", "link_watch_1", "link_watch_2"])
        #expect(tp0.watches.map(\.name) == ["nsna_ping", "ethtool", "arp_ping"])
        #expect(tp0.watches.map(\.missed) == [0, nil, 0])
    }

    @Test("a team without ports")
    func noPorts() throws {
        let snapshot = try TeamSnapshot(team: "team0", stateDump: try #require(Fixtures.cTeamd("c-noports")))
        #expect(snapshot.ports.isEmpty)
        #expect(snapshot.activePort == "")
    }

    @Test("LACPDU counters are read under the names our lacp runner writes (a dump of our teamd in the lab)")
    func statistics() throws {
        let snapshot = try TeamSnapshot(team: "team2", stateDump: try #require(Fixtures.ours("ours-lacp")))
        let tp4 = try #require(snapshot.ports.first { $0.name == "tp4" }?.lacp)
        let counters = try #require(tp4.statistics)
        // The dump's own numbers, for the fields the runner keeps (lacpdu_rx_stats, ...).
        let written = try #require(Fixtures.ours("ours-lacp").flatMap(Self.statistics(of: "tp4")))
        #expect(counters == LACPStatistics(inPackets: written["lacpdu_rx_stats"], outPackets: written["lacpdu_tx_stats"],
                                           receiveErrors: written["lacpdu_illegal_pkts"],
                                           markers: written["marker_pdu_rx_stats"],
                                           partnerChurns: written["partner_churn_count"]))
        #expect((counters.inPackets ?? 0) > 0 && (counters.outPackets ?? 0) > 0)
        #expect(counters.receiveErrors == 0)
        #expect(tp4.receiveState == "current")
    }

    @Test("LACPDU counters are read when the dump has them")
    func statisticsByName() throws {
        let dump = """
            {"ports": {"eth0": {"runner": {"aggregator": {"id": 4, "selected": true}, "selected": true, "state": "current",
             "statistics": {"lacpdu_rx_stats": 12, "lacpdu_tx_stats": 13, "lacpdu_illegal_pkts": 1, "marker_pdu_rx_stats": 3,
             "partner_churn_count": 2, "last_lacpdu_rx_time": "N/A"}}}}}
            """
        let lacp = try #require(try TeamSnapshot(team: "t", stateDump: dump).ports.first?.lacp)
        #expect(lacp.statistics == LACPStatistics(inPackets: 12, outPackets: 13, receiveErrors: 1, markers: 3, partnerChurns: 2))
        #expect(lacp.actorState == nil)
    }

    /// The integers under `ports.PORT.runner.statistics` of a dump, read with TeamJSON directly.
    static func statistics(of port: String) -> (String) -> [String: Int64]? {
        { text in
            guard let root = try? JSONValue(parsing: text),
                  let statistics = root["ports"]?[port]?["runner"]?["statistics"]?.objectValue
            else { return nil }
            var values: [String: Int64] = [:]
            for member in statistics.members { if case .integer(let value) = member.value { values[member.key] = value } }
            return values
        }
    }

    @Test("a wrongly typed field is an error naming its path", arguments: [
        ("s-link-up-integer", "ports.tp0.link.up", "expected a boolean, got integer"),
        ("s-watches-up-string", "ports.tp0.link_watches.up", "expected a boolean, got string"),
        ("s-ports-array", "ports", "expected an object, got array"),
        ("s-lacp-selected-negative-state", "ports.tp0.runner.actor_lacpdu_info.state", "expected an integer from 0 to 255, got -1"),
        ("s-watch-down-count-null", nil, nil),
    ])
    func wrongTypes(name: String, path: String?, reason: String?) throws {
        let text = try #require(Fixtures.cTeamd(name))
        guard let path, let reason else {
            // Null is an absent field.
            _ = try TeamSnapshot(team: "team0", stateDump: text)
            return
        }
        #expect(throws: StateDumpError(path: path, reason: reason)) { try TeamSnapshot(team: "team0", stateDump: text) }
    }

    @Test("not JSON, or not an object")
    func notAnObject() {
        #expect(throws: StateDumpError(path: "", reason: "expected an object, got array")) {
            try TeamSnapshot(team: "t", stateDump: "[]")
        }
        let error = #expect(throws: StateDumpError.self) { try TeamSnapshot(team: "t", stateDump: "{\"ports\": ") }
        #expect(error?.description.hasPrefix("state dump: not JSON") == true)
    }

    @Test("the wrong type deep down names the whole path")
    func deepPath() {
        let dump = #"{"ports": {"p1": {"runner": {"aggregator": {"id": "4"}}}}}"#
        #expect(throws: StateDumpError(path: "ports.p1.runner.aggregator.id", reason: "expected an integer, got string")) {
            try TeamSnapshot(team: "t", stateDump: dump)
        }
        let statistics = #"{"ports": {"p1": {"runner": {"aggregator": {}, "statistics": {"lacpdu_rx_stats": 1.5}}}}}"#
        #expect(throws: StateDumpError(path: "ports.p1.runner.statistics.lacpdu_rx_stats", reason: "expected an integer, got real")) {
            try TeamSnapshot(team: "t", stateDump: statistics)
        }
    }
}
