import Glibc
import Testing
@testable import SystemSupport

/// A datagram socket bound where NOTIFY_SOCKET points (a path, or an abstract name), read without
/// blocking: systemd's side of sd_notify.
private final class NotifyListener {
    let fd: Int32
    let target: String
    private let path: String?

    init(abstract: Bool) throws {
        let name = "swift-team-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        target = abstract ? "@" + name : "/tmp/" + name
        path = abstract ? nil : target
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0, case (var address, let length)? = SystemdNotifier.socketAddress(target) else {
            throw NotifyTestError.setup("socket")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw NotifyTestError.setup("bind \(target): errno \(errno)") }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Every datagram waiting, in order.
    func received() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return messages }
            messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
    }
}

private enum NotifyTestError: Error { case setup(String) }

@Suite("systemd notification (sd_notify)")
struct SystemdNotifierTests {
    @Test("READY=1 and STOPPING=1 reach the socket NOTIFY_SOCKET names, a path or an abstract name",
          arguments: [false, true])
    func readyAndStopping(abstract: Bool) throws {
        let listener = try NotifyListener(abstract: abstract)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.target]))
        #expect(notifier.watchdogInterval == nil)
        #expect(notifier.timeoutMilliseconds(now: 0) == nil)
        #expect(notifier.notify("READY=1"))
        #expect(notifier.notify("STOPPING=1"))
        #expect(listener.received() == ["READY=1", "STOPPING=1"])
    }

    @Test("no NOTIFY_SOCKET, or one that is no socket address: no notifier")
    func absent() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)]) == nil)
    }

    @Test("WATCHDOG=1 at half of WATCHDOG_USEC, driven by the loop's clock")
    func watchdog() throws {
        let listener = try NotifyListener(abstract: true)
        let environment = ["NOTIFY_SOCKET": listener.target, "WATCHDOG_USEC": "3000000"]
        let notifier = try #require(SystemdNotifier(environment: environment, now: 10_000))
        #expect(notifier.watchdogInterval == 1_500)
        #expect(notifier.timeoutMilliseconds(now: 10_000) == 1_500)
        notifier.keepAlive(now: 11_000)
        #expect(listener.received().isEmpty, "not due yet")
        #expect(notifier.timeoutMilliseconds(now: 11_000) == 500)
        notifier.keepAlive(now: 11_500)
        #expect(listener.received() == ["WATCHDOG=1"])
        #expect(notifier.timeoutMilliseconds(now: 11_500) == 1_500)
        // A late turn (the loop was busy) sends at once and counts the next interval from then.
        #expect(notifier.timeoutMilliseconds(now: 20_000) == 0)
        notifier.keepAlive(now: 20_000)
        notifier.keepAlive(now: 20_001)
        #expect(listener.received() == ["WATCHDOG=1"])
        #expect(notifier.timeoutMilliseconds(now: 20_000) == 1_500)
    }

    @Test("WATCHDOG_PID naming another process, or a bad WATCHDOG_USEC: no watchdog")
    func watchdogForAnother() throws {
        let listener = try NotifyListener(abstract: true)
        let other = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.target, "WATCHDOG_USEC": "1000000",
                                                  "WATCHDOG_PID": "\(getpid() + 1)"])
        #expect(try #require(other).watchdogInterval == nil)
        let mine = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.target, "WATCHDOG_USEC": "1000000",
                                                 "WATCHDOG_PID": "\(getpid())"])
        #expect(try #require(mine).watchdogInterval == 500)
        let bad = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.target, "WATCHDOG_USEC": "soon"])
        #expect(try #require(bad).watchdogInterval == nil)
    }
}
