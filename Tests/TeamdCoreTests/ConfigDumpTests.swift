import Testing
import TeamJSON
@testable import TeamdCore

/// ConfigDump, ConfigDumpActual, PortConfigDump and PortConfigUpdate as the C teamd
/// answers them: the user's JSON plus the defaults it writes back (teamd.c,
/// teamd_runner_activebackup.c, teamd_hash_func.c, teamd_link_watch.c, teamd_config.c).
@Suite struct ConfigDumpTests {
    func makeDocument(_ text: String, device: String = "team0", ports added: [String] = []) throws -> ConfigDocument {
        var document = ConfigDocument(config: try TeamdConfig(parsing: text), deviceName: device)
        for port in added {
            document.portAdded(port)
        }
        return document
    }

    @Test func emptyConfigShowsDeviceAndRunnerName() throws {
        let dump = try makeDocument("{}").dump()
        #expect(dump.serialized(.teamdControl) == """
            {
                "device": "team0",
                "runner": {
                    "name": "roundrobin"
                }
            }
            """)
    }

    @Test func activeBackupWritesAnnouncementsAndPortWatchers() throws {
        let text = #"{"device": "team0", "runner": {"name": "activebackup"}, "ports": {"eth1": {"prio": -10}, "eth2": {}}}"#
        let dump = try makeDocument(text, ports: ["eth1", "eth2"]).dump()
        #expect(dump.serialized(.teamdControl) == """
            {
                "device": "team0",
                "mcast_rejoin": {
                    "count": 1
                },
                "notify_peers": {
                    "count": 1
                },
                "ports": {
                    "eth1": {
                        "link_watch": {
                            "name": "ethtool"
                        },
                        "prio": -10
                    },
                    "eth2": {
                        "link_watch": {
                            "name": "ethtool"
                        }
                    }
                },
                "runner": {
                    "name": "activebackup"
                }
            }
            """)
        // Unsorted, the written-back keys follow the user's, in the order teamd writes them.
        #expect(dump.serialized() == #"{"device": "team0", "runner": {"name": "activebackup"}, "ports": {"eth1": {"prio": -10, "link_watch": {"name": "ethtool"}}, "eth2": {"link_watch": {"name": "ethtool"}}}, "notify_peers": {"count": 1}, "mcast_rejoin": {"count": 1}}"#)
    }

    @Test func explicitAnnouncementCountsAreKept() throws {
        let dump = try makeDocument(#"{"runner": {"name": "activebackup"}, "notify_peers": {"interval": 5, "count": 3}, "mcast_rejoin": {"interval": 7}}"#).dump()
        #expect(dump["notify_peers"] == ["interval": 5, "count": 3])
        #expect(dump["mcast_rejoin"]?.serialized() == #"{"interval": 7, "count": 1}"#)
    }

    @Test func otherRunnersWriteNoAnnouncements() throws {
        for name in ["broadcast", "roundrobin", "random", "loadbalance", "lacp"] {
            let dump = try makeDocument(#"{"runner": {"name": "\#(name)"}}"#).dump()
            #expect(dump["notify_peers"] == nil)
            #expect(dump["mcast_rejoin"] == nil)
        }
    }

    @Test func loadBalanceAndLACPWriteTheDefaultHash() throws {
        for name in ["loadbalance", "lacp"] {
            let dump = try makeDocument(#"{"runner": {"name": "\#(name)"}}"#).dump()
            #expect(dump["runner"]?.serialized() == #"{"name": "\#(name)", "tx_hash": ["eth", "ipv4", "ipv6"]}"#)
        }
        let own = try makeDocument(#"{"runner": {"name": "lacp", "tx_hash": ["l4"]}}"#).dump()
        #expect(own["runner"]?["tx_hash"] == ["l4"])
        let basic = try makeDocument(#"{"runner": {"name": "random"}}"#).dump()
        #expect(basic["runner"]?["tx_hash"] == nil)
    }

    @Test func runnerNameIsAppendedToAnExistingRunnerObject() throws {
        let dump = try makeDocument(#"{"runner": {"tx_hash": ["eth"]}}"#).dump()
        #expect(dump.serialized() == #"{"runner": {"tx_hash": ["eth"], "name": "roundrobin"}, "device": "team0"}"#)
    }

    @Test func deviceNameInUseReplacesTheConfiguredOne() throws {
        // teamd -t team1 with "device": "team9" in the file.
        let dump = try makeDocument(#"{"device": "team9", "runner": {"name": "random"}}"#, device: "team1").dump()
        #expect(dump.serialized() == #"{"device": "team1", "runner": {"name": "random"}}"#)
    }

    @Test func implicitWatcherOnlyWhenNoneIsConfigured() throws {
        let global = try makeDocument(#"{"link_watch": {"name": "ethtool"}, "ports": {"eth1": {}}}"#, ports: ["eth1", "eth5"])
        #expect(global.dump()["ports"] == ["eth1": [:]])

        let own = try makeDocument(#"{"ports": {"eth1": {"link_watch": {"name": "ethtool", "delay_up": 5}}}}"#,
                               ports: ["eth1", "eth5"])
        #expect(own.dump()["ports"] == [
            "eth1": ["link_watch": ["name": "ethtool", "delay_up": 5]],
            "eth5": ["link_watch": ["name": "ethtool"]],
        ])

        // A port that was added and left keeps its entry, as in the C teamd.
        let none = try makeDocument("{}", ports: ["eth7"])
        #expect(none.dump()["ports"] == ["eth7": ["link_watch": ["name": "ethtool"]]])
    }

    @Test func dumpActualHoldsExactlyThePresentPorts() throws {
        let document = try makeDocument(#"{"link_watch": {"name": "ethtool"}, "ports": {"eth1": {"prio": 1}, "eth2": {"prio": 2}}}"#)
        let actual = document.dumpActual(presentPorts: ["eth2", "eth3"])
        #expect(actual["ports"] == ["eth2": ["prio": 2], "eth3": [:]])
        #expect(actual["ports"]?.objectValue?.keys == ["eth2", "eth3"])
        // The dump itself is unchanged.
        #expect(document.dump()["ports"] == ["eth1": ["prio": 1], "eth2": ["prio": 2]])
        #expect(document.dumpActual(presentPorts: [])["ports"] == [:])

        let portless = try makeDocument("{}")
        #expect(portless.dumpActual(presentPorts: [])["ports"] == nil)
        #expect(portless.dumpActual(presentPorts: ["eth0"]).serialized(.teamdctlOneLine)
            == #"{"device": "team0", "ports": {"eth0": {}}, "runner": {"name": "roundrobin"}}"#)
    }

    @Test func portDumpShowsThePortObject() throws {
        let document = try makeDocument(#"{"ports": {"eth1": {"prio": 3, "sticky": true}}}"#, ports: ["eth1", "eth2"])
        #expect(document.portDump("eth1").serialized(.teamdControl) == """
            {
                "link_watch": {
                    "name": "ethtool"
                },
                "prio": 3,
                "sticky": true
            }
            """)
        #expect(document.portDump("eth2") == ["link_watch": ["name": "ethtool"]])
        #expect(document.portDump("eth3") == [:])
    }

    @Test func portUpdateReplacesThePortObject() throws {
        var document = try makeDocument(#"{"ports": {"eth1": {"prio": 3}, "eth2": {}}}"#, ports: ["eth1"])
        let result = try document.updatePort("eth1", json: #"{"prio": 10, "queue_id": 2, "lacp_key": 4, "colour": 1}"#)
        #expect(result.port == PortConfig(name: "eth1", settings: PortSettings(priority: 10, queueID: 2, lacpKey: 4)))
        #expect(result.warnings.map(\.description) == ["$.ports.eth1.colour: unknown key"])
        #expect(document.config.port(named: "eth1").settings.priority == 10)
        // Replaced, not merged: the written-back watcher is gone, the position kept.
        #expect(document.dump()["ports"]?.serialized() == #"{"eth1": {"prio": 10, "queue_id": 2, "lacp_key": 4, "colour": 1}, "eth2": {}}"#)
        #expect(document.portDump("eth1")["link_watch"] == nil)

        // NetworkManager sends "{}": the port falls back to every default.
        let cleared = try document.updatePort("eth2", json: "{}")
        #expect(cleared.port == PortConfig(name: "eth2"))

        // A port the config did not know is added to it.
        try document.updatePort("eth3", json: #"{"prio": -1}"#)
        #expect(document.config.ports.map(\.name) == ["eth1", "eth2", "eth3"])
        #expect(document.config.port(named: "eth3").settings.priority == -1)
        #expect(document.dump()["ports"]?["eth3"] == ["prio": -1])
    }

    @Test func portUpdateChangesWhichWatchersAPortRuns() throws {
        var document = try makeDocument(#"{"ports": {"eth1": {}}}"#)
        try document.updatePort("eth1", json: #"{"link_watch": {"name": "arp_ping", "target_host": "10.0.0.1"}}"#)
        #expect(document.config.linkWatchers(forPort: "eth1").map(\.name) == ["arp_ping"])
        document.portAdded("eth1")
        #expect(document.portDump("eth1")["link_watch"]?["name"] == "arp_ping")
    }

    @Test(arguments: [
        (#"{"prio": "x"}"#, "$.ports.eth1.prio"),
        (#"{"prio": 1, "prio": 2}"#, "$.ports.eth1.prio"),
        (#"{"link_watch": {"name": "arp_ping"}}"#, "$.ports.eth1.link_watch.target_host"),
        (#"[1]"#, "$.ports.eth1"),
        (#"{"prio": 1"#, "$.ports.eth1"),
        (#"{"lacp_prio": 70000}"#, "$.ports.eth1.lacp_prio"),
    ])
    func badPortUpdateChangesNothing(json: String, path: String) throws {
        var document = try makeDocument(#"{"ports": {"eth1": {"prio": 3}}}"#, ports: ["eth1"])
        let before = document
        let error = #expect(throws: ConfigError.self) { try document.updatePort("eth1", json: json) }
        #expect(error?.path.description == path)
        #expect(document == before)
    }

    @Test func portUpdateRefusesABadInterfaceName() throws {
        var document = try makeDocument("{}")
        let error = #expect(throws: ConfigError.self) { try document.updatePort("a/b", json: "{}") }
        #expect(error?.path.description == #"$.ports["a/b"]"#)
    }
}
