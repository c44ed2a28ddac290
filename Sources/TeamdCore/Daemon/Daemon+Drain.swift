import Glibc
import SystemSupport

/// Draining ports before they leave (issue 11: "removing a port (`teamdctl port remove`, teamd stopping)
/// drains the same way first"): the runner stops sending on them and tells the partners (LACP: the
/// member gate closes), then the daemon handles those ports' frames and the timers until every partner
/// stopped sending to them, at most `drainLimit`. A runner that does not drain (all but lacp) costs
/// nothing: no port is draining and the wait ends at once.
extension Daemon {
    /// The longest a PortRemove or teamd's exit waits for the partners: a bonding partner answers within
    /// 100 ms, a teamd at once; one that does not answer must not hold the daemon up for long.
    static let drainLimit: Duration = .milliseconds(1500)

    func drain(_ indices: [UInt32], limit: Duration = Daemon.drainLimit) {
        executor.batch {
            for index in indices {
                do { try executor.perform(model.engine.drainPort(index: index)) } catch {
                    log.warning("port \(index): draining failed: \(error)")
                }
            }
        }
        let deadline = ContinuousClock.now.advanced(by: limit)
        while true {
            let draining = indices.filter { engine.isDraining(index: $0) }
            guard !draining.isEmpty else { return }
            // What already waits on the sockets first (a poll would not see a test's queued frames).
            for index in draining {
                if let socket = registry.sockets.runner[index] { handleReadable(socket.pollDescriptor) }
            }
            fireDueTimers()
            guard indices.contains(where: { engine.isDraining(index: $0) }) else { return }
            guard ContinuousClock.now < deadline else {
                log.warning("ports \(draining): the partner still sends after \(limit); leaving anyway")
                return
            }
            var fds = draining.compactMap { registry.sockets.runner[$0]?.pollDescriptor }
                .map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var until = deadline
            if let next = timeoutMilliseconds() { until = min(until, .now.advanced(by: .milliseconds(next))) }
            do throws(Errno) { _ = try Poll.wait(&fds, until: until) } catch { return }
        }
    }
}
