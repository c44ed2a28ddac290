import Glibc
import NetlinkCodec
import SystemSupport

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
                    while !Task.isCancelled {
                        let ready: Bool
                        do throws(Errno) {
                            ready = try Poll.wait(device.eventDescriptor, for: Int16(POLLIN),
                                                  until: ContinuousClock.now.advanced(by: pollSlice))
                        } catch {
                            throw NetlinkError(.kernel(errno: error.rawValue), operation: "poll team events")
                        }
                        if ready {
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
