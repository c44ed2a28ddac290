import Testing
import TeamdExporter

@Suite("snapshot to metrics and exposition")
struct MetricsTests {
    static func exposition(_ readings: [TeamReading]) -> Exposition {
        let writer = SampleWriter()
        for reading in readings { writer.add(reading) }
        return Exposition(writer.exposition())
    }

    static func exposition(team: String = "team0", dump: String, restarts: Int64 = 0) throws -> Exposition {
        let snapshot = try TeamSnapshot(team: team, stateDump: dump)
        return exposition([TeamReading(team: team, state: .success(snapshot), restarts: restarts)])
    }

    @Test("node_exporter's bonding metrics: names, label, HELP and TYPE as node_exporter writes them")
    func bondingFamilies() throws {
        let text = try Self.exposition(dump: try #require(Fixtures.cTeamd("c-activebackup")))
        #expect(text.problems.isEmpty)
        #expect(text.help["node_bonding_slaves"] == "Number of configured slaves per bonding interface.")
        #expect(text.help["node_bonding_active"] == "Number of active slaves per bonding interface.")
        #expect(text.type["node_bonding_slaves"] == "gauge" && text.type["node_bonding_active"] == "gauge")
        #expect(text.samples[#"node_bonding_slaves{master="team0"}"#] == 2)
        #expect(text.samples[#"node_bonding_active{master="team0"}"#] == 2)
    }

    @Test("a port whose link watchers see it down leaves node_bonding_active one short: the alert fires")
    func degraded() throws {
        let text = try Self.exposition(dump: activeBackupDump(active: "tp1", ports: [("tp0", false), ("tp1", true)]))
        let slaves = try #require(text.samples[#"node_bonding_slaves{master="team0"}"#])
        let active = try #require(text.samples[#"node_bonding_active{master="team0"}"#])
        #expect(slaves == 2 && active == 1)
        #expect(slaves - active != 0)  // NodeBondingDegraded's expression
        #expect(text.samples[#"teamd_port_up{team="team0",port="tp0"}"#] == 0)
        #expect(text.samples[#"teamd_port_link_up{team="team0",port="tp0"}"#] == 0)
        #expect(text.samples[#"teamd_link_watch_down_total{team="team0",port="tp0",watch="link_watch_0",watcher="ethtool"}"#] == 1)
        #expect(text.samples[#"teamd_link_watch_up{team="team0",port="tp1",watch="link_watch_0",watcher="ethtool"}"#] == 1)
        #expect(text.family("teamd_activebackup_active_port") == [
            #"teamd_activebackup_active_port{team="team0",port="tp0"}"#: 0,
            #"teamd_activebackup_active_port{team="team0",port="tp1"}"#: 1,
        ])
    }

    @Test("our teamd in the lab, before and after tp3's peer was cut: the degraded team in numbers")
    func oursRecorded() throws {
        let before = try Self.exposition(team: "team1", dump: try #require(Fixtures.ours("ours-activebackup")))
        let after = try Self.exposition(team: "team1", dump: try #require(Fixtures.ours("ours-activebackup-degraded")))
        #expect(before.problems.isEmpty && after.problems.isEmpty)
        #expect(before.samples[#"node_bonding_slaves{master="team1"}"#] == 2)
        #expect(before.samples[#"node_bonding_active{master="team1"}"#] == 2)
        #expect(after.samples[#"node_bonding_slaves{master="team1"}"#] == 2)
        #expect(after.samples[#"node_bonding_active{master="team1"}"#] == 1)
        #expect(before.samples[#"teamd_activebackup_active_port{team="team1",port="tp3"}"#] == 1)
        #expect(after.samples[#"teamd_activebackup_active_port{team="team1",port="tp3"}"#] == 0)
        #expect(after.samples[#"teamd_activebackup_active_port{team="team1",port="tp2"}"#] == 1)
        let tp3Watch = #"{team="team1",port="tp3",watch="link_watch_0",watcher="ethtool"}"#
        #expect(before.samples["teamd_link_watch_down_total" + tp3Watch] == 0)
        #expect(after.samples["teamd_link_watch_down_total" + tp3Watch] == 1)
        #expect(after.samples["teamd_link_watch_up" + tp3Watch] == 0)
        #expect(after.samples[#"teamd_port_link_up{team="team1",port="tp3"}"#] == 0)
        #expect(after.samples[#"teamd_info{team="team1",runner="activebackup",kernel_team_mode="activebackup"}"#] == 1)
        // The same families before and after: only values change, no series comes or goes.
        #expect(Set(before.samples.keys) == Set(after.samples.keys))
    }

    @Test("every family has its HELP and TYPE, and counters end in _total", arguments: [
        "c-activebackup", "c-lacp", "c-lacp-defaulted", "c-watchers", "c-tipc", "c-noports", "c-loadbalance",
    ])
    func format(name: String) throws {
        let text = try Self.exposition(dump: try #require(Fixtures.cTeamd(name)), restarts: 2)
        #expect(text.problems.isEmpty)
        for family in text.type.keys {
            #expect(text.help[family]?.isEmpty == false)
            #expect((text.type[family] == "counter") == family.hasSuffix("_total"))
            #expect(ExportedMetric.all.contains { $0.name == family && $0.kind.rawValue == text.type[family] })
        }
        #expect(text.samples[#"teamd_up{team="team0"}"#] == 1)
        #expect(text.samples[#"teamd_restarts_total{team="team0"}"#] == 2)
    }

    @Test("lacp: actor and partner state, selection, aggregator, receive state, partner identity")
    func lacp() throws {
        let text = try Self.exposition(dump: try #require(Fixtures.cTeamd("c-lacp")))
        let tp1 = #"{team="team0",port="tp1"}"#
        #expect(text.samples["teamd_lacp_actor_state" + tp1] == 63)
        #expect(text.samples["teamd_lacp_partner_state" + tp1] == 63)
        #expect(text.samples["teamd_lacp_port_selected" + tp1] == 1)
        #expect(text.samples["teamd_lacp_port_aggregator_id" + tp1] == 3)
        #expect(text.samples["teamd_lacp_port_aggregator_selected" + tp1] == 1)
        #expect(text.samples[#"teamd_lacp_partner_info{team="team0",port="tp1",partner_system="ae:c0:d6:3c:bf:ef",partner_key="0"}"#] == 1)
        #expect(text.family("teamd_lacp_port_receive_state").filter { $0.key.contains("port=\"tp1\"") } == [
            #"teamd_lacp_port_receive_state{team="team0",port="tp1",state="current"}"#: 1,
            #"teamd_lacp_port_receive_state{team="team0",port="tp1",state="expired"}"#: 0,
            #"teamd_lacp_port_receive_state{team="team0",port="tp1",state="defaulted"}"#: 0,
            #"teamd_lacp_port_receive_state{team="team0",port="tp1",state="disabled"}"#: 0,
        ])
        #expect(text.samples[#"teamd_info{team="team0",runner="lacp",kernel_team_mode="loadbalance"}"#] == 1)
        #expect(text.family("teamd_activebackup_active_port").isEmpty)
        #expect(text.family("teamd_lacp_in_pkts_total").isEmpty)  // the C teamd keeps no counters
    }

    @Test("lacp without a partner: defaulted, not selected; both ports still up")
    func lacpDefaulted() throws {
        let text = try Self.exposition(dump: try #require(Fixtures.cTeamd("c-lacp-defaulted")))
        let tp0 = #"{team="team0",port="tp0"}"#
        #expect(text.samples["teamd_lacp_actor_state" + tp0] == 71)
        #expect(text.samples["teamd_lacp_partner_state" + tp0] == 2)
        #expect(text.samples["teamd_lacp_port_selected" + tp0] == 0)
        #expect(text.samples[#"teamd_lacp_port_receive_state{team="team0",port="tp0",state="defaulted"}"#] == 1)
        #expect(text.samples[#"node_bonding_active{master="team0"}"#] == 2)
    }

    @Test("LACPDU counters, when teamd keeps them")
    func counters() throws {
        let dump = """
            {"ports": {"eth0": {"runner": {"aggregator": {"id": 4, "selected": true}, "selected": true, "state": "current",
             "statistics": {"lacpdu_rx_stats": 12, "lacpdu_tx_stats": 13, "lacpdu_illegal_pkts": 1, "marker_pdu_rx_stats": 2,
             "partner_churn_count": 3}}}}}
            """
        let text = try Self.exposition(team: "bond9", dump: dump)
        #expect(text.samples[#"teamd_lacp_in_pkts_total{team="bond9",port="eth0"}"#] == 12)
        #expect(text.samples[#"teamd_lacp_out_pkts_total{team="bond9",port="eth0"}"#] == 13)
        #expect(text.samples[#"teamd_lacp_rx_errors_total{team="bond9",port="eth0"}"#] == 1)
        #expect(text.samples[#"teamd_lacp_marker_in_pkts_total{team="bond9",port="eth0"}"#] == 2)
        #expect(text.samples[#"teamd_lacp_partner_churn_total{team="bond9",port="eth0"}"#] == 3)
        #expect(text.type["teamd_lacp_in_pkts_total"] == "counter")
        #expect(text.problems.isEmpty)
    }

    @Test("an unknown receive state is shown beside the known ones")
    func unknownReceiveState() throws {
        let text = try Self.exposition(dump: #"{"ports": {"p": {"runner": {"aggregator": {}, "state": "odd"}}}}"#)
        #expect(text.family("teamd_lacp_port_receive_state").count == 5)
        #expect(text.samples[#"teamd_lacp_port_receive_state{team="team0",port="p",state="odd"}"#] == 1)
    }

    @Test("ping watchers' missed replies")
    func missed() throws {
        let text = try Self.exposition(dump: try #require(Fixtures.cTeamd("c-watchers")))
        #expect(text.samples[#"teamd_link_watch_missed{team="team0",port="tp0",watch="link_watch_2",watcher="arp_ping"}"#] == 0)
        #expect(text.family("teamd_link_watch_missed").count == 3)  // tp0's two ping watchers, tp1's one
        #expect(text.family("teamd_link_watch_up").count == 5)
    }

    @Test("a teamd that does not answer: teamd_up 0 and its restarts, nothing else")
    func down() {
        let text = Self.exposition([TeamReading(team: "team3", state: .failure(TeamReadError("refused")), restarts: 1)])
        #expect(text.samples == [#"teamd_up{team="team3"}"#: 0, #"teamd_restarts_total{team="team3"}"#: 1])
        #expect(text.problems.isEmpty)
    }

    @Test("two teams: each family once, with both teams' samples")
    func twoTeams() throws {
        let a = try TeamSnapshot(team: "team0", stateDump: activeBackupDump(team: "team0"))
        let b = try TeamSnapshot(team: "team1", stateDump: activeBackupDump(team: "team1", ports: [("tp2", false), ("tp3", true)]))
        let text = Self.exposition([TeamReading(team: "team0", state: .success(a)), TeamReading(team: "team1", state: .success(b))])
        #expect(text.problems.isEmpty)
        #expect(text.family("node_bonding_active") == [
            #"node_bonding_active{master="team0"}"#: 2, #"node_bonding_active{master="team1"}"#: 1,
        ])
    }

    @Test("label values are escaped")
    func escaping() throws {
        let text = try Self.exposition(team: "t\"x", dump: #"{"ports": {"a\\b": {"link": {"up": true}}}}"#)
        #expect(text.samples[#"teamd_port_link_up{team="t\"x",port="a\\b"}"#] == 1)
    }
}
