import Glibc
import SystemSupport
import Testing

@Suite struct PollTimeoutTests {
    @Test(arguments: [
        (Duration.zero, Int32(0)),
        (.nanoseconds(-5), 0),
        (.seconds(-2), 0),
        (.nanoseconds(1), 1),
        (.microseconds(300), 1),
        (.microseconds(999), 1),
        (.milliseconds(1), 1),
        (.nanoseconds(1_000_001), 2),
        (.milliseconds(1500), 1500),
        (.seconds(3) + .nanoseconds(1), 3001),
        (.seconds(Int64(Int32.max)), Int32.max),
        (.seconds(Int64.max / 2), Int32.max),
    ])
    func roundsUpSoATimerNeverFiresEarly(duration: Duration, expected: Int32) {
        #expect(duration.pollMilliseconds == expected)
    }

    @Test func nilWaitsForever() {
        #expect(Poll.milliseconds(nil) == -1)
        #expect(Poll.milliseconds(.milliseconds(7)) == 7)
    }

    @Test func waitReportsReadinessAndTimeout() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try Poll.wait(fds[0], for: Int16(POLLIN), until: start.advanced(by: .milliseconds(20))) == false)
        // Not before the deadline: the timeout is rounded up, never down.
        #expect(clock.now >= start.advanced(by: .milliseconds(20)))
        try FileDescriptor(rawValue: fds[1]).writeAll([1])
        #expect(try Poll.wait(fds[0], for: Int16(POLLIN), until: nil) == true)
    }
}

@Suite struct ErrnoTests {
    @Test func carriesTheCLibrarysText() {
        #expect(Errno(ENOENT).description == "No such file or directory")
        #expect(Errno(ENODEV).description == "No such device")
        #expect(Errno.wouldBlock == Errno(EWOULDBLOCK))
    }

    @Test func retryingInterruptsThrowsTheErrno() {
        #expect(throws: Errno(EBADF)) { try retryingInterrupts { Glibc.close(-1) } }
        #expect(throws: Errno.noSuchFile) { try FileDescriptor.open("/nonexistent/x", O_RDONLY) }
    }

    @Test func retryingInterruptsRepeatsOnlyEINTR() throws {
        var calls = 0
        let result = try retryingInterrupts { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(result == 42)
        #expect(calls == 3)
    }
}

@Suite struct FileDescriptorTests {
    @Test func writeAllThenReadBackAcrossManyChunks() throws {
        let path = "/tmp/systemsupport-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, permissions: 0o600)
        try file.writeAll(bytes)
        file.close()
        #expect(try FileDescriptor.readFile(path) == bytes)
        #expect(try FileDescriptor.readFile(path, limit: 5000) == Array(bytes[0..<5000]))
        #expect(throws: Errno.fileExists) { try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL) }
    }
}

@Suite struct UnixSocketAddressTests {
    private let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!

    @Test func pathIsNulTerminated() throws {
        let address = try #require(UnixSocketAddress(path: "/run/teamd/team0.sock"))
        #expect(Int(address.length) == offset + 21 + 1)
        #expect(address.storage.sun_family == sa_family_t(AF_UNIX))
        let bytes = withUnsafeBytes(of: address.storage.sun_path) { Array($0[0..<22]) }
        #expect(bytes == Array("/run/teamd/team0.sock".utf8) + [0])
    }

    @Test func abstractNameStartsWithNulAndEndsAtTheLength() throws {
        let address = try #require(UnixSocketAddress(abstractName: Array("bus".utf8)))
        #expect(Int(address.length) == offset + 4)
        let bytes = withUnsafeBytes(of: address.storage.sun_path) { Array($0[0..<4]) }
        #expect(bytes == [0] + Array("bus".utf8))
    }

    @Test func refusesWhatDoesNotFit() {
        let capacity = UnixSocketAddress.pathCapacity
        #expect(UnixSocketAddress(path: String(repeating: "a", count: capacity - 1)) != nil)
        #expect(UnixSocketAddress(path: String(repeating: "a", count: capacity)) == nil)
        #expect(UnixSocketAddress(path: "") == nil)
        #expect(UnixSocketAddress(path: "a\u{0}b") == nil)
        #expect(UnixSocketAddress(abstractName: [UInt8](repeating: 1, count: capacity - 1)) != nil)
        #expect(UnixSocketAddress(abstractName: [UInt8](repeating: 1, count: capacity)) == nil)
    }
}
