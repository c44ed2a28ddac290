/// The bonding driver's options (Documentation/networking/bonding.rst, drivers/net/bonding/bond_options.c):
/// their value names and numbers, their defaults, and the files of `bonding/` that are status, not options.
enum BondOptionCatalog {
    /// Enumerated options: every value name with its number (either may be written).
    static let enumerations: [String: [(name: String, number: Int)]] = [
        "mode": [("balance-rr", 0), ("active-backup", 1), ("balance-xor", 2), ("broadcast", 3), ("802.3ad", 4),
                 ("balance-tlb", 5), ("balance-alb", 6)],
        "xmit_hash_policy": [("layer2", 0), ("layer3+4", 1), ("layer2+3", 2), ("encap2+3", 3), ("encap3+4", 4),
                             ("vlan+srcmac", 5)],
        "lacp_rate": [("slow", 0), ("fast", 1)],
        "lacp_active": [("off", 0), ("on", 1)],
        "ad_select": [("stable", 0), ("bandwidth", 1), ("count", 2), ("actor_port_prio", 3)],
        "fail_over_mac": [("none", 0), ("active", 1), ("follow", 2)],
        "arp_validate": [("none", 0), ("active", 1), ("backup", 2), ("all", 3), ("filter", 4), ("filter_active", 5),
                         ("filter_backup", 6)],
        "arp_all_targets": [("any", 0), ("all", 1)],
        "primary_reselect": [("always", 0), ("better", 1), ("failure", 2)],
    ]

    /// Integer options with their range.
    static let integers: [String: ClosedRange<Int>] = [
        "miimon": 0...Int(Int32.max), "updelay": 0...Int(Int32.max), "downdelay": 0...Int(Int32.max),
        "arp_interval": 0...Int(Int32.max), "arp_missed_max": 1...255, "min_links": 0...Int(Int32.max),
        "ad_actor_sys_prio": 1...65535, "ad_user_port_key": 0...1023, "num_grat_arp": 0...255,
        "num_unsol_na": 0...255, "peer_notif_delay": 0...Int(Int32.max), "resend_igmp": 0...255,
        "all_slaves_active": 0...1, "packets_per_slave": 0...65535, "tlb_dynamic_lb": 0...1,
        "lp_interval": 1...Int(Int32.max), "use_carrier": 0...1, "coupled_control": 0...1, "max_bonds": 0...Int(Int32.max),
    ]

    /// The kernel's default of each option (the value a fresh bond shows in sysfs).
    static let defaults: [String: String] = [
        "mode": "balance-rr", "xmit_hash_policy": "layer2", "lacp_rate": "slow", "lacp_active": "on",
        "ad_select": "stable", "fail_over_mac": "none", "arp_validate": "none", "arp_all_targets": "any",
        "primary_reselect": "always", "miimon": "0", "updelay": "0", "downdelay": "0", "arp_interval": "0",
        "arp_missed_max": "2", "min_links": "0", "ad_actor_sys_prio": "65535", "ad_user_port_key": "0",
        "num_grat_arp": "1", "num_unsol_na": "1", "peer_notif_delay": "0", "resend_igmp": "1",
        "all_slaves_active": "0", "packets_per_slave": "1", "tlb_dynamic_lb": "1", "lp_interval": "1",
        "use_carrier": "1", "coupled_control": "1", "ad_actor_system": "00:00:00:00:00:00", "primary": "",
        "active_slave": "", "arp_ip_target": "", "ns_ip6_target": "", "max_bonds": "1",
    ]

    /// Files of `bonding/` that show state, not settings; `slaves` and `queue_id` are read apart.
    static let statusFiles: Set<String> = [
        "mii_status", "ad_aggregator", "ad_num_ports", "ad_actor_key", "ad_partner_key", "ad_partner_mac",
        "active_slave",
    ]

    /// The order options are looked at (and messages come out) when the source has none of its own.
    static let order = [
        "mode", "xmit_hash_policy", "miimon", "updelay", "downdelay", "use_carrier", "arp_interval", "arp_ip_target",
        "ns_ip6_target", "arp_validate", "arp_all_targets", "arp_missed_max", "primary", "primary_reselect",
        "fail_over_mac", "lacp_rate", "lacp_active", "ad_select", "min_links", "ad_actor_sys_prio", "ad_user_port_key",
        "ad_actor_system", "coupled_control", "num_grat_arp", "num_unsol_na", "peer_notif_delay", "resend_igmp",
        "all_slaves_active", "packets_per_slave", "tlb_dynamic_lb", "lp_interval", "queue_id", "active_slave",
        "max_bonds",
    ]

    /// The canonical name of an enumerated value given as a name or a number, or nil.
    static func enumerationName(_ option: String, _ value: String) -> String? {
        guard let values = enumerations[option] else { return nil }
        if let number = Int(value) { return values.first { $0.number == number }?.name }
        return values.first { $0.name == value }?.name
    }

    /// Whether `value` is the kernel's default for `option` (enumerations compared by name).
    static func isDefault(_ option: String, _ value: String) -> Bool {
        guard let standard = defaults[option] else { return false }
        if enumerations[option] != nil { return enumerationName(option, value) == standard }
        if let number = Int(value), let standardNumber = Int(standard) { return number == standardNumber }
        return value == standard
    }
}
