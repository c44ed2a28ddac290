import Testing
import TeamJSON
import TeamKit
import TeamTesting
import TeamWire
import Packets
@testable import TeamdCore

/// The daemon on the bonding backend against the in-memory kernel (its bonding side in
/// FakeKernel+Bonding.swift): backend choice, the bond made from the config, the active slave, parked ports.
final class BondHarness {
    let kernel = FakeKernel()
    let config: TeamdConfig
    var options = DaemonOptions(deviceName: "team0")
    var modprobeLoadsTeam = false
    private(set) var modprobed: [String] = []
    private var started: Daemon?
    var daemon: Daemon { started! }

    init(_ configText: String, ports: [String] = ["eth0", "eth1"], teamModule: Bool = false) throws {
        for name in ports { kernel.addLink(name: name) }
        kernel.teamFamilyRegistered = teamModule
        config = try TeamdConfig(parsing: configText)
    }

    func start() throws {
        var access = DaemonHarness.access(kernel)
        access.loadModule = { [unowned self] name in
            modprobed.append(name)
            if name == "team" && modprobeLoadsTeam { kernel.teamFamilyRegistered = true }
            return name == "team" && modprobeLoadsTeam
        }
        started = try Daemon.start(config: config, options: options, kernel: access, clock: { 0 })
    }

    func pump() { pumpUntilQuiet(daemon, kernel) }
    var bond: UInt32 { kernel.index(of: "team0") ?? 0 }
    func index(_ name: String) -> UInt32 { kernel.index(of: name)! }
    var activeSlave: UInt32? { kernel.bondParameters(bond)?.activeSlave }
    var bondPortNames: [String] { kernel.ports(ofBond: bond).map { kernel.links[$0]!.name } }
}

@Suite struct BondingBackendTests {
    static let activeBackup = """
        {"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"},
         "ports": {"eth0": {}, "eth1": {"prio": 10}}}
        """

    @Test func withoutTheTeamDriverTheDaemonRunsABond() throws {
        let h = try BondHarness(Self.activeBackup)
        try h.start()
        #expect(h.daemon.backend == .bonding)
        #expect(h.modprobed == ["team"])
        #expect(h.kernel.links[h.bond]?.kind == "bond")
        let parameters = try #require(h.kernel.bondParameters(h.bond))
        #expect(parameters.mode == .activeBackup)
        #expect(parameters.miimon == 0 && parameters.arpInterval == 0)
        #expect(parameters.failOverMAC == .off)
        #expect(h.bondPortNames == ["eth0", "eth1"])
        h.pump()
        #expect(h.activeSlave == h.index("eth1"))                       // prio 10 wins
        let setup = h.daemon.stateDump()["setup"]
        #expect(setup?["kernel_team_mode_name"] == .string("active-backup"))
        #expect(setup?["runner_name"] == .string("activebackup"))
        #expect(h.daemon.stateDump()["runner"]?["active_port"] == .string("eth1"))
    }

    @Test func modprobeTeamKeepsTheTeamDriver() throws {
        let h = try BondHarness(Self.activeBackup)
        h.modprobeLoadsTeam = true
        try h.start()
        #expect(h.daemon.backend == .team)
        #expect(h.kernel.links[h.bond]?.kind == "team")
    }

    @Test func aCutLinkMovesTheActiveSlaveAndStickinessHolds() throws {
        let h = try BondHarness("""
            {"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"},
             "ports": {"eth0": {"prio": 20}, "eth1": {"prio": 10, "sticky": true}}}
            """)
        try h.start()
        h.pump()
        #expect(h.activeSlave == h.index("eth0"))
        h.kernel.setCarrier(false, index: h.index("eth0"))
        h.pump()
        #expect(h.activeSlave == h.index("eth1"))
        h.kernel.setCarrier(true, index: h.index("eth0"))
        h.pump()
        #expect(h.activeSlave == h.index("eth1"))                       // eth1 is sticky, eth0's prio does not matter
        #expect(h.bondPortNames == ["eth0", "eth1"])                    // active-backup never parks a port
    }

    @Test func aFailedPortLeavesTheBondAndComesBack() throws {
        let h = try BondHarness("""
            {"runner": {"name": "roundrobin"}, "link_watch": {"name": "ethtool"}, "ports": {"eth0": {}, "eth1": {}}}
            """)
        try h.start()
        h.pump()
        #expect(h.kernel.bondParameters(h.bond)?.mode == .balanceRR)
        h.kernel.setCarrier(false, index: h.index("eth0"))
        h.pump()
        #expect(h.bondPortNames == ["eth1"])
        #expect(h.kernel.links[h.index("eth0")]?.isUp == true)          // parked: up for its watchers
        #expect(h.daemon.stateDump()["ports"]?["eth0"] != nil)          // still teamd's port
        h.kernel.setCarrier(true, index: h.index("eth0"))
        h.pump()
        #expect(h.bondPortNames == ["eth1", "eth0"])
        #expect(h.daemon.call(method: "PortRemove", arguments: ["eth1"]) == .success(""))
        h.pump()
        #expect(h.bondPortNames == ["eth0"])
        #expect(h.daemon.stateDump()["ports"]?["eth1"] == nil)
        #expect(h.daemon.call(method: "PortAdd", arguments: ["eth1"]) == .success(""))
        h.pump()
        #expect(h.bondPortNames == ["eth0", "eth1"])
    }

    @Test func lacpBecomes8023ad() throws {
        let h = try BondHarness("""
            {"runner": {"name": "lacp", "fast_rate": true, "min_ports": 2, "sys_prio": 100, "agg_select_policy": "count",
                        "tx_hash": ["ipv4", "ipv6", "l4"]},
             "ports": {"eth0": {"lacp_key": 5}, "eth1": {"lacp_key": 5}}}
            """)
        try h.start()
        let parameters = try #require(h.kernel.bondParameters(h.bond))
        #expect(parameters.mode == .ieee8023ad)
        #expect(parameters.fastLACPRate == true && parameters.minimumLinks == 2 && parameters.actorSystemPriority == 100)
        #expect(parameters.aggregatorSelection == .count && parameters.userPortKey == 5)
        #expect(parameters.transmitHashPolicy == .layer34)
        #expect(h.daemon.stateDump()["setup"]?["kernel_team_mode_name"] == .string("802.3ad"))
        #expect(h.daemon.stateDump()["runner"]?["min_ports"] == .integer(2))
    }

    @Test func withNeitherDriverOneLineNamesBothModules() throws {
        let h = try BondHarness(Self.activeBackup)
        h.kernel.bondingAvailable = false
        #expect { try h.start() } throws: { error in
            "\(error)".contains("modules team and bonding missing")
        }
        #expect(h.kernel.index(of: "team0") == nil)
    }

    @Test func aForcedBackendNamesItsMissingModule() throws {
        let team = try BondHarness(Self.activeBackup)
        team.options.backend = .team
        #expect { try team.start() } throws: { "\($0)".contains("module team missing") }
        #expect(team.modprobed.isEmpty)
        let bonding = try BondHarness(Self.activeBackup, teamModule: true)
        bonding.options.backend = .bonding
        try bonding.start()
        #expect(bonding.daemon.backend == .bonding)
        #expect(bonding.modprobed.isEmpty)
    }

    @Test func randomIsRefusedNamingRoundrobin() throws {
        let h = try BondHarness(#"{"runner": {"name": "random"}}"#)
        #expect { try h.start() } throws: { "\($0)".contains("use \"roundrobin\"") }
        #expect(h.kernel.index(of: "team0") == nil)
    }

    @Test func theCommandLineAndItsErrors() throws {
        #expect(try TeamdCommandLine.parse(["--backend", "bonding"]).backend == .bonding)
        #expect(try TeamdCommandLine.parse(["--backend=team"]).backend == .team)
        #expect(throws: TeamdCommandLine.ParseError.self) { try TeamdCommandLine.parse(["--backend", "bond"]) }
    }
}

@Suite struct BondPlanTests {
    func plan(_ text: String) throws -> BondPlan { try BondPlan(config: try TeamdConfig(parsing: text)) }

    @Test func runnersMapToModes() throws {
        #expect(try plan(#"{"runner": {"name": "broadcast"}}"#).mode == .broadcast)
        #expect(try plan(#"{"runner": {"name": "roundrobin"}}"#).mode == .balanceRR)
        #expect(try plan(#"{"runner": {"name": "loadbalance"}}"#).mode == .balanceXOR)
        #expect(try plan(#"{"runner": {"name": "lacp"}}"#).mode == .ieee8023ad)
        #expect(try plan(#"{"runner": {"name": "lacp"}}"#).parameters.arpInterval == nil)   // EACCES in 802.3ad
        for policy in [("same_all", BondFailOverMAC.off), ("by_active", .active), ("only_active", .follow)] {
            let ab = try plan(#"{"runner": {"name": "activebackup", "hwaddr_policy": "\#(policy.0)"}}"#)
            #expect(ab.mode == .activeBackup && ab.parameters.failOverMAC == policy.1)
            #expect(ab.parameters.miimon == 0 && ab.parameters.arpInterval == 0)
        }
        #expect(throws: BondPlan.Refusal.self) { try plan(#"{"runner": {"name": "random"}}"#) }
    }

    @Test func txHashMapsExactlyOrWarns() {
        let cases: [([TransmitHashField], BondTransmitHashPolicy, Bool)] = [
            ([.eth], .layer2, true),
            ([.eth, .ipv4, .ipv6], .layer23, true),
            ([.eth, .l3], .layer23, true),
            ([.ip, .l4], .layer34, true),
            ([.ipv4, .ipv6, .tcp, .udp, .sctp], .layer34, true),
            ([.eth, .ipv4], .layer23, false),
            ([.ip], .layer23, false),
            ([.eth, .ip, .l4], .layer34, false),
            ([.ip, .tcp], .layer34, false),
            ([.vlan, .eth], .layer2, false),
            ([], .layer2, false),
        ]
        for (fragments, policy, exact) in cases {
            var warnings: [String] = []
            #expect(BondPlan.hashPolicy(fragments, warnings: &warnings) == policy, "\(fragments)")
            #expect(warnings.isEmpty == exact, "\(fragments)")
            if !exact { #expect(warnings.first?.contains("runner.tx_hash") == true) }
        }
    }

    @Test func lacpSettingsAndWhatDoesNotTranslate() throws {
        let lacp = try plan("""
            {"runner": {"name": "lacp", "active": false, "fallback": true, "agg_select_policy": "lacp_prio"},
             "ports": {"eth0": {"lacp_key": 3, "lacp_prio": 10}, "eth1": {"lacp_key": 4}}}
            """)
        #expect(lacp.parameters.lacpActive == false && lacp.parameters.userPortKey == 3)
        #expect(lacp.parameters.aggregatorSelection == .stable && lacp.parameters.fastLACPRate == false)
        let warned = lacp.warnings.joined(separator: "\n")
        for key in ["agg_select_policy", "lacp_key", "lacp_prio", "fallback"] { #expect(warned.contains(key), "\(key)") }
        #expect(throws: BondPlan.Refusal.self) { try plan(#"{"runner": {"name": "lacp"}, "ports": {"eth0": {"lacp_key": 2000}}}"#) }
    }
}
