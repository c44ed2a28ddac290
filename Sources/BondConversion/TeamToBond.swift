import Packets
import TeamJSON
import TeamdCore

/// team2bond's mapping: a teamd config to a bond (../../man/team2bond.1 has the table).
public enum TeamToBond {
    /// Converts `config` for a bond named `device` (default: the config's device, else bond0). Throws
    /// when the runner has no bonding mode at all (random); everything else converts, with what did not
    /// translate listed in the plan.
    public static func convert(_ config: TeamdConfig, device: String? = nil) throws(ConversionError) -> ConvertedBond {
        var builder = ConvertedBondBuilder(config: config)
        try builder.runner()
        builder.peerNotification()
        builder.linkWatchers()
        let slaves = builder.slaves()
        return ConvertedBond(device: device ?? config.device ?? "bond0", options: builder.options,
                        hardwareAddress: config.hardwareAddress?.description, slaves: slaves,
                        untranslated: builder.untranslated)
    }
}

struct ConvertedBondBuilder {
    let config: TeamdConfig
    private(set) var options: [BondingOption] = []
    private(set) var untranslated: [UntranslatedSetting] = []

    init(config: TeamdConfig) {
        self.config = config
    }

    mutating func set(_ name: String, _ value: String) {
        options.removeAll { $0.name == name }
        options.append(BondingOption(name, value))
    }

    mutating func set(_ name: String, _ value: some BinaryInteger) { set(name, String(value)) }

    mutating func lost(_ setting: String, _ bond: String, kept: String? = nil) {
        untranslated.append(UntranslatedSetting(setting, bond: bond, keptByTeamd: kept))
    }

    /// Whether the user's config has this key under `$.runner`.
    func runnerHas(_ key: String) -> Bool { config.source["runner"]?[key] != nil }

    mutating func runner() throws(ConversionError) {
        switch config.runner {
        case .broadcast: set("mode", "broadcast")
        case .roundRobin: set("mode", "balance-rr")
        case .random:
            throw ConversionError("$.runner.name", "the random runner has no bonding mode; roundrobin (balance-rr) "
                + "is the closest: change the runner to roundrobin to convert")
        case .activeBackup(let activeBackup):
            set("mode", "active-backup")
            let policy: [HardwareAddressPolicy: String] = [.sameAll: "none", .byActive: "active", .onlyActive: "follow"]
            if runnerHas("hwaddr_policy") { set("fail_over_mac", policy[activeBackup.hardwareAddressPolicy]!) }
        case .loadBalance(let loadBalance):
            if let balancer = loadBalance.txBalancer {
                set("mode", "balance-tlb")
                lost("$.runner.tx_balancer", "balance-tlb balances by load but each slave keeps its own MAC address "
                    + "and only one receives; it needs no switch configuration (teamd's loadbalance does)",
                     kept: "balance-tlb too")
                if balancer.balancingInterval != 50 {
                    lost("$.runner.tx_balancer.balancing_interval", "balance-tlb rebalances every 10 s")
                }
            } else {
                set("mode", "balance-xor")
            }
            transmitHash(loadBalance.txHash)
        case .lacp(let lacp):
            try self.lacp(lacp)
        }
    }

    private mutating func lacp(_ lacp: LACPConfig) throws(ConversionError) {
        set("mode", "802.3ad")
        set("lacp_rate", lacp.fastRate ? "fast" : "slow")
        if !lacp.active { set("lacp_active", "off") }
        if lacp.systemPriority != 65535 {
            if lacp.systemPriority == 0 {
                lost("$.runner.sys_prio", "ad_actor_sys_prio starts at 1: 1 used")
            }
            set("ad_actor_sys_prio", max(1, Int(lacp.systemPriority)))
        }
        if lacp.minimumPorts > 1 { set("min_links", lacp.minimumPorts) }
        switch lacp.aggregatorSelectPolicy {
        case .bandwidth: set("ad_select", "bandwidth")
        case .count: set("ad_select", "count")
        case .lacpPriority, .lacpPriorityStable, .portConfig:
            set("ad_select", "stable")
            lost("$.runner.agg_select_policy", "bonding selects aggregators by bandwidth (ad_select stable), not by "
                + "\(lacp.aggregatorSelectPolicy.rawValue)")
        }
        if lacp.fallback { lost("$.runner.fallback", "the 802.3ad mode has no LACP fallback") }
        if runnerHas("enable_retry_count") || runnerHas("retry_count") {
            lost("$.runner.retry_count", "the 802.3ad mode speaks no SONiC retry count")
        }
        transmitHash(lacp.loadBalance.txHash)
        if lacp.loadBalance.txBalancer != nil {
            lost("$.runner.tx_balancer", "the 802.3ad mode does not rebalance by load")
        }
    }

    /// tx_hash as xmit_hash_policy: exact for [eth], [eth, l3] and [l3, l4] (and their spelled-out forms);
    /// the closest policy otherwise, reported.
    private mutating func transmitHash(_ fragments: [TransmitHashField]) {
        let set = Set(fragments)
        let ipv4 = set.contains(.ipv4) || set.contains(.ip) || set.contains(.l3)
        let ipv6 = set.contains(.ipv6) || set.contains(.ip) || set.contains(.l3)
        let l4 = set.contains(.l4) || set.isSuperset(of: [.tcp, .udp, .sctp])
        let anyL4 = l4 || !set.isDisjoint(with: [.tcp, .udp, .sctp])
        let eth = set.contains(.eth)
        let policy: String, exact: Bool
        if anyL4 {
            policy = "layer3+4"
            exact = l4 && ipv4 && ipv6 && !eth && !set.contains(.vlan)
        } else if ipv4 || ipv6 {
            policy = "layer2+3"
            exact = eth && ipv4 && ipv6 && !set.contains(.vlan)
        } else if set.contains(.vlan) {
            policy = "vlan+srcmac"
            exact = false
        } else {
            policy = "layer2"
            exact = true
        }
        self.set("xmit_hash_policy", policy)
        if !exact {
            let names = fragments.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            lost("$.runner.tx_hash", "no bonding hash policy hashes exactly [\(names)]: \(policy) is the closest")
        }
    }

    /// notify_peers and mcast_rejoin.
    mutating func peerNotification() {
        if let count = config.notifyPeers.count {
            set("num_grat_arp", min(count, 255))
            if count > 255 { lost("$.notify_peers.count", "bonding sends at most 255: 255 used") }
        }
        if let interval = config.notifyPeers.interval { set("peer_notif_delay", interval) }
        if let count = config.multicastRejoin.count {
            set("resend_igmp", min(count, 255))
            if count > 255 { lost("$.mcast_rejoin.count", "bonding sends at most 255: 255 used") }
        }
        if let interval = config.multicastRejoin.interval, interval != 200 {
            lost("$.mcast_rejoin.interval", "bonding sends its IGMP reports 200 ms apart")
        }
    }
}
