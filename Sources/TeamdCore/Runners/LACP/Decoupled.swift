import Packets
import TeamWire

/// Independent control (802.1AX 5.4.15, `runner.coupled_control` false; libteam issue 83) and how a port's
/// collecting and distributing reach the kernel.
///
/// With coupled control (the default, as the C teamd) a port collects and distributes together: the
/// kernel's per-port `enabled`. With independent control a joining port collects first and distributes
/// only once the partner says it collects too, so the partner never sends to a port that drops what it
/// receives; a leaving port stops distributing first. A port leaving because of the member gate, a
/// PortRemove or teamd stopping keeps collecting until its partner stopped distributing to it
/// (Gate.swift), whatever the control.
///
/// The kernel: where the team driver has the per-port options `rx_enabled` and `tx_enabled` they carry
/// the two apart. Debian 12's 6.1 has only `enabled`: the port stays enabled (it receives) and gets no
/// transmit hash bucket until it distributes, through `lb_tx_method` "hash_to_port_mapping" and the
/// 256 `lb_tx_hash_to_port_mapping` entries, spread over the distributing ports as evenly as plain hashing
/// would. That method is switched on with the first port, before any port has to leave: switching it
/// on only when the first port left (the gate closed) lost 14 to 63 of 3000 pings at 1 kHz in the lab
/// around the switch, where a leaving port with the mapping already in use lost none.
extension LACPMuxState {
    /// 802.1AX 5.4.15, independent control: "Selected = SELECTED * Partner_Oper_Port_State.Synchronization
    /// = TRUE" moves ATTACHED to COLLECTING (Enable_Collecting, Actor.Collecting = TRUE, NTT);
    /// "Selected = SELECTED * Partner_Oper_Port_State.Synchronization = TRUE *
    /// Partner_Oper_Port_State.Collecting = TRUE" moves COLLECTING to DISTRIBUTING (Enable_Distributing,
    /// Actor.Distributing = TRUE); "Selected = UNSELECTED + STANDBY + Partner.Synchronization = FALSE +
    /// Partner.Collecting = FALSE" takes DISTRIBUTING back to COLLECTING, and without Synchronization on
    /// to ATTACHED. A port in LACP fallback has no partner to wait for.
    public static func independentState(inSelectedAggregator: Bool, partner: LACPState,
                                        isFallback: Bool = false) -> LACPMuxState {
        guard inSelectedAggregator else { return .detached }
        if isFallback { return .distributing }
        guard partner.contains(.synchronization) else { return .attached }
        return partner.contains(.collecting) ? .distributing : .collecting
    }
}

/// What a port does on the wire, as the kernel was told: receive (collecting), send (distributing).
public struct LACPPortFlow: Equatable, Sendable {
    public var collecting = false
    public var distributing = false

    public init(collecting: Bool = false, distributing: Bool = false) {
        self.collecting = collecting
        self.distributing = distributing
    }
}

/// The kernel's transmit hash table: 256 buckets, each sent out of one port (`lb_tx_hash_to_port_mapping`).
public struct LACPHashMapping: Equatable, Sendable {
    public static let bucketCount = 256
    /// The port (ifindex) of each bucket; 0 before it was first given one.
    public private(set) var portOf = [UInt32](repeating: 0, count: bucketCount)

    public init() {}

    /// The kernel's `lb_tx_hash_to_port_mapping`, bucket by bucket, from its option list in one pass;
    /// nil unless all 256 are there (a team not in loadbalance mode has none).
    public static func kernelBuckets(in options: [TeamOption]) -> [UInt32]? {
        var buckets = [UInt32?](repeating: nil, count: bucketCount)
        for option in options where option.id.name == TeamOptionName.lbTxHashToPortMapping && option.id.portIndex == nil {
            guard let index = option.id.arrayIndex.map(Int.init), index < bucketCount,
                  case .u32(let port) = option.value else { continue }
            buckets[index] = port
        }
        let found = buckets.compactMap { $0 }
        return found.count == bucketCount ? found : nil
    }

    /// The kernel's buckets as found (a team taken over); anything but 256 of them is ignored.
    public init(kernel buckets: [UInt32]) {
        if buckets.count == Self.bucketCount { portOf = buckets }
    }

    /// Gives every bucket to one of `ports` (ifindexes), moving as few as possible: buckets of ports not
    /// in the list, then the excess of ports over their share (256 / n, the first 256 % n ports one
    /// more), go to the ports under their share. Returns the buckets that changed. Nothing changes when
    /// `ports` is empty: the kernel refuses a bucket for a port that is not enabled, and a bucket of a
    /// port it disables it clears itself.
    public mutating func spread(over ports: [UInt32]) -> [Int] {
        let ports = ports.sorted()
        guard !ports.isEmpty else { return [] }
        var share: [UInt32: Int] = [:]
        for (i, port) in ports.enumerated() {
            share[port] = Self.bucketCount / ports.count + (i < Self.bucketCount % ports.count ? 1 : 0)
        }
        var free: [Int] = []
        var count: [UInt32: Int] = [:]
        for bucket in 0..<Self.bucketCount {
            let port = portOf[bucket]
            if let limit = share[port], count[port, default: 0] < limit {
                count[port, default: 0] += 1
            } else {
                free.append(bucket)
            }
        }
        var changed: [Int] = []
        for port in ports {
            while count[port, default: 0] < share[port]!, !free.isEmpty {
                let bucket = free.removeFirst()
                portOf[bucket] = port
                count[port, default: 0] += 1
                changed.append(bucket)
            }
        }
        return changed.sorted()
    }

    /// Moves one bucket (the tx balancer).
    public mutating func move(_ bucket: Int, to port: UInt32) { portOf[bucket] = port }

    public static func write(_ bucket: Int, _ port: UInt32) -> TeamAction {
        .setOption(TeamOptionID(.lbTxHashToPortMapping, arrayIndex: UInt32(bucket)), .u32(port))
    }

    public static let methodWrite = TeamAction.setOption(TeamOptionID(.lbTxMethod), .string("hash_to_port_mapping"))
}

extension LACPRunner {
    /// The mux state a port's facts give, by `runner.coupled_control`.
    func muxState(attached: Bool, _ m: PortMachines) -> LACPMuxState {
        config.coupledControl
            ? .state(inSelectedAggregator: attached, partner: m.partner.state, isFallback: m.isFallback)
            : .independentState(inSelectedAggregator: attached, partner: m.partner.state, isFallback: m.isFallback)
    }

    /// The kernel writes that make each port's flow `wanted`: receiving switched on before the buckets
    /// move to a port, buckets moved before receiving or sending is switched off.
    mutating func applyFlows(_ wanted: [UInt32: LACPPortFlow], ports: [TeamPort], context: RunnerContext) -> [TeamAction] {
        let separate = context.kernelSeparatesRxTx
        var first: [TeamAction] = [], last: [TeamAction] = []
        // Not before the first port: only then is it known whether the kernel separates the two.
        let needsMapping = !separate && hashMapping == nil && !ports.isEmpty
        if needsMapping { hashMapping = LACPHashMapping(kernel: context.kernelHashMapping) }
        /// Switching on goes first, switching off last.
        func write(_ action: TeamAction, on: Bool) { if on { first.append(action) } else { last.append(action) } }
        for port in ports {
            guard let want = wanted[port.index], let had = machines[port.index]?.flow else { continue }
            // A port a warm start holds keeps what the kernel has until its saved LACPDU is replayed.
            if isHeldByWarmStart(port) { continue }
            if separate {
                if want.collecting != had.collecting {
                    write(Self.portWrite(.rxEnabled, port.index, want.collecting), on: want.collecting)
                }
                if want.distributing != had.distributing {
                    write(Self.portWrite(.txEnabled, port.index, want.distributing), on: want.distributing)
                }
            } else {
                // `enabled` is receiving with the hash mapping, both together without it.
                let enabled = hashMapping == nil ? want.distributing : want.collecting
                if port.isEnabled != enabled { write(.enable(port.index, enabled), on: enabled) }
            }
            machines[port.index]!.flow = want
        }
        guard !separate, var mapping = hashMapping else { return first + last }
        // A warm start keeps the kernel's buckets (the previous teamd's) until it ends; the ports arrive
        // one by one meanwhile, and spreading over the first alone would move every bucket twice.
        if warmStart == nil {
            let distributing = ports.filter { wanted[$0.index]?.distributing == true }.map(\.index)
            let changed = mapping.spread(over: distributing)
            hashMapping = mapping
            first += changed.map { LACPHashMapping.write($0, mapping.portOf[$0]) }
        }
        if needsMapping {
            first.append(LACPHashMapping.methodWrite)
            first.append(.log("transmit by hash_to_port_mapping: a port can receive without sending", isDebug: true))
        }
        return first + last
    }

    static func portWrite(_ name: TeamOptionName, _ port: UInt32, _ on: Bool) -> TeamAction {
        .setOption(TeamOptionID(name, port: port), .bool(on))
    }
}
