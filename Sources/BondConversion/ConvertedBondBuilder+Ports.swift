#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Packets
import TeamdCore

/// Link monitoring and the slaves.
extension ConvertedBondBuilder {
    /// The bond monitors every slave one way, either miimon or ARP/NS probes: the watchers of all ports
    /// together decide which, and a port whose watchers differ is reported.
    mutating func linkWatchers() {
        var union: [LinkWatcherConfig] = []
        let perPort = config.ports.isEmpty ? [config.linkWatchers(forPort: "")]
            : config.ports.map { config.linkWatchers(forPort: $0.name) }
        for watchers in perPort {
            for watcher in watchers where !union.contains(watcher) { union.append(watcher) }
        }
        for (port, watchers) in zip(config.ports, perPort) where watchers.count != union.count {
            lost("$.ports.\(port.name).link_watch", "the bond monitors every slave the same way: the watchers of all "
                + "ports apply to each", kept: "per-port watchers")
        }
        for case .tipc(let tipc) in union {
            lost("link_watch tipc (\(tipc.bearer))", "bonding has no TIPC link monitoring", kept: "the tipc watcher")
        }
        let arps = union.compactMap { if case .arpPing(let arp) = $0 { arp } else { nil } }
        let nsnas = union.compactMap { if case .nsnaPing(let nsna) = $0 { nsna } else { nil } }
        let ethtools = union.compactMap { if case .ethtool(let ethtool) = $0 { ethtool } else { nil } }
        if arps.isEmpty && nsnas.isEmpty {
            miimon(ethtools.first ?? EthtoolWatcherConfig(), count: ethtools.count)
            return
        }
        if !ethtools.isEmpty {
            lost("link_watch ethtool", "bonding runs miimon or ARP monitoring, not both: ARP monitoring kept",
                 kept: "both, combined by link_watch_policy")
        }
        pingMonitor(arps: arps, nsnas: nsnas)
    }

    /// ethtool as miimon, at 100 ms or finer so that the delays are multiples of it.
    private mutating func miimon(_ ethtool: EthtoolWatcherConfig, count: Int) {
        if count > 1 {
            lost("link_watch ethtool", "one updelay/downdelay for every slave: the first watcher's", kept: "per-port delays")
        }
        let up = Self.milliseconds(ethtool.delayUp), down = Self.milliseconds(ethtool.delayDown)
        var interval = Self.gcd(Self.gcd(100, up), down)
        if interval < 10 {
            interval = 10
            lost("link_watch ethtool delay_up/delay_down", "bonding counts delays in miimon periods (10 ms here): "
                + "rounded down", kept: "exact delays")
        }
        set("miimon", interval)
        if up > 0 { set("updelay", up - up % interval) }
        if down > 0 { set("downdelay", down - down % interval) }
    }

    /// arp_ping and nsna_ping as ARP/NS monitoring: one interval, one missed count, all targets.
    private mutating func pingMonitor(arps: [ARPPingWatcherConfig], nsnas: [NSNAPingWatcherConfig]) {
        let timings = arps.map(\.timing) + nsnas.map(\.timing)
        let intervals = Set(timings.map { Self.milliseconds($0.interval) })
        let interval = max(1, intervals.min()!)
        if intervals.count > 1 {
            lost("link_watch interval", "one arp_interval for every target: \(interval) ms", kept: "per-watcher intervals")
        }
        set("arp_interval", interval)
        let missed = Set(timings.map(\.missedMax))
        if missed.count > 1 { lost("link_watch missed_max", "one arp_missed_max for every target: the lowest") }
        let missedMax = min(255, max(1, missed.min()!))
        if missed.min()! < 1 { lost("link_watch missed_max", "bonding's arp_missed_max starts at 1") }
        set("arp_missed_max", missedMax)
        if timings.contains(where: { $0.initialWait != .zero }) {
            lost("link_watch init_wait", "bonding probes at once", kept: "init_wait")
        }
        if !arps.isEmpty { arpTargets(arps) }
        if !nsnas.isEmpty {
            let targets = nsnas.compactMap { nsna -> String? in
                if case .address = nsna.targetHost {
                    return BondSettings.canonicalAddress(nsna.targetHost.description, family: AF_INET6)
                }
                lost("link_watch nsna_ping target_host \(nsna.targetHost)", "bonding takes IPv6 addresses, not names",
                     kept: "the name, resolved when the watcher starts")
                return nil
            }
            if !targets.isEmpty { set("ns_ip6_target", targets.prefix(16).joined(separator: ",")) }
            if targets.count > 16 { lost("link_watch nsna_ping", "bonding probes at most 16 targets: the first 16 kept") }
        }
        if config.linkWatchPolicy == .all && arps.count + nsnas.count > 1 { set("arp_all_targets", "all") }
    }

    private mutating func arpTargets(_ arps: [ARPPingWatcherConfig]) {
        let targets = arps.compactMap { arp -> String? in
            if case .address = arp.targetHost { return arp.targetHost.description }
            lost("link_watch arp_ping target_host \(arp.targetHost)", "bonding takes IPv4 addresses, not names",
                 kept: "the name, resolved when the watcher starts")
            return nil
        }
        if !targets.isEmpty { set("arp_ip_target", targets.prefix(16).joined(separator: ",")) }
        if targets.count > 16 { lost("link_watch arp_ping", "bonding probes at most 16 targets: the first 16 kept") }
        // teamd counts only ARP packets on a port that does not validate: bonding's filter variants.
        let active = arps.contains { $0.validateActive }, inactive = arps.contains { $0.validateInactive }
        if arps.contains(where: { $0.validateActive != active || $0.validateInactive != inactive }) {
            lost("link_watch arp_ping validate_*", "one arp_validate for every target: validating where any does",
                 kept: "per-watcher validation")
        }
        set("arp_validate", active ? (inactive ? "all" : "filter_active") : (inactive ? "filter_backup" : "filter"))
        if arps.contains(where: { $0.sourceHost != .address(.any) }) {
            lost("link_watch arp_ping source_host", "bonding's requests carry the bond's own address", kept: "source_host")
        }
        if arps.contains(where: { $0.vlanID != nil }) {
            lost("link_watch arp_ping vlanid", "bonding finds the VLAN on the route to the target (a VLAN device on the "
                + "bond)", kept: "vlanid")
        }
        if arps.contains(where: { $0.sendAlways }) {
            lost("link_watch arp_ping send_always", "bonding probes from the active slave; backups are validated by "
                + "what they receive", kept: "send_always")
        }
    }

    /// The ports as slaves: prio as the slave's prio (and the one highest as primary), sticky as
    /// primary_reselect, the LACP key.
    mutating func slaves() -> [ConvertedBond.Slave] {
        let ports = config.ports
        if case .activeBackup = config.runner {
            let best = ports.map(\.settings.priority).max() ?? 0
            let top = ports.filter { $0.settings.priority == best }
            if top.count == 1 && ports.count > 1 { set("primary", top[0].name) }
            let sticky = ports.filter(\.settings.isSticky)
            if !sticky.isEmpty && sticky.count == ports.count {
                set("primary_reselect", "failure")
            } else {
                for port in sticky {
                    lost("$.ports.\(port.name).sticky", "bonding keeps every active slave (primary_reselect failure) "
                        + "or none", kept: "sticky per port")
                }
            }
        }
        if case .lacp = config.runner { lacpPorts(ports) }
        return ports.map { port in
            ConvertedBond.Slave(name: port.name, priority: port.settings.priority == 0 ? nil : port.settings.priority,
                           queueID: port.settings.queueID)
        }
    }

    private mutating func lacpPorts(_ ports: [PortConfig]) {
        for port in ports where port.settings.lacpPriority != 255 {
            lost("$.ports.\(port.name).lacp_prio", "the bond's slaves all have LACP port priority 255")
        }
        let keys = Set(ports.map(\.settings.lacpKey))
        if keys.count > 1 {
            lost("$.ports.*.lacp_key", "one ad_user_port_key for every slave: ports with different keys aggregate apart "
                + "in teamd only")
        } else if let key = keys.first, key > 0 {
            if key > 1023 {
                lost("$.ports.*.lacp_key", "ad_user_port_key goes up to 1023: \(key & 1023) used")
            }
            set("ad_user_port_key", Int(key & 1023))
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
