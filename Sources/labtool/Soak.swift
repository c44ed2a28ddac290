import Glibc
import TeamKit
import TeamdControl

/// The soak (lab/scenarios/teamd-soak.sh): link flaps spread over the ports of several teams while a
/// client keeps every team's control socket busy.
enum Soak {
    /// `labtool flap --ns sw --peers a0p,...|l0p,... --flaps N [--final-down IF,...] [--teams DEV,...]
    /// [--checkpoint K] [--rate R]`: `--peers` holds groups of peer links separated by `|` (one group per team); each
    /// of the N steps flaps (admin down, then up) one peer of every group, chosen by a fixed
    /// pseudo-random sequence, as fast as rtnetlink takes it (or R steps a second at most). Then the `--final-down` peers are left
    /// down. After K steps (default 1000) the flapping pauses until the teams' daemons have drained
    /// their netlink queues, and each daemon's RSS and open fd count are printed as
    /// `DEV_rss_kb_checkpoint` and `DEV_fds_checkpoint`. Prints `steps`, `flaps` and `flap_ms`.
    static func flap(_ options: Options) throws {
        let groups = try options.string("peers").split(separator: "|").map { $0.split(separator: ",").map(String.init) }
        let steps = try options.int("flaps", default: 1000)
        let checkpoint = try options.int("checkpoint", default: 1000)
        let rate = Double(try options.int("rate", default: 0))
        let finalDown = Set(options.optional("final-down")?.split(separator: ",").map(String.init) ?? [])
        let teams = options.optional("teams")?.split(separator: ",").map(String.init) ?? []
        guard !groups.isEmpty, groups.allSatisfy({ !$0.isEmpty }) else { throw LabError("--peers has an empty group") }
        let daemons = try teams.map { team in
            guard let pid = System.teamdPID(device: team) else { throw LabError("no teamd for \(team)") }
            return (team, DaemonActivity(pid: pid))
        }
        let (route, indexes) = try System.inNamespace(options.optional("ns")) { () throws -> (RouteClient, [[UInt32]]) in
            let route = try RouteClient()
            return (route, try groups.map { group in
                try group.map { name in
                    guard let link = try route.link(named: name) else { throw LabError("no \(name)") }
                    return link.index
                }
            })
        }
        var random = SplitMix(seed: 0x50a4)
        let start = System.now()
        for step in 0..<steps {
            if step == checkpoint && !daemons.isEmpty {
                try measure(daemons, suffix: "checkpoint")
            }
            if rate > 0 {
                let due = start + Double(step) * 1000 / rate
                let now = System.now()
                if now < due { System.sleep(milliseconds: due - now) }
            }
            for group in indexes {
                let peer = group[Int(random.next() % UInt64(group.count))]
                try route.setUp(false, index: peer)
                try route.setUp(true, index: peer)
            }
        }
        let elapsed = System.now() - start
        for (group, names) in zip(indexes, groups) {
            for (peer, name) in zip(group, names) where finalDown.contains(name) { try route.setUp(false, index: peer) }
        }
        emit([("steps", Double(steps)), ("flaps", Double(steps * groups.count)), ("flap_ms", elapsed)])
    }

    /// Waits (at most 30 s) until every daemon's netlink queues are empty, then prints its RSS and fds.
    private static func measure(_ daemons: [(String, DaemonActivity)], suffix: String) throws {
        let deadline = System.now() + 30_000
        while daemons.contains(where: { $0.1.queuedNetlinkBytes != 0 }) {
            guard System.now() < deadline else { throw LabError("the daemons' netlink queues did not drain in 30 s") }
            System.sleep(milliseconds: 10)
        }
        var values: [(String, Double)] = []
        for (team, daemon) in daemons {
            values.append(("\(team)_rss_kb_\(suffix)", Double(residentKilobytes(pid: daemon.pid))))
            values.append(("\(team)_fds_\(suffix)", Double(openDescriptors(pid: daemon.pid))))
        }
        emit(values)
    }

    /// `labtool soak-control --devs DEV,... --stop-file PATH`: StateDump, ConfigDumpActual and
    /// StateItemValueGet `setup.runner_name` to each team in turn, over one UNIX socket connection per
    /// team, without pause until PATH exists. Every request must be answered with a success, within 60 s
    /// (a loaded lab guest can be slow; how slow is printed, not judged): prints `requests`, `failed` and
    /// `slowest_ms`, and exits non-zero when one failed.
    static func control(_ options: Options) throws {
        let devices = try options.list("devs")
        let stopFile = try options.string("stop-file")
        let clients = try devices.map {
            try TeamdControlClient.connect(teamDevice: $0, transport: .unixSocket, timeout: .seconds(60))
        }
        var requests = 0, failed = 0
        var slowest = 0.0
        while access(stopFile, F_OK) != 0 {
            for client in clients {
                for call in 0..<3 {
                    requests += 1
                    let sent = System.now()
                    defer { slowest = max(slowest, System.now() - sent) }
                    do {
                        let reply = switch call {
                        case 0: try client.stateDump()
                        case 1: try client.configDumpActual()
                        default: try client.stateItemValue(at: "setup.runner_name")
                        }
                        if reply.isEmpty { failed += 1 }
                    } catch {
                        failed += 1
                        if failed <= 10 { printError("labtool soak-control: request \(requests): \(error)") }
                    }
                }
            }
        }
        emit([("requests", Double(requests)), ("failed", Double(failed)), ("slowest_ms", slowest)])
        if failed > 0 { throw LabError("\(failed) of \(requests) requests failed") }
    }

    /// VmRSS of the process, KiB.
    static func residentKilobytes(pid: pid_t) -> Int {
        guard let status = System.readFile("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// The number of open file descriptors of the process.
    static func openDescriptors(pid: pid_t) -> Int {
        guard let directory = opendir("/proc/\(pid)/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { count += 1 }
        }
        return count
    }
}

/// SplitMix64: a fixed, seeded sequence, so that every soak run flaps the same ports in the same order.
/// A copy of TestSupport's `SeededGenerator` on purpose: labtool ships to the lab guest as an executable
/// and cannot depend on a test-support target (nor should tests' helpers become a product library).
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
