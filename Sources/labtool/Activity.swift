import Glibc

/// Watches a daemon from outside without talking to it: its CPU time, whether it is asleep, and how many
/// bytes wait in its netlink sockets' receive queues (/proc/net/netlink's Rmem for the socket inodes in
/// /proc/PID/fd). A daemon that sleeps with empty queues has handled every event the kernel sent it.
struct DaemonActivity {
    let pid: pid_t
    private let socketInodes: Set<UInt64>

    init(pid: pid_t) {
        self.pid = pid
        var inodes = Set<UInt64>()
        if let directory = opendir("/proc/\(pid)/fd") {
            defer { closedir(directory) }
            var target = [CChar](repeating: 0, count: 64)
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                let count = readlink("/proc/\(pid)/fd/\(name)", &target, target.count - 1)
                guard count > 0 else { continue }
                let text = String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if text.hasPrefix("socket:["), let inode = UInt64(text.dropFirst(8).dropLast()) { inodes.insert(inode) }
            }
        }
        socketInodes = inodes
    }

    /// CPU time used so far, ms.
    var cpuMilliseconds: Double { System.cpuMilliseconds(pid: pid) }

    /// Whether the process is sleeping (state S), not running or waiting for a CPU.
    var isSleeping: Bool {
        guard let stat = System.readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)...].first == "S"
    }

    /// Bytes queued for the daemon on its netlink sockets.
    var queuedNetlinkBytes: Int {
        guard let table = System.readFile("/proc/net/netlink") else { return -1 }
        var total = 0
        // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count >= 10, let inode = UInt64(fields[9]), socketInodes.contains(inode),
                  let rmem = Int(fields[4]) else { continue }
            total += rmem
        }
        return total
    }

    /// Polls every `interval` ms until the daemon has been asleep with empty netlink queues and no CPU
    /// progress for `quiet` ms; returns the time of the last activity seen (ms, monotonic), or nil
    /// after `timeout` ms.
    func waitUntilQuiet(quiet: Double = 20, interval: Double = 1, timeout: Double = 60_000) -> Double? {
        let start = System.now()
        var lastCPU = cpuMilliseconds
        var lastActive = start
        while true {
            let now = System.now()
            let cpu = cpuMilliseconds
            if cpu != lastCPU || !isSleeping || queuedNetlinkBytes != 0 {
                lastCPU = cpu
                lastActive = now
            } else if now - lastActive >= quiet {
                return lastActive
            }
            if now - start > timeout { return nil }
            System.sleep(milliseconds: interval)
        }
    }
}
