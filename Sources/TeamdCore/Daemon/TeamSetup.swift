import Logging
import NetlinkCodec
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
    let device: any AggregateDevice
    let backend: Backend

    /// Creates or takes over the device named in `options`, on the backend `options.backend` forces or
    /// the one found (`chooseBackend`). On failure nothing is left behind: a device created here is
    /// deleted again.
    static func open(options: DaemonOptions, config: TeamdConfig, kernel: KernelAccess, log: Logger) throws -> OpenedTeam {
        let route = RouteClient(transport: try kernel.makeRoute())
        let linkEvents = try LinkEventSocket(transport: try kernel.makeRouteEvents())
        let existing = try route.link(named: options.deviceName)
        let backend = try chooseBackend(options: options, existing: existing, kernel: kernel, log: log)
        switch backend {
        case .team:
            let (index, created) = try createOrTakeOver(options: options, existing: existing, route: route, log: log) {
                try createTeam(options.deviceName, config: config, route: route)
            }
            do {
                let device = try TeamDevice(teamIndex: index, commandTransport: try kernel.makeGeneric(),
                                            eventTransport: try kernel.makeGenericEvents())
                return OpenedTeam(index: index, created: created, route: route, linkEvents: linkEvents, device: device,
                                  backend: .team)
            } catch {
                if created { try? route.deleteLink(index: index) }
                throw error
            }
        case .bonding:
            let plan: BondPlan
            do { plan = try BondPlan(config: config) } catch { throw DaemonStartError("bonding backend: \(error)") }
            for warning in plan.warnings { log.warning("bonding backend: \(warning)") }
            let (index, created) = try createOrTakeOver(options: options, existing: existing, route: route, log: log) {
                try createBond(options.deviceName, config: config, plan: plan, route: route, forced: options.backend != nil)
            }
            if options.backend == nil && created {
                log.warning("the team driver is not available (no team generic netlink family, modprobe team failed): \(options.deviceName) is a bond (\(plan.mode.name))")
            }
            do {
                let device = try BondDevice(bondIndex: index, mode: plan.mode, teamMode: config.runner.kernelMode,
                                            route: route, events: try LinkEventSocket(transport: try kernel.makeRouteEvents()))
                return OpenedTeam(index: index, created: created, route: route, linkEvents: linkEvents, device: device,
                                  backend: .bonding)
            } catch {
                if created { try? route.deleteLink(index: index) }
                throw error
            }
        }
    }

    /// The forced backend, else the kind of a device taken over, else team when its driver is there (the
    /// `team` generic netlink family resolves, which loads team.ko on demand, or `modprobe team` works),
    /// else bonding (said once in the log when the bond is made).
    static func chooseBackend(options: DaemonOptions, existing: Link?, kernel: KernelAccess, log: Logger) throws -> Backend {
        if let forced = options.backend { return forced }
        if options.takeOver, let kind = existing?.kind, kind == "bond" || kind == "team" {
            return kind == "bond" ? .bonding : .team
        }
        if try teamFamilyExists(kernel) { return .team }
        if kernel.loadModule(TeamFamily.name), try teamFamilyExists(kernel) {
            log.info("team driver loaded (modprobe team)")
            return .team
        }
        return .bonding
    }

    private static func teamFamilyExists(_ kernel: KernelAccess) throws -> Bool {
        do {
            _ = try NetlinkConnection(transport: try kernel.makeGeneric()).resolveFamily(named: TeamFamily.name)
            return true
        } catch let error as NetlinkError where error.code == .kernel(errno: 2) || error.code == .notFound {
            return false
        }
    }

    /// A new bond with the plan's parameters. A kernel without the bonding driver either answers
    /// EOPNOTSUPP ("Unknown device type"): then neither driver is there, and the error says which modules.
    private static func createBond(_ name: String, config: TeamdConfig, plan: BondPlan, route: RouteClient,
                                   forced: Bool) throws -> UInt32 {
        do {
            return try route.createBond(name: name, address: config.hardwareAddress, parameters: plan.parameters).index
        } catch let error as NetlinkError where error.code == .kernel(errno: 95) {
            throw DaemonStartError(forced
                ? "Failed to create team device \"\(name)\": the bonding driver is not available (module bonding missing)"
                : "Failed to create team device \"\(name)\": neither the team nor the bonding driver is available (modules team and bonding missing)")
        }
    }

    /// A new team; a kernel without team.ko answers EOPNOTSUPP.
    private static func createTeam(_ name: String, config: TeamdConfig, route: RouteClient) throws -> UInt32 {
        do {
            return try route.createTeam(name: name, address: config.hardwareAddress).index
        } catch let error as NetlinkError where error.code == .kernel(errno: 95) {
            throw DaemonStartError("Failed to create team device \"\(name)\": the team driver is not available (module team missing); --backend bonding uses the bonding driver")
        }
    }

    private static func createOrTakeOver(options: DaemonOptions, existing: Link?, route: RouteClient, log: Logger,
                                         create: () throws -> UInt32) throws -> (index: UInt32, created: Bool) {
        let name = options.deviceName
        let kind = options.backend == .bonding || existing?.kind == "bond" && options.backend == nil ? "bond" : "team"
        if let existing {
            if options.takeOver || options.warmStart {
                guard existing.kind == kind else { throw DaemonStartError("\(name) exists and is not a \(kind) device") }
                log.info("taking over \(name)")
                return (existing.index, false)
            }
            if options.forceRecreate {
                try route.deleteLink(index: existing.index)
            } else {
                throw DaemonStartError("Failed to create team device \"\(name)\": File exists")
            }
        }
        return (try create(), true)
    }

    /// The team-wide option writes of start-up: the runner's mode, unless the device (taken over) is in
    /// it already, where setting it again would fail with ports present.
    static func modeWrites(for mode: String, on device: any AggregateDevice) -> [TeamAction] {
        if case .string(let current)? = device.option(.mode)?.value, current == mode { return [] }
        return [.setOption(TeamOptionID(.mode), .string(mode))]
    }

    /// The peer notification options of the config (`notify_peers`, `mcast_rejoin`), with activebackup's
    /// default of one each.
    static func peerNotificationWrites(_ config: TeamdConfig) -> [TeamAction] {
        var defaults = (notifyCount: UInt32?.none, rejoinCount: UInt32?.none)
        if case .activeBackup = config.runner { defaults = (1, 1) }
        let settings: [(TeamOptionName, UInt32?)] = [
            (.notifyPeersCount, config.notifyPeers.count ?? defaults.notifyCount),
            (.notifyPeersInterval, config.notifyPeers.interval),
            (.multicastRejoinCount, config.multicastRejoin.count ?? defaults.rejoinCount),
            (.multicastRejoinInterval, config.multicastRejoin.interval),
        ]
        return settings.compactMap { name, value in value.map { .setOption(TeamOptionID(name), .u32($0)) } }
    }
}
