/// The two file formats: systemd-networkd and Debian's ifupdown (ifenslave).
extension ConvertedBond {
    /// systemd.netdev(5) `[Bond]` keys of the options networkd knows (systemd 252).
    static let networkdKeys: [String: String] = [
        "mode": "Mode", "xmit_hash_policy": "TransmitHashPolicy", "lacp_rate": "LACPTransmitRate",
        "miimon": "MIIMonitorSec", "updelay": "UpDelaySec", "downdelay": "DownDelaySec",
        "ad_select": "AdSelect", "ad_actor_sys_prio": "AdActorSystemPriority", "ad_user_port_key": "AdUserPortKey",
        "fail_over_mac": "FailOverMACPolicy", "arp_validate": "ARPValidate", "arp_interval": "ARPIntervalSec",
        "arp_ip_target": "ARPIPTargets", "arp_all_targets": "ARPAllTargets", "primary_reselect": "PrimaryReselectPolicy",
        "resend_igmp": "ResendIGMP", "num_grat_arp": "GratuitousARP", "min_links": "MinLinks",
        "peer_notif_delay": "PeerNotifyDelaySec", "arp_missed_max": "ARPMissedMax",
    ]

    /// Options given in milliseconds, which networkd takes as time spans.
    static let millisecondOptions: Set<String> = ["miimon", "updelay", "downdelay", "arp_interval", "peer_notif_delay"]

    /// `NAME.netdev` with the bond and its options, `NAME.network` for the bond (add its addresses there),
    /// one `NAME-PORT.network` per slave with `Bond=` (and `PrimarySlave=`).
    func networkd() -> BondRendering {
        var lost: [UntranslatedSetting] = []
        var netdev = ["# bond \(device), converted from a teamd config by team2bond", "[NetDev]", "Name=\(device)",
                      "Kind=bond"]
        if let hardwareAddress { netdev.append("MACAddress=\(hardwareAddress)") }
        netdev += ["", "[Bond]"]
        for option in options where option.name != "primary" {
            guard let key = Self.networkdKeys[option.name] else {
                lost.append(UntranslatedSetting("networkd: \(option.name)", bond: "systemd.netdev has no [Bond] key for "
                    + "it: set it with iproute2 or nmcli instead"))
                continue
            }
            var value = option.value.replacingOccurrences(of: ",", with: " ")
            if Self.millisecondOptions.contains(option.name) { value += "ms" }
            netdev.append("\(key)=\(value)")
        }
        var files = [BondRendering.File(name: "\(device).netdev", text: netdev.joined(separator: "\n") + "\n"),
                     .init(name: "\(device).network",
                           text: "[Match]\nName=\(device)\n\n[Network]\n# the bond's addresses, as the team had them\n")]
        for slave in slaves {
            var network = ["[Match]", "Name=\(slave.name)", "", "[Network]", "Bond=\(device)"]
            if slave.name == primary { network.append("PrimarySlave=true") }
            if slave.priority != nil, slave.name != primary {
                lost.append(UntranslatedSetting("networkd: \(slave.name) prio", bond: "systemd.network has no slave "
                    + "priority: only the primary (PrimarySlave=) is kept"))
            }
            if slave.queueID != nil {
                lost.append(UntranslatedSetting("networkd: \(slave.name) queue_id", bond: "systemd.network has no "
                    + "slave queue id"))
            }
            files.append(.init(name: "\(device)-\(slave.name).network", text: network.joined(separator: "\n") + "\n"))
        }
        return BondRendering(files: files, untranslated: lost)
    }

    /// ifupdown's `bond-*` options that Debian's ifenslave writes to the bond (its bond-OPTION list).
    static let ifupdownOptions: Set<String> = [
        "mode", "miimon", "updelay", "downdelay", "use_carrier", "arp_interval", "arp_ip_target", "arp_validate",
        "arp_all_targets", "primary", "primary_reselect", "fail_over_mac", "xmit_hash_policy", "lacp_rate",
        "ad_select", "min_links", "num_grat_arp", "num_unsol_na", "resend_igmp", "all_slaves_active",
        "packets_per_slave", "tlb_dynamic_lb", "lp_interval", "ad_actor_sys_prio", "ad_user_port_key",
        "ad_actor_system",
    ]

    /// /etc/network/interfaces stanzas: the bond (inet manual: add its addresses) with `bond-slaves` and
    /// its `bond-*` options, and each slave.
    func ifupdown() -> BondRendering {
        var lost: [UntranslatedSetting] = []
        var stanza = ["# bond \(device), converted from a teamd config by team2bond", "auto \(device)",
                      "iface \(device) inet manual",
                      "    bond-slaves \(slaves.isEmpty ? "none" : slaves.map(\.name).joined(separator: " "))"]
        if let hardwareAddress { stanza.append("    hwaddress ether \(hardwareAddress)") }
        for option in options {
            guard Self.ifupdownOptions.contains(option.name) else {
                lost.append(UntranslatedSetting("ifupdown: \(option.name)", bond: "ifenslave has no bond- option for "
                    + "it: set it with iproute2 or nmcli instead"))
                continue
            }
            let key = "bond-" + option.name.replacingOccurrences(of: "_", with: "-")
            stanza.append("    \(key) \(option.value.replacingOccurrences(of: ",", with: " "))")
        }
        for slave in slaves {
            stanza += ["", "iface \(slave.name) inet manual", "    bond-master \(device)"]
            if slave.priority != nil, slave.name != primary {
                lost.append(UntranslatedSetting("ifupdown: \(slave.name) prio", bond: "ifenslave has no slave "
                    + "priority: only the primary (bond-primary) is kept"))
            }
            if let queueID = slave.queueID {
                stanza.append("    bond-queue-id \(queueID)")
            }
        }
        return BondRendering(files: [.init(name: "-", text: stanza.joined(separator: "\n") + "\n")], untranslated: lost)
    }
}
