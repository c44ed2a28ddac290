import Packets
import TeamWire

/// Which kernel driver moves the packets.
public enum Backend: String, Sendable, CaseIterable {
    /// The team driver (team.ko, the `team` generic netlink family).
    case team
    /// The bonding driver (bonding.ko, rtnetlink IFLA_BOND_*), for kernels without team.ko (RHEL 10).
    case bonding
}

/// A teamd config translated to a bond: the bond's mode and parameters, and what did not translate
/// exactly (logged as warnings at start). Pure: the map is the whole story of the bonding backend.
///
/// | runner | bond |
/// | --- | --- |
/// | broadcast | broadcast |
/// | roundrobin | balance-rr |
/// | random | refused: there is no random mode; roundrobin is the closest |
/// | activebackup | active-backup, miimon 0, arp_interval 0 (teamd's watchers decide, teamd sets the active slave); hwaddr_policy same_all → fail_over_mac none, by_active → active, only_active → follow |
/// | loadbalance | balance-xor, xmit_hash_policy from tx_hash (`transmitHashPolicy`) |
/// | lacp | 802.3ad, miimon 0: lacp_rate = fast_rate, lacp_active = active, min_links = min_ports, ad_actor_sys_prio = sys_prio, ad_user_port_key = the ports' lacp_key, ad_select from agg_select_policy, xmit_hash_policy from tx_hash |
public struct BondPlan: Equatable, Sendable {
    public var parameters: BondParameters
    public var warnings: [String]

    public var mode: BondMode { parameters.mode ?? .balanceRR }

    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(config: TeamdConfig) throws(Refusal) {
        warnings = []
        parameters = BondParameters()
        // The bond's own link monitoring stays off in every mode: teamd's link watchers decide.
        parameters.miimon = 0
        parameters.arpInterval = 0
        switch config.runner {
        case .broadcast:
            parameters.mode = .broadcast
        case .roundRobin:
            parameters.mode = .balanceRR
        case .random:
            throw Refusal(message: "runner.name: \"random\" has no bonding mode; use \"roundrobin\" (balance-rr), the closest")
        case .activeBackup(let ab):
            parameters.mode = .activeBackup
            parameters.failOverMAC = switch ab.hardwareAddressPolicy {
            case .sameAll: .off
            case .byActive: .active
            case .onlyActive: .follow
            }
            if ab.hardwareAddressPolicy == .onlyActive {
                warnings.append("runner.hwaddr_policy: only_active maps to fail_over_mac follow, where a port that stops being active takes the new active port's own MAC rather than its own")
            }
        case .loadBalance(let lb):
            parameters.mode = .balanceXOR
            parameters.transmitHashPolicy = Self.hashPolicy(lb.txHash, warnings: &warnings)
            if lb.txBalancer != nil { warnings.append("runner.tx_balancer: no meaning on bonding (balance-xor does not move hashes)") }
        case .lacp(let lacp):
            parameters.mode = .ieee8023ad
            // arp_interval is "not supported in mode" 802.3ad (EACCES even for 0); its default is off.
            parameters.arpInterval = nil
            try planLACP(lacp, ports: config.ports)
        }
    }

    private mutating func planLACP(_ lacp: LACPConfig, ports: [PortConfig]) throws(Refusal) {
        parameters.fastLACPRate = lacp.fastRate
        parameters.lacpActive = lacp.active
        parameters.minimumLinks = UInt32(lacp.minimumPorts)
        parameters.actorSystemPriority = lacp.systemPriority
        parameters.transmitHashPolicy = Self.hashPolicy(lacp.loadBalance.txHash, warnings: &warnings)
        parameters.aggregatorSelection = switch lacp.aggregatorSelectPolicy {
        case .lacpPriority, .lacpPriorityStable, .portConfig: .stable
        case .bandwidth: .bandwidth
        case .count: .count
        }
        if lacp.aggregatorSelectPolicy == .lacpPriority || lacp.aggregatorSelectPolicy == .portConfig {
            warnings.append("runner.agg_select_policy: \(lacp.aggregatorSelectPolicy.rawValue) maps to ad_select stable, which keeps the aggregator that is up rather than re-selecting by priority")
        }
        let keys = Set(ports.map(\.settings.lacpKey))
        if let key = ports.first?.settings.lacpKey {
            guard key <= 1023 else {
                throw Refusal(message: "ports.\(ports[0].name).lacp_key: \(key) does not fit bonding's ad_user_port_key (0...1023)")
            }
            parameters.userPortKey = key
            if keys.count > 1 {
                warnings.append("ports.*.lacp_key: bonding has one key for every port (ad_user_port_key); \(key) from \(ports[0].name) is used")
            }
        }
        if ports.contains(where: { $0.settings.lacpPriority != 255 }) {
            warnings.append("ports.*.lacp_prio: no meaning on bonding (its ports keep the kernel's port priority)")
        }
        if lacp.fallback { warnings.append("runner.fallback: no meaning on bonding (802.3ad has no fallback)") }
        if lacp.loadBalance.txBalancer != nil { warnings.append("runner.tx_balancer: no meaning on bonding") }
    }

    /// `tx_hash` as an xmit_hash_policy: exact where one matches, else the closest with a warning.
    /// eth → layer2; eth + ipv4 + ipv6 (the default) → layer2+3; ipv4 + ipv6 + l4 → layer3+4.
    static func hashPolicy(_ fragments: [TransmitHashField], warnings: inout [String]) -> BondTransmitHashPolicy {
        let set = Set(fragments)
        let mac = set.contains(.eth)
        let bothIP = set.contains(.ip) || set.contains(.l3) || (set.contains(.ipv4) && set.contains(.ipv6))
        let someIP = bothIP || set.contains(.ipv4) || set.contains(.ipv6)
        let allPorts = set.contains(.l4) || (set.contains(.tcp) && set.contains(.udp) && set.contains(.sctp))
        let somePorts = allPorts || set.contains(.tcp) || set.contains(.udp) || set.contains(.sctp)
        let policy: BondTransmitHashPolicy
        var exact = !set.contains(.vlan) && bothIP == someIP && allPorts == somePorts
        switch (mac, someIP, somePorts) {
        case (true, false, false): policy = .layer2
        case (true, true, false): policy = .layer23
        case (false, true, true): policy = .layer34
        case (false, true, false):
            policy = .layer23
            exact = false
        default:
            policy = somePorts ? .layer34 : .layer2
            exact = false
        }
        if !exact {
            let text = fragments.map(\.rawValue).joined(separator: ", ")
            warnings.append("runner.tx_hash: [\(text)] has no exact xmit_hash_policy; \(policy.name), the closest, is used")
        }
        return policy
    }
}
