import Packets
import TeamJSON
import TeamWire

/// The lacp runner (IEEE 802.3ad / 802.1AX link aggregation), on the kernel's loadbalance mode.
///
/// Per port: a receive machine (Receive.swift) fed by LACPDUs and current_while; a periodic machine
/// (Periodic.swift); a mux machine (Mux.swift) that follows the selection; a transmit machine
/// (Transmit.swift) that sends when the actor's state changes or the partner has us wrong. Across ports:
/// the selection (Selection.swift). This file wires them together: each event first moves the machines,
/// then `settle` recomputes selection, mux states, actor states, `enabled` options, carrier and timers,
/// and last the LACPDUs that need to go out are sent.
///
/// Kernel side: a port's `enabled` follows its mux state (collecting and distributing); the team has
/// carrier while at least `min_ports` ports are enabled. The actor system is the team's MAC, the port
/// number the port's ifindex, as in the C teamd; LACPDUs leave from the port's own (original) MAC.
public struct LACPRunner: Runner {
    public let config: LACPConfig
    public var name: String { "lacp" }
    public var kernelMode: String { "loadbalance" }
    public var wantsFrames: Bool { true }

    /// One port's machines.
    public struct PortMachines: Equatable, Sendable {
        public var receive: LACPReceiveState = .disabled
        public var partner: LACPInfo = .none
        public var actorState: LACPState = []
        public var mux: LACPMuxState = .detached
        public var periodic: LACPPeriodicState = .noPeriodic
        public var transmit = LACPTransmitMachine()
    }

    public private(set) var machines: [UInt32: PortMachines] = [:]
    public private(set) var selection = LACPSelection()
    /// The aggregator the user chose with `aggregator.selected`, until the aggregators change.
    private var forcedAggregator: UInt32?
    /// IFLA_CARRIER as last set; nil before start.
    public private(set) var carrier: Bool?
    /// Ports whose actor information changed or that the partner has wrong: NTT.
    private var needToTransmit: [UInt32] = []

    public init(config: LACPConfig = LACPConfig()) { self.config = config }

    // Timer names, per port.
    static let currentWhileTimer = "lacp_timeout"
    static let periodicTimer = "lacp_periodic"
    static let transmitIntervalTimer = "lacp_tx_interval"

    public mutating func start(context: RunnerContext) -> [TeamAction] {
        // "carrier down at start" (teamd lacp_carrier_init): up only once min_ports ports are enabled.
        // The kernel spreads transmit over the enabled ports by the tx_hash program, as loadbalance.
        carrier = false
        return [LoadBalanceRunner.hashFunction(config.loadBalance.txHash), .setCarrier(false)]
    }

    public mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        switch event {
        case .portAdded(let index):
            guard let port = context.ports[index: index] else { return [] }
            machines[index] = PortMachines()
            // New ports wait disabled until LACP says otherwise, and carry the team's MAC (loadbalance).
            if port.isEnabled { actions.append(.enable(index, false)) }
            if port.address != context.teamAddress { actions.append(.setPortAddress(port: index, context.teamAddress)) }
            actions += linkCheck(port, context: context)
        case .portRemoved(let port):
            guard let m = machines.removeValue(forKey: port.index) else { return [] }
            needToTransmit.removeAll { $0 == port.index }
            partnerView[port.index] = nil
            actions += [Self.currentWhileTimer, Self.periodicTimer, Self.transmitIntervalTimer].map {
                .cancelTimer(.runnerPort($0, port: port.index))
            }
            // A last LACPDU out of sync, so that the partner stops using the link now rather than when
            // its current_while runs out (the C teamd does the same on its way out).
            if m.receive != .disabled && (config.active || m.partner.state.contains(.activity)) {
                let state = m.actorState.subtracting([.synchronization, .collecting, .distributing])
                let pdu = LACPDU(actor: actorInfo(port, context: context, state: state), partner: m.partner)
                actions.append(.send(port: port.index,
                                     frame: pdu.frame(source: EthernetAddress(bytes: port.originalAddress.bytes) ?? .zero)))
            }
        case .portKernelChanged(let index):
            guard let port = context.ports[index: index] else { return [] }
            actions += linkCheck(port, context: context)
        case .teamStateChanged:
            for port in context.ports.ports { actions += linkCheck(port, context: context) }
        case .teamAddressChanged:
            // The actor system is the team's MAC: the ports follow it, and the partners hear of it.
            for port in context.ports.ports where machines[port.index] != nil {
                if port.address != context.teamAddress { actions.append(.setPortAddress(port: port.index, context.teamAddress)) }
                needToTransmit.append(port.index)
            }
        case .portSettingsChanged(let index):
            // lacp_prio or lacp_key may have changed: the actor information the partner holds is stale.
            needToTransmit.append(index)
        case .portLinkChanged:
            // As in teamd, LACP follows the kernel's view of the link (portKernelChanged); link watchers
            // feed the kernel's user_linkup instead.
            return []
        case .timer(.runnerPort(let timer, let index)):
            guard machines[index] != nil, let port = context.ports[index: index] else { return [] }
            switch timer {
            case Self.currentWhileTimer:
                actions += moveReceive(port, on: .currentWhileExpired, context: context)
            case Self.periodicTimer:
                // periodic_timer expired: NTT, and the timer runs again.
                needToTransmit.append(index)
                if let interval = machines[index]?.periodic.interval {
                    actions.append(.armTimer(.runnerPort(Self.periodicTimer, port: index), milliseconds: interval))
                }
            case Self.transmitIntervalTimer:
                let decision = machines[index]!.transmit.intervalEnded()
                actions += perform(decision, port: port, context: context)
            default:
                return []
            }
        case .timer:
            return []
        case .frame(let index, let bytes):
            guard let port = context.ports[index: index], machines[index] != nil else { return [] }
            actions += received(bytes, on: port, context: context)
        }
        return actions + settle(context: context)
    }

    // MARK: Receive

    /// Whether the port can run LACP: the team is up, the link is up and full duplex (a link without
    /// speed and duplex, as virtio reports, counts: teamd's `!duplex == !speed`).
    static func isUsable(_ port: TeamPort, context: RunnerContext) -> Bool {
        let link = port.kernelLink
        return context.isTeamUp && link.isLinkUp && (link.isFullDuplex == (link.speed != 0))
    }

    mutating func linkCheck(_ port: TeamPort, context: RunnerContext) -> [TeamAction] {
        moveReceive(port, on: Self.isUsable(port, context: context) ? .portEnabled : .portDisabled, context: context)
    }

    mutating func moveReceive(_ port: TeamPort, on event: LACPReceiveState.Event, context: RunnerContext) -> [TeamAction] {
        guard var m = machines[port.index], let next = m.receive.next(on: event) else { return [] }
        var actions: [TeamAction] = []
        if next != m.receive {
            actions.append(.log("\(port.name): receive machine: \(m.receive.rawValue) -> \(next.rawValue)", isDebug: false))
        }
        m.receive = next
        m.partner = next.partner(entering: m.partner)
        let timer = TimerID.runnerPort(Self.currentWhileTimer, port: port.index)
        if let ms = next.currentWhile(fastRate: config.fastRate) {
            actions.append(.armTimer(timer, milliseconds: ms))
        } else {
            actions.append(.cancelTimer(timer))
        }
        if next == .disabled { m.transmit.reset() }
        machines[port.index] = m
        needToTransmit.append(port.index)
        return actions
    }

    mutating func received(_ bytes: [UInt8], on port: TeamPort, context: RunnerContext) -> [TeamAction] {
        let pdu: LACPDU
        do {
            pdu = try LACPDU.decode(frame: bytes).pdu
        } catch {
            return [.log("\(port.name): frame dropped: \(error)", isDebug: true)]
        }
        guard let before = machines[port.index]?.receive, before != .disabled else { return [] }
        // recordPDU: the partner is who the LACPDU says its actor is.
        machines[port.index]!.partner = pdu.actor
        let actions = moveReceive(port, on: .received, context: context)
        // A transition asks for a LACPDU; a steady CURRENT only when the partner has us wrong, which
        // `settle` checks against the actor state it computes.
        if before == .current { needToTransmit.removeAll { $0 == port.index } }
        partnerView[port.index] = pdu.partner
        return actions
    }

    /// What each port's partner last said about us (the LACPDU's partner information).
    private var partnerView: [UInt32: LACPInfo] = [:]

    // MARK: Settle: selection, mux, actor state, kernel, timers, transmit

    func actorInfo(_ port: TeamPort, context: RunnerContext, state: LACPState? = nil) -> LACPInfo {
        LACPInfo(systemPriority: config.systemPriority,
                 system: EthernetAddress(bytes: context.teamAddress.bytes) ?? .zero,
                 key: port.settings.lacpKey, portPriority: port.settings.lacpPriority,
                 port: UInt16(truncatingIfNeeded: port.index),
                 state: state ?? machines[port.index]?.actorState ?? [])
    }

    mutating func settle(context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        let ports = context.ports.ports.filter { machines[$0.index] != nil }
        // Selection.
        let candidates = ports.map { port in
            let m = machines[port.index]!
            return LACPSelection.Candidate(index: port.index, receive: m.receive, actor: actorInfo(port, context: context),
                                           partner: m.partner, wasSelected: selection.isSelected(port.index),
                                           speed: port.kernelLink.speed, priority: port.settings.priority,
                                           isSticky: port.settings.isSticky)
        }
        var next = selection.reselected(candidates, policy: config.aggregatorSelectPolicy, forced: forcedAggregator)
        if forcedAggregator != nil && next.aggregatorOf != selection.aggregatorOf {
            // The aggregators changed: the user's choice has run its course; the policy chooses again.
            forcedAggregator = nil
            next = selection.reselected(candidates, policy: config.aggregatorSelectPolicy)
        }
        if next.selectedAggregator != selection.selectedAggregator {
            actions.append(.log("selected aggregator: \(next.selectedAggregator.map(String.init) ?? "none")", isDebug: true))
        }
        selection = next
        // Mux, actor state, enabled.
        var enabledCount = 0
        for port in ports {
            var m = machines[port.index]!
            let mux = LACPMuxState.state(inSelectedAggregator: selection.isInSelectedAggregator(port.index),
                                         partner: m.partner.state)
            if mux != m.mux {
                actions.append(.log("\(port.name): mux machine: \(m.mux.rawValue) -> \(mux.rawValue)", isDebug: true))
                m.mux = mux
            }
            var state = mux.actorBits.union(.aggregation)
            if config.active { state.insert(.activity) }
            if config.fastRate { state.insert(.timeout) }
            if m.receive == .expired { state.insert(.expired) }
            if m.receive == .defaulted { state.insert(.defaulted) }
            if state != m.actorState {
                m.actorState = state
                needToTransmit.append(port.index)
            }
            if port.isEnabled != mux.isDistributing { actions.append(.enable(port.index, mux.isDistributing)) }
            if mux.isDistributing { enabledCount += 1 }
            // Periodic.
            let periodic = LACPPeriodicState.state(receive: m.receive, actorActive: config.active, partner: m.partner.state)
            if periodic != m.periodic {
                let timer = TimerID.runnerPort(Self.periodicTimer, port: port.index)
                if let interval = periodic.interval {
                    actions.append(.armTimer(timer, milliseconds: interval))
                } else {
                    actions.append(.cancelTimer(timer))
                }
                m.periodic = periodic
            }
            machines[port.index] = m
            // The partner has us wrong: tell it.
            if let view = partnerView.removeValue(forKey: port.index), view != actorInfo(port, context: context) {
                needToTransmit.append(port.index)
            }
        }
        // Carrier.
        let up = enabledCount >= config.minimumPorts
        if up != carrier {
            carrier = up
            actions.append(.setCarrier(up))
            actions.append(.log("carrier changed to \(up ? "UP" : "DOWN")", isDebug: false))
        }
        // Transmit.
        var seen = Set<UInt32>()
        let pending = needToTransmit
        needToTransmit = []
        for index in pending where seen.insert(index).inserted {
            guard let port = context.ports[index: index], let m = machines[index] else { continue }
            // No LACPDU from a disabled port, nor when both ends are passive (5.4.16: "LACPDUs are
            // not transmitted if ... both the Actor and the Partner are Passive").
            guard m.receive != .disabled, config.active || m.partner.state.contains(.activity) else { continue }
            let decision = machines[index]!.transmit.request()
            actions += perform(decision, port: port, context: context)
        }
        return actions
    }

    func perform(_ decision: LACPTransmitMachine.Decision, port: TeamPort, context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        if decision.startInterval {
            actions.append(.armTimer(.runnerPort(Self.transmitIntervalTimer, port: port.index),
                                     milliseconds: LACPTiming.fastPeriodic))
        }
        if decision.send, let m = machines[port.index], m.receive != .disabled {
            let pdu = LACPDU(actor: actorInfo(port, context: context), partner: m.partner)
            let source = EthernetAddress(bytes: port.originalAddress.bytes) ?? .zero
            actions.append(.send(port: port.index, frame: pdu.frame(source: source)))
        }
        return actions
    }

    // MARK: State

    public func state(context: RunnerContext) -> JSONObject? {
        ["active": .bool(config.active), "fast_rate": .bool(config.fastRate),
         "select_policy": .string(config.aggregatorSelectPolicy.rawValue),
         "sys_prio": .integer(Int64(config.systemPriority))]
    }

    static func json(_ info: LACPInfo) -> JSONValue {
        .object(["key": .integer(Int64(info.key)), "port": .integer(Int64(info.port)),
                 "port_priority": .integer(Int64(info.portPriority)), "state": .integer(Int64(info.state.rawValue)),
                 "system": .string(info.system.description),
                 "system_priority": .integer(Int64(info.systemPriority))])
    }

    public func portState(_ port: TeamPort, context: RunnerContext) -> JSONObject? {
        guard let m = machines[port.index] else { return nil }
        let aggregator = selection.aggregatorOf[port.index]
        return [
            "actor_lacpdu_info": Self.json(actorInfo(port, context: context)),
            "aggregator": .object(["id": .integer(Int64(aggregator ?? 0)),
                                   "selected": .bool(selection.isInSelectedAggregator(port.index))]),
            "key": .integer(Int64(port.settings.lacpKey)),
            "partner_lacpdu_info": Self.json(m.partner),
            "prio": .integer(Int64(port.settings.lacpPriority)),
            "selected": .bool(aggregator != nil),
            "state": .string(m.receive.rawValue),
        ]
    }

    /// `ports.X.runner.aggregator.selected`: "true" makes the port's aggregator the team's (the port must
    /// be selected); "false" is not an operation, as in teamd.
    public mutating func setPortStateItem(_ port: TeamPort, path: [String], value: String,
                                          context: RunnerContext) throws(StateItemError) -> [TeamAction] {
        guard path == ["aggregator", "selected"] else { throw .noSuchItem }
        switch value.lowercased() {
        case "true": break
        case "false": throw .noSuchItem
        default: throw .invalidValue("\"\(value)\" is not true or false")
        }
        guard let aggregator = selection.aggregatorOf[port.index] else {
            throw .invalidValue("\(port.name) is not selected into an aggregator")
        }
        forcedAggregator = aggregator
        selection.select(aggregator)
        return settle(context: context)
    }
}
