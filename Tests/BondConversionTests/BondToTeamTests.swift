import Testing
import TeamJSON
import TeamdCore
@testable import BondConversion

/// One bonding option set, the teamd.conf expected for it, and the settings its warnings must name.
struct BondCase: Sendable, CustomTestStringConvertible {
    let options: String
    let ports: [String]
    let expected: String
    let warnings: [String]

    init(_ options: String, ports: [String] = [], _ expected: String, warns warnings: [String] = []) {
        self.options = options
        self.ports = ports
        self.expected = expected
        self.warnings = warnings
    }

    var testDescription: String { options }
}

let bondCases: [BondCase] = [
    // Every mode.
    BondCase("mode=0", #"{"device":"team0","runner":{"name":"roundrobin"},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=balance-rr miimon=100", #"{"device":"team0","runner":{"name":"roundrobin"},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=1 miimon=100", ports: ["eth0", "eth1"],
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"eth0":{},"eth1":{}}}"#),
    BondCase("mode=balance-xor miimon=100",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["eth"]},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=3 miimon=100", #"{"device":"team0","runner":{"name":"broadcast"},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=802.3ad miimon=100",
             #"{"device":"team0","runner":{"name":"lacp","tx_hash":["eth"]},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=balance-tlb miimon=100",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["eth"],"tx_balancer":{"name":"basic"}},"link_watch":{"name":"ethtool"}}"#,
             warns: ["mode=balance-tlb"]),
    BondCase("mode=5 tlb_dynamic_lb=0 xmit_hash_policy=layer3+4 miimon=100",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["l3","l4"]},"link_watch":{"name":"ethtool"}}"#,
             warns: ["mode=balance-tlb"]),
    // Each transmit hash policy.
    BondCase("mode=2 xmit_hash_policy=layer2 miimon=50",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["eth"]},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=2 xmit_hash_policy=layer2+3 miimon=50",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["eth","l3"]},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=2 xmit_hash_policy=1 miimon=50",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["l3","l4"]},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=4 xmit_hash_policy=encap2+3 miimon=100",
             #"{"device":"team0","runner":{"name":"lacp","tx_hash":["eth","l3"]},"link_watch":{"name":"ethtool"}}"#,
             warns: ["xmit_hash_policy=encap2+3"]),
    BondCase("mode=4 xmit_hash_policy=encap3+4 miimon=100",
             #"{"device":"team0","runner":{"name":"lacp","tx_hash":["l3","l4"]},"link_watch":{"name":"ethtool"}}"#,
             warns: ["xmit_hash_policy=encap3+4"]),
    BondCase("mode=2 xmit_hash_policy=vlan+srcmac miimon=100",
             #"{"device":"team0","runner":{"name":"loadbalance","tx_hash":["vlan","eth"]},"link_watch":{"name":"ethtool"}}"#,
             warns: ["xmit_hash_policy=vlan+srcmac"]),
    // ARP monitoring: every target its own watcher.
    BondCase("mode=1 arp_interval=200 arp_ip_target=192.0.2.1",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"arp_ping","target_host":"192.0.2.1","interval":200,"missed_max":2}}"#),
    BondCase("mode=1 arp_interval=100 arp_ip_target=192.0.2.1,192.0.2.2,198.51.100.7 arp_validate=all",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":[{"name":"arp_ping","target_host":"192.0.2.1","interval":100,"missed_max":2,"validate_active":true,"validate_inactive":true},{"name":"arp_ping","target_host":"192.0.2.2","interval":100,"missed_max":2,"validate_active":true,"validate_inactive":true},{"name":"arp_ping","target_host":"198.51.100.7","interval":100,"missed_max":2,"validate_active":true,"validate_inactive":true}]}"#),
    BondCase("mode=1 arp_interval=500 arp_ip_target=10.0.0.1 arp_ip_target=10.0.0.2 arp_validate=active arp_all_targets=all arp_missed_max=5",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch_policy":"all","link_watch":[{"name":"arp_ping","target_host":"10.0.0.1","interval":500,"missed_max":5,"validate_active":true},{"name":"arp_ping","target_host":"10.0.0.2","interval":500,"missed_max":5,"validate_active":true}]}"#),
    BondCase("mode=0 arp_interval=1000 arp_ip_target=10.0.0.1 arp_validate=filter_backup",
             #"{"device":"team0","runner":{"name":"roundrobin"},"link_watch":{"name":"arp_ping","target_host":"10.0.0.1","interval":1000,"missed_max":2,"validate_inactive":true}}"#),
    // ns_ip6_target: nsna_ping, next to ARP targets.
    BondCase("mode=1 arp_interval=100 ns_ip6_target=2001:db8::1",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"nsna_ping","target_host":"2001:db8::1","interval":100,"missed_max":2}}"#),
    BondCase("mode=1 arp_interval=100 arp_ip_target=192.0.2.1 ns_ip6_target=2001:db8::1,2001:DB8:0::2",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":[{"name":"arp_ping","target_host":"192.0.2.1","interval":100,"missed_max":2},{"name":"nsna_ping","target_host":"2001:db8::1","interval":100,"missed_max":2},{"name":"nsna_ping","target_host":"2001:db8::2","interval":100,"missed_max":2}]}"#),
    // miimon with delays.
    BondCase("mode=1 miimon=100 updelay=200 downdelay=300",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool","delay_up":200,"delay_down":300}}"#),
    BondCase("mode=4 miimon=100 downdelay=100",
             #"{"device":"team0","runner":{"name":"lacp","tx_hash":["eth"]},"link_watch":{"name":"ethtool","delay_down":100}}"#),
    BondCase("mode=1 arp_interval=100 arp_ip_target=10.0.0.1 updelay=200",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"arp_ping","target_host":"10.0.0.1","interval":100,"missed_max":2}}"#,
             warns: ["updelay=200"]),
    BondCase("mode=1 arp_interval=100 arp_ip_target=10.0.0.1 miimon=100",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}"#,
             warns: ["miimon=100 arp_interval=100"]),
    // primary and primary_reselect.
    BondCase("mode=1 miimon=100 primary=eth1", ports: ["eth0", "eth1"],
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"eth0":{},"eth1":{"prio":10}}}"#),
    BondCase("mode=1 miimon=100 primary=eth1 primary_reselect=failure", ports: ["eth0", "eth1"],
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"eth0":{"sticky":true},"eth1":{"prio":10,"sticky":true}}}"#),
    BondCase("mode=1 miimon=100 primary=eth2 primary_reselect=better", ports: ["eth0", "eth1"],
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"eth0":{},"eth1":{},"eth2":{"prio":10}}}"#,
             warns: ["primary=eth2", "primary_reselect=better"]),
    BondCase("mode=1 miimon=100 primary=eth0 primary_reselect=0",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"eth0":{"prio":10}}}"#),
    // fail_over_mac.
    BondCase("mode=1 miimon=100 fail_over_mac=none",
             #"{"device":"team0","runner":{"name":"activebackup","hwaddr_policy":"same_all"},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=1 miimon=100 fail_over_mac=1",
             #"{"device":"team0","runner":{"name":"activebackup","hwaddr_policy":"by_active"},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=1 miimon=100 fail_over_mac=follow",
             #"{"device":"team0","runner":{"name":"activebackup","hwaddr_policy":"only_active"},"link_watch":{"name":"ethtool"}}"#),
    // LACP options.
    BondCase("mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4 min_links=2 ad_select=count ad_actor_sys_prio=100",
             #"{"device":"team0","runner":{"name":"lacp","fast_rate":true,"sys_prio":100,"min_ports":2,"agg_select_policy":"count","tx_hash":["l3","l4"]},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=4 miimon=100 lacp_rate=0 lacp_active=off ad_select=bandwidth ad_user_port_key=5", ports: ["eth0", "eth1"],
             #"{"device":"team0","runner":{"name":"lacp","fast_rate":false,"active":false,"agg_select_policy":"bandwidth","tx_hash":["eth"]},"link_watch":{"name":"ethtool"},"ports":{"eth0":{"lacp_key":5},"eth1":{"lacp_key":5}}}"#),
    BondCase("mode=4 miimon=100 ad_select=stable min_links=1",
             #"{"device":"team0","runner":{"name":"lacp","agg_select_policy":"bandwidth","tx_hash":["eth"]},"link_watch":{"name":"ethtool"}}"#,
             warns: ["ad_select=stable"]),
    // Peer notifications.
    BondCase("mode=1 miimon=100 num_grat_arp=3 peer_notif_delay=200 resend_igmp=4",
             #"{"device":"team0","runner":{"name":"activebackup"},"notify_peers":{"count":3,"interval":200},"mcast_rejoin":{"count":4,"interval":200},"link_watch":{"name":"ethtool"}}"#),
    BondCase("mode=1 miimon=100 num_unsol_na=0 resend_igmp=0",
             #"{"device":"team0","runner":{"name":"activebackup"},"notify_peers":{"count":0},"mcast_rejoin":{"count":0},"link_watch":{"name":"ethtool"}}"#),
    // No team equivalent, or no effect in the mode: converted without it, and named.
    BondCase("mode=0 miimon=100 packets_per_slave=4",
             #"{"device":"team0","runner":{"name":"roundrobin"},"link_watch":{"name":"ethtool"}}"#,
             warns: ["packets_per_slave=4"]),
    BondCase("mode=1 miimon=100 all_slaves_active=1 use_carrier=0 active_slave=eth0",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}"#,
             warns: ["all_slaves_active=1", "use_carrier=0", "active_slave=eth0"]),
    BondCase("mode=4 miimon=100 ad_actor_system=02:00:00:00:00:01 coupled_control=0",
             #"{"device":"team0","runner":{"name":"lacp","tx_hash":["eth"]},"link_watch":{"name":"ethtool"}}"#,
             warns: ["ad_actor_system=02:00:00:00:00:01", "coupled_control=0"]),
    BondCase("mode=1 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4 min_links=2",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}"#,
             warns: ["lacp_rate=fast", "xmit_hash_policy=layer3+4", "min_links=2"]),
    BondCase("mode=1 arp_interval=100",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}"#,
             warns: ["arp_interval=100"]),
    BondCase("mode=1 miimon=100 arp_ip_target=10.0.0.1",
             #"{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}"#,
             warns: ["arp_ip_target/ns_ip6_target"]),
]

@Suite("bond2team: bonding options to teamd.conf")
struct BondToTeamTests {
    @Test("each option set converts to the expected config, which our teamd accepts", arguments: bondCases)
    func converts(_ bond: BondCase) throws {
        let conversion = try BondToTeam.convert(try BondingOptions(parsing: bond.options), device: "team0", ports: bond.ports)
        let expected = try JSONValue(parsing: bond.expected)
        #expect(JSONValue.object(conversion.config) == expected,
                "got \(JSONValue.object(conversion.config).serialized())")
        // The file as written decodes in our teamd, with no unknown key.
        let config = try TeamdConfig(parsing: conversion.text)
        #expect(config.warnings.isEmpty, "teamd warns: \(config.warnings)")
        let warned = conversion.messages.filter { $0.level == .warning }.map(\.setting)
        #expect(warned.sorted() == bond.warnings.sorted(), "warnings: \(conversion.messages)")
    }

    @Test("at least 30 option sets, every mode but balance-alb among them")
    func coverage() throws {
        #expect(bondCases.count >= 30)
        let modes = try Set(bondCases.map { try BondSettings(BondingOptions(parsing: $0.options)).effective("mode") })
        #expect(modes == ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb"])
    }

    @Test("what cannot be kept is an error naming it, and nothing is produced", arguments: [
        ("mode=6 miimon=100", "mode=balance-alb"),
        ("mode=7", "mode=7"),
        ("mode=1 miimon=fast", "miimon=fast"),
        ("mode=1 frobnicate=1", "frobnicate=1"),
        ("mode=1 arp_interval=100 arp_ip_target=10.0.0.300", "arp_ip_target=10.0.0.300"),
        ("mode=1 arp_interval=100 ns_ip6_target=10.0.0.1", "ns_ip6_target=10.0.0.1"),
        ("mode=4 min_links=2000", "min_links=2000"),
        ("mode=1 miimon", "miimon"),
        ("mode=1 ad_actor_system=02:00", "ad_actor_system=02:00"),
    ])
    func refuses(_ options: String, _ setting: String) {
        #expect(throws: ConversionError.self) {
            try BondToTeam.convert(try BondingOptions(parsing: options), device: "team0")
        }
        do {
            _ = try BondToTeam.convert(try BondingOptions(parsing: options), device: "team0")
        } catch {
            #expect(error.setting == setting, "\(error)")
        }
    }

    @Test("every ARP target keeps its own watcher, in order, without repeats")
    func everyTarget() throws {
        let targets = (1...8).map { "10.0.\($0).1" }
        let text = "mode=1 arp_interval=100 arp_ip_target=" + targets.joined(separator: ",") + " arp_ip_target=10.0.1.1"
        let config = try TeamdConfig(parsing: try BondToTeam.convert(try BondingOptions(parsing: text), device: "t").text)
        let hosts = config.linkWatchers.compactMap { watcher -> String? in
            if case .arpPing(let arp) = watcher { return arp.targetHost.description } else { return nil }
        }
        #expect(hosts == targets)
    }
}
