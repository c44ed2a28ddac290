import Glibc
import NetlinkCodec

extension TeamDevice {
    /// A team's option and port changes as an async stream, for code that prefers `for try await` to a
    /// poll loop (teamd itself runs a poll loop on `eventDescriptor`).
    ///
    /// The device is made by `makeDevice` inside the stream's own task and never leaves it, so nothing is
    /// shared between threads. The task waits on the event socket in slices of `pollSlice` so that it
    /// notices when the consumer stops listening; ending the iteration (or dropping the stream) ends it.
    public static func changes(
        pollSlice: Duration = .milliseconds(100),
        makeDevice: @escaping @Sendable () throws -> TeamDevice
    ) -> AsyncThrowingStream<TeamEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached {
                do {
                    let device = try makeDevice()
                    let slice = Int32(clamping: pollSlice.components.seconds * 1000
                        + pollSlice.components.attoseconds / 1_000_000_000_000_000)
                    while !Task.isCancelled {
                        var entry = pollfd(fd: device.eventDescriptor, events: Int16(POLLIN), revents: 0)
                        let ready = poll(&entry, 1, slice)
                        if ready < 0 && errno != EINTR {
                            throw NetlinkError(.kernel(errno: errno), operation: "poll team events")
                        }
                        if ready > 0 {
                            for event in try device.drainEvents() { continuation.yield(event) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `changes` for team `teamIndex` over real sockets.
    public static func changes(teamIndex: UInt32) -> AsyncThrowingStream<TeamEvent, any Error> {
        changes { try TeamDevice(teamIndex: teamIndex) }
    }
}
