#if canImport(Glibc)
import Glibc
#endif
import Testing
import TeamJSON
import TeamdCore
@testable import BondConversion

@Suite("bond2team --from-sysfs and the command lines")
struct SysfsAndCommandLineTests {
    /// A fake /sys/class/net with bond0's bonding/ files as Linux 6.1 shows them for an 802.3ad bond.
    static func fakeSysfs() throws -> String {
        var template = Array("/tmp/bond2team-test.XXXXXX".utf8CString)
        let root = String(cString: try #require(mkdtemp(&template)))
        mkdir("\(root)/bond0", 0o755)
        mkdir("\(root)/bond0/bonding", 0o755)
        let files = [
            "mode": "802.3ad 4", "xmit_hash_policy": "layer3+4 1", "lacp_rate": "fast 1", "lacp_active": "on 1",
            "ad_select": "count 2", "miimon": "100", "updelay": "200", "downdelay": "0", "arp_interval": "0",
            "arp_ip_target": "", "ns_ip6_target": "", "arp_validate": "none 0", "arp_all_targets": "any 0",
            "arp_missed_max": "2", "primary": "", "primary_reselect": "always 0", "fail_over_mac": "none 0",
            "min_links": "1", "ad_actor_sys_prio": "65535", "ad_user_port_key": "0",
            "ad_actor_system": "00:00:00:00:00:00", "num_grat_arp": "1", "num_unsol_na": "1", "peer_notif_delay": "0",
            "resend_igmp": "1", "all_slaves_active": "0", "packets_per_slave": "1", "tlb_dynamic_lb": "1",
            "lp_interval": "1", "use_carrier": "1", "queue_id": "tp0:0 tp1:3", "slaves": "tp0 tp1",
            "mii_status": "up", "ad_aggregator": "1", "ad_num_ports": "2", "ad_actor_key": "15",
            "ad_partner_key": "15", "ad_partner_mac": "02:00:00:00:00:02", "active_slave": "",
            "coupled_control": "1", "broadcast_neighbor": "0",
        ]
        for (name, contents) in files { try Files.write(contents + "\n", to: "\(root)/bond0/bonding/\(name)") }
        return root
    }

    @Test("a live 802.3ad bond: mode and options converted, defaults and status silent, an unknown file warned")
    func fromSysfs() throws {
        let root = try Self.fakeSysfs()
        let options = try BondSysfs.read(bond: "bond0", root: root)
        #expect(options.slaves == ["tp0", "tp1"])
        let conversion = try BondToTeam.convert(options, device: "team0", ports: options.slaves)
        #expect(JSONValue.object(conversion.config) == (try JSONValue(parsing: """
            {"device":"team0","runner":{"name":"lacp","fast_rate":true,"active":true,"sys_prio":65535,
             "agg_select_policy":"count","tx_hash":["l3","l4"]},"link_watch":{"name":"ethtool","delay_up":200},
             "ports":{"tp0":{},"tp1":{"queue_id":3}}}
            """)))
        #expect(conversion.messages.filter { $0.level == .warning }.map(\.setting) == ["broadcast_neighbor=0"])
        #expect(throws: ConversionError.self) { try BondSysfs.read(bond: "bond9", root: root) }
    }

    @Test("bond2team --from-sysfs --json --outputdir writes NAME.conf, which teamd accepts")
    func commandLine() throws {
        let root = try Self.fakeSysfs()
        let status = Bond2Team.main(arguments: ["--from-sysfs", "bond0", "--rename", "team0", "--json", "--quiet",
                                                "--outputdir", root], sysfsRoot: root)
        #expect(status == 0)
        let config = try TeamdConfig(parsing: try Files.read("\(root)/team0.conf"))
        #expect(config.runner.name == "lacp")
        #expect(config.ports.map(\.name) == ["tp0", "tp1"])
    }

    @Test("bad command lines are errors naming what is wrong", arguments: [
        ([], "No master interface or bonding options specified"),
        (["--json=yes", "--master", "bond0"], "option --json does not take a value"),
        (["--master"], "option --master needs a value"),
        (["--from-sysfs", "bond0", "--bonding_opts", "mode=1"], "--from-sysfs reads the bond itself: --master and --bonding_opts do not go with it"),
        (["--frobnicate"], "unknown parameter: --frobnicate"),
    ])
    func badBond2TeamArguments(_ arguments: [String], _ message: String) {
        #expect(throws: ArgumentScanner.Failure(description: message)) { try Bond2TeamOptions.parse(arguments) }
    }

    @Test("team2bond: the input is one of a file, - and --team; formats are checked")
    func team2bondArguments() throws {
        #expect(try Team2Bond.parse(["--format", "all", "-"]).formats == BondFormat.allCases)
        #expect(try Team2Bond.parse(["--team", "team0"]).team == "team0")
        #expect(throws: ArgumentScanner.Failure(description: "give a config file, - or --team DEVICE (one of them)")) {
            try Team2Bond.parse(["--team", "team0", "-"])
        }
        #expect(throws: ArgumentScanner.Failure(description: "unknown format \"yaml\": iproute2, nmcli, networkd, ifupdown or all")) {
            try Team2Bond.parse(["--format", "yaml", "-"])
        }
    }
}
