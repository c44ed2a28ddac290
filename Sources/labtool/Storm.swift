import Glibc
import TeamJSON
import TeamKit
import TeamWire
import TeamdControl

enum Storm {
    /// `labtool storm --dev team0 --ports st0,... [--peers st0p,... [--ns sw]] [--flaps 500]`: flaps every
    /// port FLAPS times (down, then up; all ports one after the other) as fast as rtnetlink takes it,
    /// then leaves the even-numbered ones down. With --peers it sets each port's peer (a veth in NS)
    /// admin down and up; without, it turns the port's own carrier off and on (IFLA_CARRIER, for dummy
    /// ports: no device close in the kernel, so the flaps come much faster). Settled is when teamd has been
    /// asleep with empty netlink queues for 20 ms (watched through /proc, costing teamd nothing) and
    /// then its state (`ports.X.link.up`, `ports.X.link_watches.up`) matches the links. Prints `flap_ms`
    /// (the flapping), `settle_ms` (last change to settled), `total_ms`, `teamd_cpu_ms` (teamd's CPU
    /// time from the first flap to its last activity), `changes`, `state_late_ms` (how long the state
    /// stayed wrong after teamd went quiet; 0 when it was right at once) and
    /// `kernel_user_linkup_agrees` (whether the per-port `user_linkup` options match the links too).
    /// A daemon still wrong 2 s after going quiet gets `state_right=0` and `settle_ms=nan`.
    static func run(_ options: Options) throws {
        let device = try options.string("dev")
        let ports = try options.list("ports")
        let carrier = options.optional("peers") == nil
        let peers = carrier ? ports : try options.list("peers")
        let flaps = try options.int("flaps", default: 500)
        let namespace = options.optional("ns")
        guard ports.count == peers.count else { throw LabError("--ports and --peers differ in length") }
        guard let pid = System.teamdPID(device: device) else { throw LabError("no teamd for \(device)") }
        let teamIndex = if_nametoindex(device)
        let portIndexes = ports.map { if_nametoindex($0) }
        guard teamIndex != 0, !portIndexes.contains(0) else { throw LabError("a port or \(device) is missing") }
        let (route, peerIndexes) = try System.inNamespace(carrier ? nil : namespace) { () throws -> (RouteClient, [UInt32]) in
            let route = try RouteClient()
            return (route, try peers.map { name in
                guard let link = try route.link(named: name) else { throw LabError("no \(name)") }
                return link.index
            })
        }
        let team = try TeamDevice(teamIndex: teamIndex, listening: false)
        let client = try TeamdControlClient.connect(teamDevice: device, transport: .unixSocket)
        // The final pattern: even-numbered links down, odd up.
        let expectUp = ports.indices.map { $0 % 2 == 1 }

        let activity = DaemonActivity(pid: pid)
        let cpuBefore = activity.cpuMilliseconds
        func set(_ index: UInt32, _ up: Bool) throws {
            if carrier { try route.setCarrier(up, index: index) } else { try route.setUp(up, index: index) }
        }
        defer {
            // Back to all links up, also after a failure, so that the next daemon starts alike.
            for peer in peerIndexes { try? set(peer, true) }
        }
        let start = System.now()
        for _ in 0..<flaps {
            for peer in peerIndexes { try set(peer, false) }
            for peer in peerIndexes { try set(peer, true) }
        }
        for (peer, up) in zip(peerIndexes, expectUp) where !up { try set(peer, false) }
        let last = System.now()

        // Settled: teamd asleep with nothing queued on its netlink sockets for 20 ms (watched from
        // outside, so that the watching costs teamd nothing), and then its state dump agrees.
        guard let quiet = activity.waitUntilQuiet() else { throw LabError("teamd did not go quiet in 60 s") }
        let cpu = activity.cpuMilliseconds - cpuBefore
        let (stateRight, settled, stateLate) = try settledState(stateDump: { try client.stateDump() }, ports: ports,
                                                                expectUp: expectUp, quiet: quiet)
        // For the record: does the kernel's user_linkup agree too (a teamd that skips writes leaves it stale)?
        try team.refreshOptions()
        let linkUp = userLinkUp(team)
        let kernelAgrees = zip(portIndexes, expectUp).allSatisfy { linkUp.contains($0.0) == $0.1 }
        emit([("flap_ms", last - start), ("settle_ms", stateRight ? settled - last : .nan),
              ("total_ms", stateRight ? settled - start : .nan), ("state_right", stateRight ? 1 : 0),
              ("teamd_cpu_ms", cpu), ("changes", Double(flaps * peers.count * 2 + peers.count / 2)),
              ("state_late_ms", stateLate), ("kernel_user_linkup_agrees", kernelAgrees ? 1 : 0)])
    }

    /// After teamd went quiet at `quiet`: whether its state dump shows the ports' links and watchers as
    /// `expectUp` (asked again for up to 2 s), when it first did, and how long after `quiet` that was.
    static func settledState(stateDump: () throws -> String, ports: [String], expectUp: [Bool], quiet: Double) throws
        -> (right: Bool, settled: Double, late: Double) {
        var settled = quiet
        var state = try JSONValue(parsing: try stateDump())
        func matches(_ state: JSONValue) -> Bool {
            zip(ports, expectUp).allSatisfy { name, up in
                state["ports"]?[name]?["link"]?["up"]?.boolValue == up
                    && state["ports"]?[name]?["link_watches"]?["up"]?.boolValue == up
            }
        }
        var stateLate = 0.0
        let quietEnd = System.now()
        while !matches(state) && System.now() - quietEnd < 2000 {
            // Quiet but wrong: the daemon lost or misread events. Ask again for 2 s, then call it wrong
            // (nothing in teamd would heal it later: no event is coming).
            System.sleep(milliseconds: 100)
            state = try JSONValue(parsing: try stateDump())
            settled = System.now()
            stateLate = settled - quiet
        }
        let stateRight = matches(state)
        if !stateRight {
            let summary = ports.map { name in
                let port = state["ports"]?[name]
                return "\(name)=\(port?["link"]?["up"]?.boolValue.map { $0 ? 1 : 0 } ?? -1)/\(port?["link_watches"]?["up"]?.boolValue.map { $0 ? 1 : 0 } ?? -1)"
            }
            printError("labtool storm: teamd's state is wrong after the storm; link/watch up: \(summary.joined(separator: " "))")
        }
        return (stateRight, settled, stateLate)
    }

    /// The ports whose `user_linkup` option is true.
    static func userLinkUp(_ team: TeamDevice) -> Set<UInt32> {
        Set(team.options().compactMap { option in
            guard option.name == TeamOptionName.userLinkup, !option.isRemoved, case .bool(true) = option.value else { return nil }
            return option.portIndex
        })
    }
}
