import Glibc
import TeamKit
import TeamWire

/// A UDP stream at a fixed rate from this namespace to a receiver in another, counting what arrives.
final class UDPStream {
    private let sender: Int32
    private let receiver: Int32
    private let interval: Double
    private var nextSend: Double
    private(set) var sequence: UInt64 = 0
    /// Which sequence numbers arrived.
    private var arrived: [Bool] = []
    private(set) var firstArrival: Double?
    /// When each datagram arrived (for the failover timeline).
    private(set) var arrivalTimes: [Double] = []

    /// `receiverNamespace` holds `destination`; the sender is in our own namespace.
    init(destination: String, port: UInt16, receiverNamespace: String?, rate: Double) throws {
        interval = 1000 / rate
        receiver = try System.inNamespace(receiverNamespace) {
            try UDPStream.socket(bindingPort: port)
        }
        let sender = try UDPStream.socket(bindingPort: nil)
        var address = UDPStream.address(destination, port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(sender, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw LabError("connect to \(destination): \(System.errnoText())") }
        self.sender = sender
        nextSend = System.now()
    }

    deinit { close(sender); close(receiver) }

    private static func address(_ text: String, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, text, &address.sin_addr)
        return address
    }

    private static func socket(bindingPort port: UInt16?) throws -> Int32 {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabError("socket: \(System.errnoText())") }
        var size: Int32 = 4 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        if let port {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw LabError("bind UDP \(port): \(System.errnoText())") }
        }
        return fd
    }

    var receiveDescriptor: Int32 { receiver }

    /// Milliseconds until the next packet is due.
    var untilNextSend: Double { nextSend - System.now() }

    /// Sends every packet that is due (catching up after a late wake-up, so the count stays at the rate).
    func sendDue() {
        let now = System.now()
        while nextSend <= now {
            var payload = sequence.bigEndian
            _ = send(sender, &payload, MemoryLayout<UInt64>.size, Int32(MSG_DONTWAIT))
            sequence += 1
            nextSend += interval
        }
    }

    /// Reads every datagram that arrived.
    func receiveAll() {
        var payload: UInt64 = 0
        while recv(receiver, &payload, MemoryLayout<UInt64>.size, Int32(MSG_DONTWAIT)) == MemoryLayout<UInt64>.size {
            let number = Int(UInt64(bigEndian: payload))
            if number >= arrived.count { arrived += [Bool](repeating: false, count: number - arrived.count + 1024) }
            arrived[number] = true
            let now = System.now()
            arrivalTimes.append(now)
            if firstArrival == nil { firstArrival = now }
        }
    }

    /// How many of the packets numbered `range` arrived.
    func arrivedCount(_ range: Range<UInt64>) -> Int {
        range.reduce(0) { $0 + (Int($1) < arrived.count && arrived[Int($1)] ? 1 : 0) }
    }

    /// Sends and receives for `milliseconds`, also waking for `extra` descriptors; `onReadable` is called
    /// with each of those that is readable and returns true to stop early.
    func run(for milliseconds: Double) {
        run(for: milliseconds, extra: []) { _ in false }
    }

    func run(for milliseconds: Double, extra: [Int32], onReadable: (Int32) throws -> Bool) rethrows {
        let end = System.now() + milliseconds
        while System.now() < end {
            sendDue()
            var fds = ([receiver] + extra).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = System.poll(&fds, timeout: min(untilNextSend, end - System.now()))
            for entry in fds where entry.revents != 0 {
                if entry.fd == receiver { receiveAll() } else if try onReadable(entry.fd) { return }
            }
        }
    }
}

enum Failover {
    /// `labtool failover --dev team0 --port tp1 --peer tp1p --ns sw --dst 192.0.2.2`: with a 1 kHz UDP
    /// stream from here to DST (in namespace NS) across the team, cuts PORT's path and timestamps the
    /// kernel's `activeport` option changing to another port. Prints `failover_ms` (cut to activeport
    /// changed), `link_ms` (to the team driver's port-down event), `lost` and `sent` (packets of the
    /// stream from 200 ms before the cut to 500 ms after the switch).
    /// `--new-peer IF` (the other port's peer, in NS) also prints `traffic_ms`: cut to the first packet
    /// of the stream arriving on IF. `--bond yes`: DEV is a bonding device (no activeport; the active
    /// slave is read from sysfs, and the switch is the traffic on the new peer). `--cut down` (default)
    /// sets PEER down, which the port sees as carrier loss; `--cut unbridge` takes PEER out of its
    /// bridge, so the carrier stays and only a path monitor (arp_ping, arp_interval) notices.
    /// `--timeline FILE` writes the stream's arrivals per ms relative to the cut (`ms,packets`).
    static func run(_ options: Options) throws {
        let device = try options.string("dev")
        let portName = try options.string("port")
        let peerName = try options.string("peer")
        let namespace = options.optional("ns")
        let destination = try options.string("dst")
        let rate = Double(try options.int("rate", default: 1000))
        let isBond = options.string("bond", default: "no") == "yes"
        let cut = options.string("cut", default: "down")
        guard cut == "down" || cut == "unbridge" else { throw LabError("--cut: down or unbridge, not \(cut)") }
        guard !isBond || options.optional("new-peer") != nil else { throw LabError("--bond yes needs --new-peer") }

        let teamIndex = if_nametoindex(device)
        let portIndex = if_nametoindex(portName)
        guard teamIndex != 0, portIndex != 0 else { throw LabError("no \(device) or \(portName)") }
        let team = isBond ? nil : try TeamDevice(teamIndex: teamIndex, listening: true)
        let (peerRoute, peer) = try System.inNamespace(namespace) { () throws -> (RouteClient, Link) in
            let route = try RouteClient()
            guard let peer = try route.link(named: peerName) else { throw LabError("no \(peerName)") }
            return (route, peer)
        }
        guard cut == "down" || peer.master != 0 else { throw LabError("--cut unbridge: \(peerName) has no master") }
        try checkActive(portName, index: portIndex, team: team, device: device)
        let tap = try options.optional("new-peer").map { try PortTap(interface: $0, namespace: namespace, udpPort: 5555) }

        let stream = try UDPStream(destination: destination, port: 5555, receiverNamespace: namespace, rate: rate)
        // Warm-up: until the stream gets through (neighbour resolution), then 200 ms of steady stream.
        let warmStart = System.now()
        while stream.firstArrival == nil {
            guard System.now() - warmStart < 5000 else { throw LabError("the UDP stream does not get through") }
            stream.run(for: 10)
        }
        let counted = stream.sequence
        stream.run(for: 200)
        _ = try team?.drainEvents()
        tap?.reset()

        let down = System.now()
        if cut == "down" { try peerRoute.setUp(false, index: peer.index) } else { try peerRoute.release(port: peer.index) }
        // The peer is restored however this ends: the next measurement needs the path back.
        defer {
            if cut == "down" { try? peerRoute.setUp(true, index: peer.index) } else { try? peerRoute.setMaster(port: peer.index, master: peer.master) }
        }
        let (linkDown, switched) = try awaitSwitch(stream: stream, team: team, tap: tap, from: portIndex)
        guard team == nil || switched != nil else { throw LabError("activeport did not change within 10 s") }
        guard tap == nil || tap?.firstSeen != nil else { throw LabError("no traffic on the new port within 10 s") }
        stream.run(for: 500)
        let end = stream.sequence
        // Let the last packets land.
        let drainEnd = System.now() + 200
        while System.now() < drainEnd {
            var fds = [pollfd(fd: stream.receiveDescriptor, events: Int16(POLLIN), revents: 0)]
            _ = System.poll(&fds, timeout: drainEnd - System.now())
            stream.receiveAll()
        }
        let sent = end - counted
        let lost = Int(sent) - stream.arrivedCount(counted..<end)
        if let path = options.optional("timeline") { try Summary.write(timeline(stream.arrivalTimes, cut: down), to: path) }
        emit([("failover_ms", switched.map { $0 - down } ?? .nan), ("link_ms", (linkDown ?? .nan) - down),
              ("traffic_ms", tap?.firstSeen.map { $0 - down } ?? .nan),
              ("lost", Double(lost)), ("sent", Double(sent))])
    }

    /// Throws unless PORT is the active port (of the team, or the bond DEVICE when `team` is nil).
    static func checkActive(_ port: String, index: UInt32, team: TeamDevice?, device: String) throws {
        if let team {
            let active = Teamd.kernelView(team).activePort
            guard active == index else { throw LabError("\(port) is not the active port (activeport \(active))") }
        } else {
            let active = System.readFile("/sys/class/net/\(device)/bonding/active_slave")?.trimmingNewline ?? ""
            guard active == port else { throw LabError("\(port) is not \(device)'s active slave (\(active))") }
        }
    }

    /// Runs the stream after the cut until the team's activeport left `port` (when a team) and the
    /// stream showed up on the new port (when tapped), 10 s at most: (port-down event, activeport change).
    static func awaitSwitch(stream: UDPStream, team: TeamDevice?, tap: PortTap?, from port: UInt32) throws -> (Double?, Double?) {
        var linkDown: Double?
        var switched: Double?
        let extra = [team?.eventDescriptor, tap?.descriptor].compactMap { $0 }
        try stream.run(for: 10_000, extra: extra) { fd in
            if let tap, fd == tap.descriptor { tap.readAll() }
            if let team, fd == team.eventDescriptor {
                for event in try team.drainEvents() {
                    switch event {
                    case .portsChanged(let ports):
                        if linkDown == nil, ports.contains(where: { $0.index == port && !$0.isLinkUp }) {
                            linkDown = System.now()
                        }
                    case .optionsChanged, .resynced:
                        let active = Teamd.kernelView(team).activePort
                        if switched == nil, active != 0 && active != port { switched = System.now() }
                    }
                }
            }
            return (team == nil || switched != nil) && (tap == nil || tap?.firstSeen != nil)
        }
        return (linkDown, switched)
    }

    /// `ms,packets`: arrivals in each millisecond from 50 ms before the cut to the last arrival.
    static func timeline(_ arrivals: [Double], cut: Double) -> String {
        var bins: [Int: Int] = [:]
        for time in arrivals where time >= cut - 50 { bins[Int((time - cut).rounded(.down)), default: 0] += 1 }
        let last = bins.keys.max() ?? 0
        return "ms,packets\n" + (-50...last).map { "\($0),\(bins[$0] ?? 0)" }.joined(separator: "\n") + "\n"
    }
}

extension String {
    var trimmingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
