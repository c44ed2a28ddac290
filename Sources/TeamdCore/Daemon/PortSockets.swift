import TeamKit

/// The packet sockets the daemon holds per port: the runner's (LACP) and the link watchers' (arp_ping,
/// nsna_ping). They live exactly as long as the port is in the engine.
final class PortSockets {
    /// The runner's frame ports, by port ifindex.
    private(set) var runner: [UInt32: any FramePort] = [:]
    /// The link watchers' frame ports, by port ifindex and watcher instance.
    private(set) var watchers: [UInt32: [Int: any FramePort]] = [:]

    func setRunner(_ port: any FramePort, for index: UInt32) { runner[index] = port }

    func setWatchers(_ ports: [Int: any FramePort], for index: UInt32) {
        watchers[index] = ports.isEmpty ? nil : ports
    }

    /// Closes every socket of the port.
    func close(_ index: UInt32) {
        runner[index] = nil
        watchers[index] = nil
    }

    /// The descriptors to poll for reading.
    var descriptors: [Int32] {
        runner.values.map(\.pollDescriptor) + watchers.values.flatMap { $0.values.map(\.pollDescriptor) }
    }

    /// Which port (and, for a watcher's socket, which watcher instance) `fd` belongs to.
    func owner(of fd: Int32) -> (port: UInt32, socket: any FramePort, watcher: Int?)? {
        if let (index, socket) = runner.first(where: { $0.value.pollDescriptor == fd }) { return (index, socket, nil) }
        for (index, sockets) in watchers {
            for (instance, socket) in sockets where socket.pollDescriptor == fd { return (index, socket, instance) }
        }
        return nil
    }

    /// A socket to send a frame out of the port: the runner's, else a watcher's.
    func sender(for index: UInt32) -> (any FramePort)? {
        runner[index] ?? watchers[index]?.values.first
    }
}
