import Packets
import TeamJSON
import TeamWire

/// What differs between the ping watchers: the probe they send and the replies they count.
/// (teamd's `struct lw_psr_ops`: send, receive; the sockets are the daemon's.)
public protocol PingProbe: Sendable, Equatable {
    /// `name` of the watcher (`arp_ping`, `nsna_ping`).
    static var watcherName: String { get }
    /// Probe from ports that are not enabled too (arp_ping's `send_always`).
    var sendsAlways: Bool { get }
    /// The filter of the watcher's packet socket.
    var packetFilter: BPFProgram { get }
    /// The Ethernet frame to send from `port` now.
    func request(from port: TeamPort) -> [UInt8]
    /// Whether `frame`, received on `port`, counts as an answer. A frame that does not decode never does.
    func isReply(_ frame: [UInt8], on port: TeamPort) -> Bool
    /// The probe's own entries in the watcher's state (`target_host`, ...).
    func stateFields() -> JSONObject
}

/// The periodic send/receive link watcher (teamd_lw_psr.c), the template of arp_ping and nsna_ping.
/// Every `interval` (the first time after `init_wait`): if an answer came since the last time, the link
/// is up and `missed` is 0; else `missed` grows and the link goes down once `missed` exceeds `missed_max`.
/// Then, if the port may probe, a new probe goes out. The link starts down, so the first answer brings it
/// up one interval after the first probe.
public struct PingWatcher<Probe: PingProbe>: LinkWatcher {
    public let probe: Probe
    /// `interval` in ms.
    public let interval: Int
    /// `init_wait` in ms (0: the first round right away).
    public let initialWait: Int
    /// `missed_max`
    public let missedMax: Int
    public private(set) var isUp = false
    public private(set) var downCount = 0
    /// Rounds without an answer since the last one (`missed` in the state).
    public private(set) var missed = 0
    /// An answer arrived in the current round.
    public private(set) var answered = false
    /// teamd's `forced_send`: set by the engine from the team's enabled ports.
    public private(set) var forcedSend = false

    public var name: String { Probe.watcherName }
    public var packetFilter: BPFProgram? { probe.packetFilter }

    public init(probe: Probe, interval: Int = 1000, initialWait: Int = 0, missedMax: Int = 3) {
        self.probe = probe
        self.interval = interval
        self.initialWait = initialWait
        self.missedMax = missedMax
    }

    /// The watcher with the `interval`, `init_wait` and `missed_max` of its config.
    public init(probe: Probe, timing: PingTiming) {
        self.init(probe: probe, interval: Int(timing.interval.milliseconds),
                  initialWait: Int(timing.initialWait.milliseconds), missedMax: timing.missedMax)
    }

    public mutating func start(port: TeamPort, timer: TimerID) -> [TeamAction] {
        // The kernel's link flag of the port then follows our verdict (user_linkup), not the carrier.
        [.setOption(TeamOptionID(.userLinkupEnabled, port: port.index), .bool(true)),
         .armTimer(timer, milliseconds: initialWait)]
    }

    public mutating func handle(_ event: LinkWatcherEvent, port: TeamPort, timer: TimerID) -> [TeamAction] {
        switch event {
        case .timer:
            if answered {
                missed = 0
                isUp = true
            } else {
                missed += 1
                if missed > missedMax && isUp {
                    isUp = false
                    downCount += 1
                }
            }
            answered = false
            var actions: [TeamAction] = []
            if forcedSend || probe.sendsAlways {
                actions.append(.send(port: port.index, frame: probe.request(from: port)))
            }
            // `interval` 0 is a timer that fires once (timerfd semantics in the C teamd), never a busy loop.
            if interval > 0 { actions.append(.armTimer(timer, milliseconds: interval)) }
            return actions
        case .frame(let bytes):
            if probe.isReply(bytes, on: port) { answered = true }
            return []
        case .forcedSendChanged(let on):
            forcedSend = on
            return []
        case .kernelLinkChanged:
            return []
        }
    }

    public func state() -> JSONObject {
        var state = probe.stateFields()
        state["name"] = .string(name)
        state["up"] = .bool(isUp)
        state["down_count"] = .integer(Int64(downCount))
        state["interval"] = .integer(Int64(interval))
        state["init_wait"] = .integer(Int64(initialWait))
        state["missed_max"] = .integer(Int64(missedMax))
        state["missed"] = .integer(Int64(missed))
        return state
    }
}

/// arp_ping's probe: a broadcast ARP request for `target_host` from `source_host` (0.0.0.0 by default, an
/// RFC 5227 probe that needs no address on the team), tagged with `vlanid` if set.
public struct ARPProbe: PingProbe {
    public static var watcherName: String { "arp_ping" }
    public var source: IPv4Address
    public var target: IPv4Address
    /// `validate_active`: on an enabled port, count only replies that match the address pair.
    public var validateActive: Bool
    /// `validate_inactive`: the same on a port that is not enabled.
    public var validateInactive: Bool
    /// `send_always`
    public var sendsAlways: Bool
    /// `vlanid`
    public var vlanID: UInt16?

    public init(source: IPv4Address = .any, target: IPv4Address, validateActive: Bool = false,
                validateInactive: Bool = false, sendsAlways: Bool = false, vlanID: UInt16? = nil) {
        self.source = source
        self.target = target
        self.validateActive = validateActive
        self.validateInactive = validateInactive
        self.sendsAlways = sendsAlways
        self.vlanID = vlanID
    }

    public var packetFilter: BPFProgram { .arpReplies(vlanID: vlanID) }

    public func request(from port: TeamPort) -> [UInt8] {
        ARPPacket.probe(from: port.address, sender: source, target: target)
            .frame(source: port.address, vlanID: vlanID)
    }

    /// Without validation any ARP request or reply seen on the port counts, as in the C teamd: a backup
    /// port that only hears the active port's broadcast probes through the switch stays up. With it, only
    /// a reply between `source` and `target`, either way round.
    public func isReply(_ frame: [UInt8], on port: TeamPort) -> Bool {
        guard let (packet, header) = try? ARPPacket.decode(frame: frame) else { return false }
        // The kernel usually takes the tag off before the filter sees the frame; if it is still there, it
        // must be ours.
        if let tag = header.vlanID, tag != 0, tag != vlanID ?? 0 { return false }
        guard packet.operation == .reply || packet.operation == .request else { return false }
        guard port.isEnabled ? validateActive : validateInactive else { return true }
        guard packet.operation == .reply else { return false }
        return (packet.targetAddress == source && packet.senderAddress == target)
            || (packet.targetAddress == target && packet.senderAddress == source)
    }

    public func stateFields() -> JSONObject {
        ["source_host": .string(source.description), "target_host": .string(target.description),
         "validate_active": .bool(validateActive), "validate_inactive": .bool(validateInactive),
         "send_always": .bool(sendsAlways)]
    }
}

/// nsna_ping's probe: a Neighbour Solicitation for `target_host` to its solicited-node group; the
/// answer is a Neighbour Advertisement for that target.
public struct NSNAProbe: PingProbe {
    public static var watcherName: String { "nsna_ping" }
    public var target: IPv6Address
    public var sendsAlways: Bool { false }

    public init(target: IPv6Address) { self.target = target }

    public var packetFilter: BPFProgram { .neighborAdvertisements() }

    /// From the port's EUI-64 link-local address (what the kernel gives a port with that MAC), so the
    /// solicitation can carry our MAC as source link-layer option: the unspecified source would make it a
    /// duplicate address probe, which must not carry one (RFC 4861 7.1.1).
    public func request(from port: TeamPort) -> [UInt8] {
        let mac = port.address
        return NeighborDiscoveryFrame.solicitation(for: target, source: .linkLocal(macAddress: mac), sourceMAC: mac)
            .encoded()
    }

    /// An advertisement for `target` that was not routed (hop limit 255) and names the target's MAC
    /// (a reply to a multicast solicitation must, RFC 4861 7.2.4), with a good checksum.
    public func isReply(_ frame: [UInt8], on port: TeamPort) -> Bool {
        guard let na = try? NeighborDiscoveryFrame(decoding: frame) else { return false }
        return na.ip.hopLimit == 255 && na.message.type == ICMPv6.neighborAdvertisement
            && na.message.target == target
            && na.message.linkLayerAddress(NeighborDiscoveryOption.targetLinkLayerAddress) != nil
    }

    public func stateFields() -> JSONObject { ["target_host": .string(target.description)] }
}
