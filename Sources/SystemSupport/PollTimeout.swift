import Glibc

extension Duration {
    /// This duration as poll(2)'s timeout in milliseconds, rounded UP: a wait of 0.3 ms becomes 1 ms,
    /// never 0, so a timer never fires early (and a loop never spins on a 0 ms poll waiting for it).
    /// A duration at or below zero is 0 (poll returns at once); a huge one is clamped to `Int32.max`.
    public var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        guard seconds > 0 || (seconds == 0 && attoseconds > 0) else { return 0 }
        // Positive here: components share a sign, so attoseconds is in 0..<10^18.
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int32.max }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let total = whole.addingReportingOverflow((attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
        return total.overflow ? Int32.max : Int32(clamping: total.partialValue)
    }
}

/// poll(2), through the seam: one descriptor or many, a deadline instead of a relative timeout.
public enum Poll {
    /// poll's timeout for an optional duration: -1 (wait forever) for nil, else `pollMilliseconds`.
    public static func milliseconds(_ duration: Duration?) -> Int32 {
        duration.map(\.pollMilliseconds) ?? -1
    }

    /// Waits until one of `descriptors` has an event or `deadline` passes (nil: no deadline).
    /// After EINTR it waits again for what is left, so a signal neither ends the wait early nor
    /// stretches it. Returns the number of ready entries (0 when the deadline passed).
    public static func wait(_ descriptors: inout [pollfd], until deadline: ContinuousClock.Instant?) throws(Errno) -> Int {
        let clock = ContinuousClock()
        while true {
            let timeout = milliseconds(deadline.map { clock.now.duration(to: $0) })
            let ready = descriptors.withUnsafeMutableBufferPointer { buffer in
                Glibc.poll(buffer.baseAddress, nfds_t(buffer.count), timeout)
            }
            if ready >= 0 { return Int(ready) }
            let code = Glibc.errno
            if code != EINTR { throw Errno(code) }
        }
    }

    /// Waits for `events` on one descriptor until `deadline`; true when it is ready, false when the
    /// deadline passed first.
    public static func wait(_ descriptor: Int32, for events: Int16, until deadline: ContinuousClock.Instant?)
        throws(Errno) -> Bool
    {
        var entries = [pollfd(fd: descriptor, events: events, revents: 0)]
        return try wait(&entries, until: deadline) > 0
    }
}
