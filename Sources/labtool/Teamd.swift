import Glibc
import TeamJSON
import TeamKit
import TeamWire
import TeamdControl

/// Starting and stopping a teamd, and reading the kernel's view of its team.
enum Teamd {
    /// The ports the kernel has enabled (per-port option `enabled`), and `activeport` (0 when none).
    static func kernelView(_ team: TeamDevice) -> (enabled: Set<UInt32>, activePort: UInt32) {
        var enabled = Set<UInt32>()
        var active: UInt32 = 0
        for option in team.options() where !option.isRemoved {
            if option.name == TeamOptionName.enabled, let port = option.portIndex, case .bool(true) = option.value {
                enabled.insert(port)
            } else if option.name == TeamOptionName.activePort, case .u32(let index) = option.value {
                active = index
            }
        }
        return (enabled, active)
    }

    /// `labtool start --teamd BIN --dev DEV --config JSON --enabled N [--activebackup yes] [--up yes]`:
    /// execs `BIN -d -t DEV -c JSON` and measures until the control socket answers a StateDump and the
    /// kernel has N ports enabled (and, for activebackup, an active port). With `--up yes` the team
    /// device is set up as soon as it exists, as the system's network scripts do (the C lacp runner
    /// sends no LACPDU while its team is down). Prints
    /// `start_ms` (exec to ready), `parent_ms` (exec to `teamd -d` returning) and `pid`.
    static func start(_ options: Options) throws {
        let binary = try options.string("teamd")
        let device = try options.string("dev")
        let config = try options.string("config")
        let wanted = try options.int("enabled", default: 1)
        let activeBackup = options.string("activebackup", default: "no") == "yes"
        var bringUp = options.string("up", default: "no") == "yes"
        let timeout = Double(try options.int("timeout", default: 20)) * 1000
        let errorPath = "/tmp/labtool-teamd-\(device).err"

        let start = System.now()
        let parent = try System.spawn([binary, "-d", "-t", device, "-c", config], stderrPath: errorPath)
        var parentDone: Double?
        var answered = false
        var team: TeamDevice?
        while true {
            let now = System.now()
            if now - start > timeout {
                let view = team.map { kernelView($0) }
                throw LabError("\(binary) not ready after \(timeout) ms (control answered: \(answered); kernel: "
                    + "enabled ports \(view.map { $0.enabled.sorted().description } ?? "?"), activeport "
                    + "\(view.map { String($0.activePort) } ?? "?")): \(System.readFile(errorPath) ?? "")")
            }
            if parentDone == nil {
                var status: Int32 = 0
                if waitpid(parent, &status, WNOHANG) == parent {
                    parentDone = System.now() - start
                    if status != 0 {
                        throw LabError("\(binary) -d exited with \(status >> 8): \(System.readFile(errorPath) ?? "")")
                    }
                }
            }
            if bringUp, case let index = if_nametoindex(device), index != 0 {
                if (try? RouteClient().setUp(true, index: index)) != nil { bringUp = false }
            }
            if !answered {
                if let client = try? TeamdControlClient.connect(teamDevice: device, transport: .unixSocket),
                   (try? client.stateDump()) != nil {
                    answered = true
                }
            }
            if answered {
                if team == nil {
                    let index = if_nametoindex(device)
                    if index != 0 { team = try? TeamDevice(teamIndex: index, listening: false) }
                }
                if let team, (try? team.refreshOptions()) != nil {
                    let view = kernelView(team)
                    if view.enabled.count == wanted && (!activeBackup || view.enabled.contains(view.activePort)) {
                        break
                    }
                }
            }
            System.sleep(milliseconds: 1)
        }
        let ready = System.now() - start
        if parentDone == nil {
            _ = System.wait(parent)
            parentDone = System.now() - start
        }
        let pid = System.teamdPID(device: device) ?? 0
        emit([("start_ms", ready), ("parent_ms", parentDone ?? 0)], extra: [("pid", String(pid))])
    }

    /// `labtool stop --dev DEV`: SIGTERM to the teamd of DEV, then waits until it is gone, its pid
    /// file removed and the team device deleted.
    static func stop(_ options: Options) throws {
        let device = try options.string("dev")
        let start = System.now()
        guard let pid = System.teamdPID(device: device) else { throw LabError("no teamd pid file for \(device)") }
        kill(pid, SIGTERM)
        while true {
            let alive = kill(pid, 0) == 0 && !(System.readFile("/proc/\(pid)/stat")?.contains(") Z ") ?? true)
            let pidFile = access("/var/run/teamd/\(device).pid", F_OK) == 0
            if !alive && !pidFile && if_nametoindex(device) == 0 { break }
            if System.now() - start > 15_000 { throw LabError("teamd \(pid) of \(device) did not stop") }
            System.sleep(milliseconds: 2)
        }
        emit([("stop_ms", System.now() - start)])
    }

    /// `labtool control --dev DEV --count N [--seconds S]`: N StateDump requests over one kept connection,
    /// or as many as fit in S seconds when S > 0 (a loaded host must not stretch the run past its time
    /// budget). Prints the wall time, the requests made, requests per second, and teamd's own CPU time
    /// per request.
    static func control(_ options: Options) throws {
        let device = try options.string("dev")
        let count = try options.int("count", default: 10_000)
        let budget = Double(try options.int("seconds", default: 0)) * 1000
        guard let pid = System.teamdPID(device: device) else { throw LabError("no teamd for \(device)") }
        let client = try TeamdControlClient.connect(teamDevice: device, transport: .unixSocket)
        var bytes = 0
        for _ in 0..<20 { bytes = try client.stateDump().utf8.count }
        let cpuBefore = System.cpuMilliseconds(pid: pid)
        let start = System.now()
        var done = 0
        while done < count {
            _ = try client.stateDump()
            done += 1
            // The clock is read every 100 requests only, to keep the client's own cost down.
            if budget > 0 && done % 100 == 0 && System.now() - start > budget { break }
        }
        let elapsed = System.now() - start
        let cpu = System.cpuMilliseconds(pid: pid) - cpuBefore
        emit([("total_ms", elapsed), ("requests", Double(done)), ("per_request_us", elapsed * 1000 / Double(done)),
              ("rps", Double(done) / elapsed * 1000), ("teamd_cpu_us", cpu * 1000 / Double(done)),
              ("reply_bytes", Double(bytes))])
    }

    /// `labtool spawn [--warmup W] [--count N] -- CMD ARGS...`: whole-process time of CMD (exec to exit,
    /// output discarded), after W untimed runs. Prints `ms` (the median of N) and `ms_N` for each run.
    static func spawnTime(_ options: Options) throws {
        let warmup = try options.int("warmup", default: 1)
        let count = try options.int("count", default: 1)
        guard !options.rest.isEmpty else { throw LabError("spawn: no command after --") }
        for _ in 0..<warmup {
            let status = System.wait(try System.spawn(options.rest))
            guard status == 0 else { throw LabError("\(options.rest.joined(separator: " ")) exited with \(status)") }
        }
        var times: [Double] = []
        for _ in 0..<count {
            let start = System.now()
            let status = System.wait(try System.spawn(options.rest))
            times.append(System.now() - start)
            guard status == 0 else { throw LabError("\(options.rest.joined(separator: " ")) exited with \(status)") }
        }
        emit([("ms", median(times))] + times.enumerated().map { ("ms_\($0.offset + 1)", $0.element) })
    }

    /// `labtool memory --dev DEV [--smaps PATH]`: DEV's teamd's memory in KiB: `rss_kib` and
    /// `private_dirty_kib` from /proc/PID/smaps_rollup (a walk of the page tables: exact), and VmRSS and
    /// VmHWM from /proc/PID/status (kernel 6.1 keeps those per thread and adds them to the process's total
    /// only every 64 page faults, so an idle daemon's VmRSS can lag its mappings by megabytes); with --smaps,
    /// copies /proc/PID/smaps there for the profile.
    static func memory(_ options: Options) throws {
        let device = try options.string("dev")
        guard let pid = System.teamdPID(device: device),
              let status = System.readFile("/proc/\(pid)/status") else { throw LabError("no teamd for \(device)") }
        func field(_ name: String) -> Double {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? .nan
            }
            return .nan
        }
        if let path = options.optional("smaps"), let smaps = System.readFile("/proc/\(pid)/smaps") {
            try? System.writeFile(path, smaps)
        }
        let rollup = System.readFile("/proc/\(pid)/smaps_rollup") ?? ""
        func rollupField(_ name: String) -> Double {
            for line in rollup.split(separator: "\n") where line.hasPrefix(name + ":") {
                return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? .nan
            }
            return .nan
        }
        emit([("rss_kib", rollupField("Rss")), ("private_dirty_kib", rollupField("Private_Dirty")),
              ("vmrss_kib", field("VmRSS")), ("vmhwm_kib", field("VmHWM"))])
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
