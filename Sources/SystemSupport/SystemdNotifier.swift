import Glibc

/// systemd's service notification protocol (sd_notify(3)), without libsystemd: datagrams such as
/// `READY=1` sent over an AF_UNIX socket to `$NOTIFY_SOCKET` (a path, or `@name` in the abstract
/// namespace). Under `Type=notify` systemd waits for READY=1; with `WatchdogSec=` it passes
/// `WATCHDOG_USEC` (and `WATCHDOG_PID`) and restarts the service when no WATCHDOG=1 comes in time.
/// teamd sends READY=1 once its control interfaces are up, WATCHDOG=1 from its loop at half the
/// interval, and STOPPING=1 when it quits. Without `$NOTIFY_SOCKET` (not started by systemd) there is
/// no notifier and nothing is sent.
public final class SystemdNotifier {
    private let socket: Int32
    private var address: sockaddr_un
    private let addressLength: socklen_t
    /// Half of WATCHDOG_USEC in milliseconds, as sd_watchdog_enabled(3) advises; nil without a watchdog.
    public let watchdogInterval: Int64?
    private var nextWatchdog: Int64

    /// A notifier for the environment systemd gave the process; nil when `NOTIFY_SOCKET` is unset,
    /// empty or not a usable address, or its socket cannot be made.
    public convenience init?(environment: [String: String] = SystemdNotifier.processEnvironment(),
                             pid: pid_t = getpid(), now: Int64 = SystemdNotifier.monotonicMilliseconds()) {
        guard let target = environment["NOTIFY_SOCKET"], let (address, length) = Self.socketAddress(target)
        else { return nil }
        var interval: Int64? = nil
        // WATCHDOG_PID, when set, names the process the watchdog is meant for (not a child we forked).
        if let usec = environment["WATCHDOG_USEC"].flatMap({ Int64($0) }), usec > 0,
           environment["WATCHDOG_PID"].map({ pid_t($0) == pid }) ?? true {
            interval = max(1, usec / 2_000)
        }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.init(socket: fd, address: address, length: length, watchdogInterval: interval, now: now)
    }

    private init(socket: Int32, address: sockaddr_un, length: socklen_t, watchdogInterval: Int64?, now: Int64) {
        self.socket = socket
        self.address = address
        self.addressLength = length
        self.watchdogInterval = watchdogInterval
        self.nextWatchdog = now + (watchdogInterval ?? 0)
    }

    deinit { close(socket) }

    /// Sends one notification (`READY=1`, `STOPPING=1`, `STATUS=...`); false when the send failed.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                sendto(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL), target, addressLength)
            }
        }
        return sent == bytes.count
    }

    /// Milliseconds until the next WATCHDOG=1 is due (0 when it is), for the loop's poll timeout.
    public func timeoutMilliseconds(now: Int64 = SystemdNotifier.monotonicMilliseconds()) -> Int64? {
        watchdogInterval.map { _ in max(0, nextWatchdog - now) }
    }

    /// Sends WATCHDOG=1 if it is due; the loop calls it on every turn.
    public func keepAlive(now: Int64 = SystemdNotifier.monotonicMilliseconds()) {
        guard let interval = watchdogInterval, now >= nextWatchdog else { return }
        notify("WATCHDOG=1")
        nextWatchdog = now + interval
    }

    /// `$NOTIFY_SOCKET` as a socket address: an absolute path, or `@name` for Linux's abstract
    /// namespace (a leading NUL and no terminating one).
    static func socketAddress(_ target: String) -> (sockaddr_un, socklen_t)? {
        var bytes = Array(target.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@"), !bytes.contains(0)
        else { return nil }
        let abstract = first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 } else { bytes.append(0) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count <= MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return (address, socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count))
    }

    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { result[name] = String(cString: value) }
        }
        return result
    }

    public static func monotonicMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
