import Testing
import TeamJSON
import TeamdCore
@testable import BondConversion

/// One teamd config, the bond options and slaves expected, and the settings reported untranslated.
struct TeamCase: Sendable, CustomTestStringConvertible {
    let config: String
    let options: String
    let slaves: [String]
    let untranslated: [String]

    init(_ config: String, _ options: String, slaves: [String] = [], lost untranslated: [String] = []) {
        self.config = config
        self.options = options
        self.slaves = slaves
        self.untranslated = untranslated
    }

    var testDescription: String { config }
}

let teamCases: [TeamCase] = [
    TeamCase(#"{"device":"t0","runner":{"name":"broadcast"},"ports":{"eth0":{},"eth1":{}}}"#,
             "mode=broadcast miimon=100", slaves: ["eth0", "eth1"]),
    TeamCase(#"{"runner":{"name":"roundrobin"},"link_watch":{"name":"ethtool","delay_up":250}}"#,
             "mode=balance-rr miimon=50 updelay=250"),
    TeamCase(#"{"runner":{"name":"activebackup"},"ports":{"eth0":{"prio":10},"eth1":{"prio":-5}}}"#,
             "mode=active-backup num_grat_arp=1 resend_igmp=1 miimon=100 primary=eth0", slaves: ["eth0 prio 10", "eth1 prio -5"]),
    TeamCase(#"{"runner":{"name":"activebackup","hwaddr_policy":"by_active"},"ports":{"eth0":{"sticky":true},"eth1":{"sticky":true}}}"#,
             "mode=active-backup fail_over_mac=active num_grat_arp=1 resend_igmp=1 miimon=100 primary_reselect=failure",
             slaves: ["eth0", "eth1"]),
    TeamCase(#"{"runner":{"name":"activebackup","hwaddr_policy":"only_active"},"ports":{"eth0":{"sticky":true,"prio":3},"eth1":{}}}"#,
             "mode=active-backup fail_over_mac=follow num_grat_arp=1 resend_igmp=1 miimon=100 primary=eth0",
             slaves: ["eth0 prio 3", "eth1"], lost: ["$.ports.eth0.sticky"]),
    TeamCase(#"{"runner":{"name":"activebackup"},"notify_peers":{"count":3,"interval":50},"mcast_rejoin":{"count":2,"interval":100},"link_watch":{"name":"arp_ping","target_host":"192.0.2.1","interval":100,"missed_max":4,"validate_active":true}}"#,
             "mode=active-backup num_grat_arp=3 peer_notif_delay=50 resend_igmp=2 arp_interval=100 arp_missed_max=4 arp_ip_target=192.0.2.1 arp_validate=filter_active",
             lost: ["$.mcast_rejoin.interval"]),
    TeamCase(#"{"runner":{"name":"activebackup"},"link_watch":[{"name":"arp_ping","target_host":"192.0.2.1","interval":200,"validate_active":true,"validate_inactive":true},{"name":"arp_ping","target_host":"192.0.2.2","interval":200,"validate_active":true,"validate_inactive":true}],"link_watch_policy":"all"}"#,
             "mode=active-backup num_grat_arp=1 resend_igmp=1 arp_interval=200 arp_missed_max=3 arp_ip_target=192.0.2.1,192.0.2.2 arp_validate=all arp_all_targets=all"),
    TeamCase(#"{"runner":{"name":"activebackup"},"link_watch":[{"name":"ethtool"},{"name":"nsna_ping","target_host":"2001:db8::1","interval":300}]}"#,
             "mode=active-backup num_grat_arp=1 resend_igmp=1 arp_interval=300 arp_missed_max=3 ns_ip6_target=2001:db8::1",
             lost: ["link_watch ethtool"]),
    TeamCase(#"{"runner":{"name":"activebackup"},"ports":{"eth0":{"link_watch":{"name":"arp_ping","target_host":"10.0.0.1","vlanid":5,"send_always":true,"source_host":"10.0.0.9"}},"eth1":{"link_watch":{"name":"arp_ping","target_host":"10.0.0.2"}}}}"#,
             "mode=active-backup num_grat_arp=1 resend_igmp=1 arp_interval=1000 arp_missed_max=3 arp_ip_target=10.0.0.1,10.0.0.2 arp_validate=filter",
             slaves: ["eth0", "eth1"],
             lost: ["$.ports.eth0.link_watch", "$.ports.eth1.link_watch", "link_watch arp_ping source_host",
                    "link_watch arp_ping vlanid", "link_watch arp_ping send_always"]),
    TeamCase(#"{"runner":{"name":"loadbalance"}}"#, "mode=balance-xor xmit_hash_policy=layer2+3 miimon=100"),
    TeamCase(#"{"runner":{"name":"loadbalance","tx_hash":["l3","l4"]}}"#, "mode=balance-xor xmit_hash_policy=layer3+4 miimon=100"),
    TeamCase(#"{"runner":{"name":"loadbalance","tx_hash":["eth"]}}"#, "mode=balance-xor xmit_hash_policy=layer2 miimon=100"),
    TeamCase(#"{"runner":{"name":"loadbalance","tx_hash":["ipv4","tcp"]}}"#, "mode=balance-xor xmit_hash_policy=layer3+4 miimon=100",
             lost: ["$.runner.tx_hash"]),
    TeamCase(#"{"runner":{"name":"loadbalance","tx_hash":["eth","l3"],"tx_balancer":{"name":"basic"}}}"#,
             "mode=balance-tlb xmit_hash_policy=layer2+3 miimon=100", lost: ["$.runner.tx_balancer"]),
    TeamCase(#"{"runner":{"name":"lacp","active":true,"fast_rate":true,"sys_prio":100,"min_ports":2,"agg_select_policy":"count","tx_hash":["l3","l4"]},"ports":{"eth0":{"lacp_key":7},"eth1":{"lacp_key":7}}}"#,
             "mode=802.3ad lacp_rate=fast ad_actor_sys_prio=100 min_links=2 ad_select=count xmit_hash_policy=layer3+4 miimon=100 ad_user_port_key=7",
             slaves: ["eth0", "eth1"]),
    TeamCase(#"{"runner":{"name":"lacp","active":false,"fallback":true},"ports":{"eth0":{"lacp_prio":10},"eth1":{"lacp_key":3}}}"#,
             "mode=802.3ad lacp_rate=slow lacp_active=off ad_select=stable xmit_hash_policy=layer2+3 miimon=100",
             slaves: ["eth0", "eth1"],
             lost: ["$.runner.agg_select_policy", "$.runner.fallback", "$.ports.eth0.lacp_prio", "$.ports.*.lacp_key"]),
    TeamCase(#"{"runner":{"name":"lacp","agg_select_policy":"bandwidth"},"hwaddr":"02:00:00:00:00:05","ports":{"eth0":{"queue_id":2}}}"#,
             "mode=802.3ad lacp_rate=slow ad_select=bandwidth xmit_hash_policy=layer2+3 miimon=100",
             slaves: ["eth0 queue_id 2"]),
    TeamCase(#"{"runner":{"name":"roundrobin"},"link_watch":{"name":"tipc","tipc_bearer":"eth:eth0"}}"#,
             "mode=balance-rr miimon=100", lost: ["link_watch tipc (eth:eth0)"]),
]

@Suite("team2bond: teamd configs to bonds")
struct TeamToBondTests {
    static func describe(_ slave: ConvertedBond.Slave) -> String {
        slave.name + (slave.priority.map { " prio \($0)" } ?? "") + (slave.queueID.map { " queue_id \($0)" } ?? "")
    }

    @Test("each config converts to the expected bond, reporting what does not translate", arguments: teamCases)
    func converts(_ team: TeamCase) throws {
        let plan = try TeamToBond.convert(try TeamdConfig(parsing: team.config))
        #expect(plan.options.map { "\($0.name)=\($0.value)" }.joined(separator: " ") == team.options)
        #expect(plan.slaves.map(Self.describe) == team.slaves)
        #expect(plan.untranslated.map(\.setting).sorted() == team.untranslated.sorted(), "\(plan.untranslated)")
        // Every format renders all of it.
        for format in BondFormat.allCases {
            #expect(!plan.render(format).files.isEmpty)
        }
    }

    @Test("at least 15 configs, every runner but random among them")
    func coverage() throws {
        #expect(teamCases.count >= 15)
        let runners = try Set(teamCases.map { try TeamdConfig(parsing: $0.config).runner.name })
        #expect(runners == ["broadcast", "roundrobin", "activebackup", "loadbalance", "lacp"])
    }

    @Test("random is an error naming roundrobin")
    func random() {
        #expect(throws: ConversionError("$.runner.name", "the random runner has no bonding mode; roundrobin "
            + "(balance-rr) is the closest: change the runner to roundrobin to convert")) {
            try TeamToBond.convert(try TeamdConfig(parsing: #"{"runner":{"name":"random"}}"#))
        }
    }

    static let plan = ConvertedBond(
        device: "bond0", options: [BondingOption("mode", "active-backup"), BondingOption("miimon", "100"),
                                   BondingOption("arp_ip_target", "10.0.0.1,10.0.0.2"), BondingOption("primary", "eth0"),
                                   BondingOption("lacp_active", "on")],
        hardwareAddress: "02:00:00:00:00:05",
        slaves: [.init(name: "eth0", priority: 10, queueID: nil), .init(name: "eth1", priority: 5, queueID: 3)],
        untranslated: [])

    @Test("iproute2: create with every option, enslave down, slave options, up")
    func iproute2() {
        #expect(Self.plan.render(.iproute2).files[0].text == """
            #!/bin/sh
            # bond bond0, converted from a teamd config by team2bond
            set -e
            ip link add bond0 address 02:00:00:00:00:05 type bond mode active-backup miimon 100 arp_ip_target 10.0.0.1,10.0.0.2 primary eth0 lacp_active on
            ip link set eth0 down
            ip link set eth0 master bond0
            ip link set eth0 type bond_slave prio 10
            ip link set eth0 up
            ip link set eth1 down
            ip link set eth1 master bond0
            ip link set eth1 type bond_slave prio 5 queue_id 3
            ip link set eth1 up
            ip link set bond0 up

            """)
    }

    @Test("nmcli: bond.options and one port connection per slave")
    func nmcli() {
        let text = Self.plan.render(.nmcli).files[0].text
        #expect(text.contains("nmcli connection add type bond ifname bond0 con-name bond0 bond.options "
            + "'mode=active-backup,miimon=100,arp_ip_target=10.0.0.1 10.0.0.2,primary=eth0' "
            + "ethernet.cloned-mac-address 02:00:00:00:00:05\n"))
        #expect(text.contains("nmcli connection add type ethernet ifname eth1 con-name bond0-eth1 master bond0 "
            + "slave-type bond bond-port.queue-id 3\n"))
        #expect(Self.plan.render(.nmcli).untranslated.map(\.setting) == ["nmcli: lacp_active", "nmcli: eth1 prio"])
    }

    @Test("networkd: the netdev's [Bond] keys, Bond= and PrimarySlave= per slave, the rest reported")
    func networkd() {
        let rendering = Self.plan.render(.networkd)
        #expect(rendering.files.map(\.name) == ["bond0.netdev", "bond0.network", "bond0-eth0.network", "bond0-eth1.network"])
        #expect(rendering.files[0].text.contains("[Bond]\nMode=active-backup\nMIIMonitorSec=100ms\nARPIPTargets=10.0.0.1 10.0.0.2\n"))
        #expect(rendering.files[2].text.contains("Bond=bond0\nPrimarySlave=true\n"))
        #expect(rendering.untranslated.map(\.setting) == ["networkd: lacp_active", "networkd: eth1 prio", "networkd: eth1 queue_id"])
    }

    @Test("ifupdown: bond-* options, bond-slaves, the rest reported")
    func ifupdown() {
        let rendering = Self.plan.render(.ifupdown)
        #expect(rendering.files[0].text.contains("""
            iface bond0 inet manual
                bond-slaves eth0 eth1
                hwaddress ether 02:00:00:00:00:05
                bond-mode active-backup
                bond-miimon 100
                bond-arp-ip-target 10.0.0.1 10.0.0.2
                bond-primary eth0

            """))
        #expect(rendering.untranslated.map(\.setting) == ["ifupdown: lacp_active", "ifupdown: eth1 prio"])
    }
}
