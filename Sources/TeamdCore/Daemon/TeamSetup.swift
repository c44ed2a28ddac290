import Logging
import TeamKit
import TeamWire

/// The team device a daemon runs, opened before the daemon is built: created (or taken over with `-o`,
/// or recreated with `-r`), with its rtnetlink and team-family connections.
struct OpenedTeam {
    let index: UInt32
    /// Whether this daemon created the device (it deletes it on a failed start).
    let created: Bool
    let route: RouteClient
    let linkEvents: LinkEventSocket
    let device: TeamDevice

    /// Creates or takes over the device named in `options`. On failure nothing is left behind: a device
    /// created here is deleted again.
    static func open(options: DaemonOptions, config: TeamdConfig, kernel: KernelAccess, log: Logger) throws -> OpenedTeam {
        let route = RouteClient(transport: try kernel.makeRoute())
        let linkEvents = try LinkEventSocket(transport: try kernel.makeRouteEvents())
        let (index, created) = try createOrTakeOver(options: options, config: config, route: route, log: log)
        do {
            let device = try TeamDevice(teamIndex: index, commandTransport: try kernel.makeGeneric(),
                                        eventTransport: try kernel.makeGenericEvents())
            return OpenedTeam(index: index, created: created, route: route, linkEvents: linkEvents, device: device)
        } catch {
            if created { try? route.deleteLink(index: index) }
            throw error
        }
    }

    private static func createOrTakeOver(options: DaemonOptions, config: TeamdConfig, route: RouteClient,
                                         log: Logger) throws -> (index: UInt32, created: Bool) {
        let name = options.deviceName
        if let existing = try route.link(named: name) {
            if options.takeOver {
                guard existing.kind == "team" else { throw DaemonStartError("\(name) exists and is not a team device") }
                log.info("taking over \(name)")
                return (existing.index, false)
            }
            if options.forceRecreate {
                try route.deleteLink(index: existing.index)
            } else {
                throw DaemonStartError("Failed to create team device \"\(name)\": File exists")
            }
        }
        let link = try route.createTeam(name: name, address: config.hardwareAddress)
        return (link.index, true)
    }

    /// The team-wide option writes of start-up: the runner's mode, unless the device (taken over) is in
    /// it already, where setting it again would fail with ports present.
    static func modeWrites(for mode: String, on device: TeamDevice) -> [TeamAction] {
        if case .string(let current)? = device.option(named: "mode")?.value, current == mode { return [] }
        return [.setOption(TeamOptionID(name: "mode"), .string(mode))]
    }

    /// The peer notification options of the config (`notify_peers`, `mcast_rejoin`), with activebackup's
    /// default of one each.
    static func peerNotificationWrites(_ config: TeamdConfig) -> [TeamAction] {
        var defaults = (notifyCount: UInt32?.none, rejoinCount: UInt32?.none)
        if case .activeBackup = config.runner { defaults = (1, 1) }
        let settings: [(String, UInt32?)] = [
            ("notify_peers_count", config.notifyPeers.count ?? defaults.notifyCount),
            ("notify_peers_interval", config.notifyPeers.interval),
            ("mcast_rejoin_count", config.multicastRejoin.count ?? defaults.rejoinCount),
            ("mcast_rejoin_interval", config.multicastRejoin.interval),
        ]
        return settings.compactMap { name, value in value.map { .setOption(TeamOptionID(name: name), .u32($0)) } }
    }
}
