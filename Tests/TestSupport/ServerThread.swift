#if canImport(Glibc)
import Glibc
#endif

/// Runs a server's poll loop on a thread of its own until stopped, the way the daemon's loop
/// would: for client tests, whose calls block waiting for the reply. `pollSet` gives what to
/// poll and the timeout in milliseconds (-1: none); `serve` gets the polled entries after
/// every wake-up.
public final class ServerThread: @unchecked Sendable {
    private let pollSet: () -> (entries: [pollfd], timeout: Int32)
    private let serve: ([pollfd]) -> Void
    private let onStop: () -> Void
    private var thread = pthread_t()
    private var stopPipe: [Int32] = [-1, -1]

    public init(pollSet: @escaping () -> (entries: [pollfd], timeout: Int32), serve: @escaping ([pollfd]) -> Void,
                onStop: @escaping () -> Void = {}) {
        self.pollSet = pollSet
        self.serve = serve
        self.onStop = onStop
        precondition(pipe(&stopPipe) == 0, "pipe: errno \(errno)")
        let unmanaged = Unmanaged.passRetained(self)
        let created = pthread_create(&thread, nil, { context in
            let this = Unmanaged<ServerThread>.fromOpaque(context!).takeRetainedValue()
            this.loop()
            return nil
        }, unmanaged.toOpaque())
        precondition(created == 0, "pthread_create: \(created)")
    }

    private func loop() {
        while true {
            var (entries, timeout) = pollSet()
            entries.append(pollfd(fd: stopPipe[0], events: Int16(POLLIN), revents: 0))
            guard poll(&entries, nfds_t(entries.count), timeout) >= 0 else { continue }
            if entries.last!.revents != 0 { return }
            serve(Array(entries.dropLast()))
        }
    }

    /// Ends the loop, waits for the thread, then runs `onStop`.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe[1], &byte, 1)
        pthread_join(thread, nil)
        close(stopPipe[0])
        close(stopPipe[1])
        onStop()
    }
}
