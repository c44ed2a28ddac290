/// The output formats of team2bond. Each renders the whole plan or reports, as untranslated settings of
/// its own, what its tool cannot express.
public enum BondFormat: String, Sendable, CaseIterable {
    case iproute2, nmcli, networkd, ifupdown
}

/// One rendered output: its files (a script is one file, `-`), and what this format could not express.
public struct BondRendering: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public let name: String
        public let text: String
    }

    public let files: [File]
    public let untranslated: [UntranslatedSetting]
}

extension ConvertedBond {
    public func render(_ format: BondFormat) -> BondRendering {
        switch format {
        case .iproute2: return iproute2()
        case .nmcli: return nmcli()
        case .networkd: return networkd()
        case .ifupdown: return ifupdown()
        }
    }

    /// Shell quoting for a word that is not plain.
    static func shellWord(_ word: String) -> String { IfcfgFile.quoted(word) }

    /// `ip link` commands: create the bond with every option, enslave each port (down first: the driver
    /// takes only a port that is down), set its slave options, bring the bond up.
    func iproute2() -> BondRendering {
        var lines = ["#!/bin/sh", "# bond \(device), converted from a teamd config by team2bond", "set -e"]
        var create = "ip link add \(Self.shellWord(device))"
        if let hardwareAddress { create += " address \(hardwareAddress)" }
        create += " type bond" + options.map { " \($0.name) \(Self.shellWord($0.value))" }.joined()
        lines.append(create)
        for slave in slaves {
            let name = Self.shellWord(slave.name)
            lines.append("ip link set \(name) down")
            lines.append("ip link set \(name) master \(Self.shellWord(device))")
            var slaveOptions = ""
            if let priority = slave.priority { slaveOptions += " prio \(priority)" }
            if let queueID = slave.queueID { slaveOptions += " queue_id \(queueID)" }
            if !slaveOptions.isEmpty { lines.append("ip link set \(name) type bond_slave\(slaveOptions)") }
            lines.append("ip link set \(name) up")
        }
        lines.append("ip link set \(Self.shellWord(device)) up")
        return BondRendering(files: [.init(name: "-", text: lines.joined(separator: "\n") + "\n")], untranslated: [])
    }

    /// The keys of NetworkManager 1.42's `bond.options` (Debian 12).
    static let nmcliOptions: Set<String> = [
        "mode", "miimon", "downdelay", "updelay", "arp_interval", "arp_ip_target", "arp_validate", "primary",
        "primary_reselect", "fail_over_mac", "use_carrier", "ad_select", "xmit_hash_policy", "resend_igmp",
        "lacp_rate", "active_slave", "ad_actor_sys_prio", "ad_actor_system", "ad_user_port_key", "all_slaves_active",
        "arp_all_targets", "min_links", "num_grat_arp", "num_unsol_na", "packets_per_slave", "tlb_dynamic_lb",
        "lp_interval", "peer_notif_delay",
    ]

    /// NetworkManager: a bond connection with `bond.options`, one port connection per slave. Addresses
    /// are not the team config's business: add ipv4.*/ipv6.* to the bond's connection.
    func nmcli() -> BondRendering {
        var lines = ["#!/bin/sh", "# bond \(device), converted from a teamd config by team2bond", "set -e"]
        var lost: [UntranslatedSetting] = []
        var known: [BondingOption] = []
        for option in options {
            if Self.nmcliOptions.contains(option.name) { known.append(option); continue }
            lost.append(UntranslatedSetting("nmcli: \(option.name)", bond: "NetworkManager 1.42's bond.options has no "
                + "\(option.name): set it with iproute2 instead"))
        }
        // bond.options is a comma-separated list: the ARP targets go space-separated.
        let bondOptions = known.map { "\($0.name)=\($0.value.replacingOccurrences(of: ",", with: " "))" }
            .joined(separator: ",")
        var add = "nmcli connection add type bond ifname \(Self.shellWord(device)) con-name \(Self.shellWord(device))"
            + " bond.options \(Self.shellWord(bondOptions))"
        if let hardwareAddress { add += " ethernet.cloned-mac-address \(hardwareAddress)" }
        lines.append(add)
        for slave in slaves {
            var port = "nmcli connection add type ethernet ifname \(Self.shellWord(slave.name))"
                + " con-name \(Self.shellWord("\(device)-\(slave.name)")) master \(Self.shellWord(device)) slave-type bond"
            if slave.priority != nil, slave.name != primary {
                lost.append(UntranslatedSetting("nmcli: \(slave.name) prio", bond: "NetworkManager 1.42 has no bond port "
                    + "priority: only the primary is kept"))
            }
            if let queueID = slave.queueID { port += " bond-port.queue-id \(queueID)" }
            lines.append(port)
        }
        lines.append("nmcli connection up \(Self.shellWord(device))")
        return BondRendering(files: [.init(name: "-", text: lines.joined(separator: "\n") + "\n")], untranslated: lost)
    }
}
