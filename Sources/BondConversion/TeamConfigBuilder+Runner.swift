import TeamJSON

/// The runner and the global settings: mode and the options that go with it.
extension TeamConfigBuilder {
    mutating func runner() throws(ConversionError) -> JSONObject {
        handle("mode")
        switch mode {
        case "balance-rr": return ["name": "roundrobin"]
        case "active-backup": return activeBackup()
        case "balance-xor": return ["name": "loadbalance", "tx_hash": txHash()]
        case "broadcast": return ["name": "broadcast"]
        case "802.3ad": return try lacp()
        case "balance-tlb": return balanceTLB()
        default:
            throw ConversionError(given("mode"), "no teamd equivalent: teamd has no receive load balancing (the "
                + "ARP replies balance-alb rewrites); balance-tlb (loadbalance) or 802.3ad (lacp) come closest")
        }
    }

    private mutating func activeBackup() -> JSONObject {
        var runner: JSONObject = ["name": "activebackup"]
        handle("fail_over_mac")
        if settings.string("fail_over_mac") != nil {
            let policy = ["none": "same_all", "active": "by_active", "follow": "only_active"]
            runner["hwaddr_policy"] = .string(policy[settings.effective("fail_over_mac")]!)
        }
        return runner
    }

    private mutating func balanceTLB() -> JSONObject {
        var runner: JSONObject = ["name": "loadbalance", "tx_hash": txHash()]
        handle("tlb_dynamic_lb")
        if settings.effectiveInteger("tlb_dynamic_lb") == 1 {
            runner["tx_balancer"] = ["name": "basic"]
        }
        warn(given("mode"), "teamd's loadbalance gives every port the team's MAC address and receives on all of "
            + "them, so the switch ports must form a static link aggregation (balance-tlb receives on one slave "
            + "and needs none)")
        return runner
    }

    private mutating func lacp() throws(ConversionError) -> JSONObject {
        var runner: JSONObject = ["name": "lacp"]
        handle("lacp_rate", "lacp_active", "ad_actor_sys_prio", "min_links", "ad_select")
        if settings.string("lacp_rate") != nil { runner["fast_rate"] = .bool(settings.effective("lacp_rate") == "fast") }
        if settings.string("lacp_active") != nil { runner["active"] = .bool(settings.effective("lacp_active") == "on") }
        if let priority = settings.integer("ad_actor_sys_prio") { runner["sys_prio"] = .integer(Int64(priority)) }
        if let links = settings.integer("min_links"), links > 1 {
            guard links <= 1024 else {
                throw ConversionError(given("min_links"), "teamd's min_ports goes up to 1024")
            }
            runner["min_ports"] = .integer(Int64(links))
        }
        if let select = settings.string("ad_select") {
            runner["agg_select_policy"] = .string(aggregatorSelectPolicy(select))
        }
        runner["tx_hash"] = txHash()
        return runner
    }

    private mutating func aggregatorSelectPolicy(_ select: String) -> String {
        switch select {
        case "stable":
            report("ad_select", "teamd's closest policy is bandwidth, which also moves to an aggregator that gains "
                + "bandwidth; stable moves only when the active aggregator loses every port")
            return "bandwidth"
        case "actor_port_prio":
            warn(given("ad_select"), "teamd's lacp_prio compares the best port priority, not their sum")
            return "lacp_prio"
        default:
            return select
        }
    }

    /// `xmit_hash_policy` as teamd's `tx_hash` (written even for the default: teamd's own default differs).
    mutating func txHash() -> JSONValue {
        handle("xmit_hash_policy")
        let fragments: [JSONValue]
        switch settings.effective("xmit_hash_policy") {
        case "layer2": fragments = ["eth"]
        case "layer2+3": fragments = ["eth", "l3"]
        case "layer3+4": fragments = ["l3", "l4"]
        case "encap2+3", "encap3+4":
            let inner = settings.effective("xmit_hash_policy") == "encap2+3"
            fragments = inner ? ["eth", "l3"] : ["l3", "l4"]
            warn(given("xmit_hash_policy"), "teamd hashes the outer headers of tunnelled packets, not the inner "
                + "ones: converted as \(inner ? "layer2+3" : "layer3+4")")
        default:
            fragments = ["vlan", "eth"]
            warn(given("xmit_hash_policy"), "teamd's eth fragment hashes the destination MAC address too: "
                + "converted as tx_hash [\"vlan\", \"eth\"]")
        }
        return .array(fragments)
    }

    /// notify_peers and mcast_rejoin: what the bond announces after a failover (active-backup; the IGMP
    /// reports also in balance-tlb). Written where they differ from teamd's defaults.
    mutating func addPeerNotification(to config: inout JSONObject) {
        if mode == "active-backup" {
            handle("num_grat_arp", "num_unsol_na", "peer_notif_delay")
            // Two names of one kernel setting: the one set wins.
            let count = settings.isSet("num_unsol_na") && !settings.isSet("num_grat_arp")
                ? settings.effectiveInteger("num_unsol_na") : settings.effectiveInteger("num_grat_arp")
            var notify = JSONObject()
            if count != 1 { notify["count"] = .integer(Int64(count)) }
            if settings.effectiveInteger("peer_notif_delay") > 0 {
                notify["interval"] = .integer(Int64(settings.effectiveInteger("peer_notif_delay")))
            }
            if !notify.isEmpty { config["notify_peers"] = .object(notify) }
        }
        if mode == "active-backup" || mode == "balance-tlb" {
            handle("resend_igmp")
            let reports = settings.effectiveInteger("resend_igmp")
            // One report at once, then one every 200 ms (bond_resend_igmp_join_requests_delayed).
            if reports != 1 {
                config["mcast_rejoin"] = reports > 1 ? ["count": .integer(Int64(reports)), "interval": 200] : ["count": 0]
            }
        }
    }
}
