import TeamJSON

/// Link monitoring and the ports.
extension TeamConfigBuilder {
    /// miimon as an ethtool watcher; ARP monitoring as one arp_ping watcher per `arp_ip_target` and one
    /// nsna_ping watcher per `ns_ip6_target`.
    mutating func linkWatchers() -> (list: [JSONObject], policyAll: Bool) {
        handle("miimon", "updelay", "downdelay", "arp_interval", "arp_ip_target", "ns_ip6_target", "arp_validate",
               "arp_all_targets", "arp_missed_max")
        let miimon = settings.effectiveInteger("miimon"), interval = settings.effectiveInteger("arp_interval")
        let targets = settings.arpTargets.count + settings.nsTargets.count
        var useARP = interval > 0 && targets > 0, useMII = miimon > 0
        if useARP && useMII {
            let last = settings.lastMonitor ?? "arp_interval"
            if last == "miimon" { useARP = false } else { useMII = false }
            warn("\(given("miimon")) \(given("arp_interval"))",
                 "the bonding driver runs only the one given last (\(last)); so does the team")
        }
        if interval > 0 && targets == 0 {
            warn(given("arp_interval"), "without arp_ip_target or ns_ip6_target the bond does no ARP monitoring; "
                + "neither does the team")
        }
        if !useARP {
            if interval == 0 && targets > 0 {
                warn("arp_ip_target/ns_ip6_target", "arp_interval is 0, so the bond does not probe them; not converted")
            }
            for name in ["arp_validate", "arp_all_targets", "arp_missed_max"] where settings.string(name) != nil {
                report(name, "has no effect without ARP monitoring")
            }
        }
        if useARP { return pingWatchers(interval: interval) }
        if !useMII {
            note(given("miimon"), "the bond does no link monitoring; teamd's ethtool watcher follows the carrier")
        }
        var ethtool: JSONObject = ["name": "ethtool"]
        for (option, key) in [("updelay", "delay_up"), ("downdelay", "delay_down")] {
            let delay = settings.effectiveInteger(option)
            if delay > 0 && useMII { ethtool[key] = .integer(Int64(delay)) }
            if delay > 0 && !useMII { report(option, "has no effect without miimon") }
        }
        return ([ethtool], false)
    }

    private mutating func pingWatchers(interval: Int) -> (list: [JSONObject], policyAll: Bool) {
        for option in ["updelay", "downdelay"] where settings.effectiveInteger(option) > 0 {
            report(option, "has no effect with ARP monitoring (the bonding driver uses it with miimon only)")
        }
        let validate = settings.effective("arp_validate")
        let active = ["active", "all", "filter_active"].contains(validate)
        let inactive = ["backup", "all", "filter_backup"].contains(validate)
        // The bond's link fails after arp_missed_max intervals without an answer (2 before Linux 6.0); teamd's
        // after more than missed_max, the same count.
        let missed = JSONValue.integer(Int64(settings.effectiveInteger("arp_missed_max")))
        var list: [JSONObject] = []
        for target in settings.arpTargets {
            var watcher: JSONObject = ["name": "arp_ping", "target_host": .string(target),
                                       "interval": .integer(Int64(interval)), "missed_max": missed]
            if active { watcher["validate_active"] = true }
            if inactive { watcher["validate_inactive"] = true }
            list.append(watcher)
        }
        for target in settings.nsTargets {
            list.append(["name": "nsna_ping", "target_host": .string(target), "interval": .integer(Int64(interval)),
                         "missed_max": missed])
        }
        return (list, settings.effective("arp_all_targets") == "all" && list.count > 1)
    }

    /// The ports with their settings: primary as prio, primary_reselect=failure as sticky, the LACP port
    /// key, queue ids.
    mutating func ports(_ given: [String]) -> JSONObject {
        handle("primary", "primary_reselect", "queue_id")
        var names = given
        var objects: [String: JSONObject] = [:]
        let primary = settings.string("primary").flatMap { $0.isEmpty ? nil : $0 }
        if mode == "active-backup" {
            if let primary {
                if !names.contains(primary) {
                    if !names.isEmpty { warn(self.given("primary"), "not among the ports; added as a port") }
                    names.append(primary)
                }
                objects[primary, default: [:]]["prio"] = 10
            }
            reselect(primary: primary, ports: names, objects: &objects)
        } else {
            if primary != nil {
                report("primary", mode == "balance-tlb" ? "teamd's loadbalance has no primary port: every port "
                    + "receives" : "has no effect in mode \(mode) (the bonding driver ignores it too)")
            }
            if settings.string("primary_reselect") != nil { report("primary_reselect", "has no effect in mode \(mode)") }
        }
        if mode == "802.3ad" { lacpKey(ports: names, objects: &objects) }
        for (port, queue) in settings.queueIDs where queue > 0 {
            if !names.contains(port) { names.append(port) }
            objects[port, default: [:]]["queue_id"] = .integer(Int64(queue))
        }
        var result = JSONObject()
        for name in names { result[name] = .object(objects[name] ?? [:]) }
        return result
    }

    private mutating func reselect(primary: String?, ports: [String], objects: inout [String: JSONObject]) {
        guard settings.string("primary_reselect") != nil else { return }
        guard primary != nil else {
            report("primary_reselect", "has no effect without primary")
            return
        }
        switch settings.effective("primary_reselect") {
        case "better":
            warn(given("primary_reselect"), "teamd compares prio before speed, so the primary takes over whenever "
                + "its link is up, as with always")
        case "failure":
            // The active port stays until it fails: every port sticky.
            if ports.count < 2 { warn(given("primary_reselect"), "makes every port sticky; give the ports (--port)") }
            for port in ports { objects[port, default: [:]]["sticky"] = true }
        default:
            break
        }
    }

    private mutating func lacpKey(ports: [String], objects: inout [String: JSONObject]) {
        handle("ad_user_port_key")
        guard let key = settings.integer("ad_user_port_key"), key > 0 else { return }
        if ports.isEmpty { warn(given("ad_user_port_key"), "teamd sets lacp_key per port; give the ports (--port)") }
        for port in ports { objects[port, default: [:]]["lacp_key"] = .integer(Int64(key)) }
    }
}
