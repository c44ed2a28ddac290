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
///
/// What SONiC's teamd adds, each in its own file: LACP fallback (Fallback.swift), the retry count
/// (RetryCount.swift), counters and the partner churn machine (Statistics.swift); the state and the
/// settings that change at run time are in LACPRunner+State.swift.
public struct LACPRunner: Runner {
    /// The settings as they are now: teamd.conf's, then what `state item set` changed.
    public internal(set) var config: LACPConfig
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
        /// In LACP fallback (SONiC): selected and enabled although DEFAULTED.
        public var isFallback = false
        public var retryCount = LACPRetryCountState()
        public var statistics = LACPPortStatistics()
        public var churn: LACPChurnState = .monitor
        var isChurnTimerRunning = false
        /// `ports.X.runner.gate` false: the port leaves the aggregate (a member gate, issue 11).
        public var isGateClosed = false
        /// What the kernel was told: receiving, sending (Decoupled.swift); draining (Gate.swift).
        public var flow = LACPPortFlow()
        public var drain = Drain.none
        /// `ports.X.runner.prio` and `.key` set at run time, until the next PortConfigUpdate.
        public var lacpPriority: UInt16?
        public var lacpKey: UInt16?
        /// The last LACPDU received, the 110 bytes after the Ethernet header (what a warm exit saves).
        public var lastPDU: [UInt8]?
        /// The actor port number restored by a warm start, in place of the ifindex (WarmStart.swift).
        public var portNumber: UInt16?
    }

    public internal(set) var machines: [UInt32: PortMachines] = [:]
    public internal(set) var selection = LACPSelection()
    /// The aggregator the user chose with `aggregator.selected`, until the aggregators change.
    var forcedAggregator: UInt32?
    /// IFLA_CARRIER as last set; nil before start.
    public private(set) var carrier: Bool?
    /// Ports whose actor information changed or that the partner has wrong: NTT.
    var needToTransmit: [UInt32] = []
    /// `runner.retry_count` from teamd.conf: what a count set at run time returns to.
    let configuredRetryCount: UInt8
    /// A count set at run time goes out in 0xf1 LACPDUs on every port, before the partner spoke 0xf1:
    /// the operator's go-ahead (the HLD's warm-reboot step, "Teamd will not wait for an acknowledgment").
    var announcesRetryCount = false
    /// Warm-start mode (WarmStart.swift): the saved ports not yet restored; nil outside it.
    var warmStart: WarmStartPlan?

    public init(config: LACPConfig = LACPConfig()) {
        self.config = config
        configuredRetryCount = config.retryCount
    }

    // Timer names, per port.
    static let currentWhileTimer = "lacp_timeout"
    static let periodicTimer = "lacp_periodic"
    static let transmitIntervalTimer = "lacp_tx_interval"
    static let retryHoldTimer = "lacp_retry_hold"
    static let partnerRetryLifetimeTimer = "lacp_partner_retry_count"
    static let churnTimer = "lacp_partner_churn"
    static let portTimers = [currentWhileTimer, periodicTimer, transmitIntervalTimer, retryHoldTimer,
                             partnerRetryLifetimeTimer, churnTimer, drainTimer]
    /// The team's: a retry count set at run time lives 3 minutes per count (HLD).
    static let retryCountTimer = "lacp_retry_count"

    public mutating func start(context: RunnerContext) -> [TeamAction] {
        // "carrier down at start" (teamd lacp_carrier_init): up only once min_ports ports are enabled.
        // The kernel spreads transmit over the enabled ports by the tx_hash program, as loadbalance.
        // A warm start holds the carrier that was up before the restart.
        carrier = warmStart != nil
        return [LoadBalanceRunner.hashFunction(config.loadBalance.txHash), .setCarrier(carrier!)]
    }

    public mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        switch event {
        case .portAdded(let index):
            guard let port = context.ports[index: index] else { return [] }
            machines[index] = PortMachines()
            adoptSavedPortNumber(port)
            // New ports wait disabled until LACP says otherwise, and carry the team's MAC (loadbalance);
            // a port a warm start holds stays as it is.
            if port.isEnabled && !isHeldByWarmStart(port) { actions.append(.enable(index, false)) }
            if port.address != context.teamAddress { actions.append(.setPortAddress(port: index, context.teamAddress)) }
            actions += linkCheck(port, context: context)
            actions += restoreIfReady(port, context: context)
        case .portRemoved(let port):
            guard let m = machines.removeValue(forKey: port.index) else { return [] }
            needToTransmit.removeAll { $0 == port.index }
            partnerView[port.index] = nil
            actions += Self.portTimers.map { .cancelTimer(.runnerPort($0, port: port.index)) }
            // A last LACPDU out of sync, so that the partner stops using the link now rather than when
            // its current_while runs out (the C teamd does the same on its way out).
            if m.receive != .disabled && (config.active || m.partner.state.contains(.activity)) {
                let state = m.actorState.subtracting([.synchronization, .collecting, .distributing])
                let pdu = LACPDU(actor: actorInfo(port, context: context, state: state), partner: m.partner,
                                 retryCounts: outgoingRetryCounts(m))
                actions.append(.send(port: port.index,
                                     frame: pdu.frame(source: port.originalAddress)))
            }
        case .portKernelChanged(let index):
            guard let port = context.ports[index: index] else { return [] }
            actions += linkCheck(port, context: context)
            actions += restoreIfReady(port, context: context)
        case .teamStateChanged:
            for port in context.ports.ports {
                actions += linkCheck(port, context: context)
                actions += restoreIfReady(port, context: context)
            }
        case .teamAddressChanged:
            // The actor system is the team's MAC: the ports follow it, and the partners hear of it.
            for port in context.ports.ports where machines[port.index] != nil {
                if port.address != context.teamAddress { actions.append(.setPortAddress(port: port.index, context.teamAddress)) }
                needToTransmit.append(port.index)
            }
        case .portSettingsChanged(let index):
            // lacp_prio or lacp_key may have changed: the actor information the partner holds is stale.
            // The config now speaks for the port again, over what `state item set` said.
            machines[index]?.lacpPriority = nil
            machines[index]?.lacpKey = nil
            needToTransmit.append(index)
        case .portLinkChanged:
            // As in teamd, LACP follows the kernel's view of the link (portKernelChanged); link watchers
            // feed the kernel's user_linkup instead.
            return []
        case .timer(.runnerPort(let timer, let index)):
            guard machines[index] != nil, let port = context.ports[index: index] else { return [] }
            actions += portTimerFired(timer, port: port, context: context)
        case .timer(.runner(Self.retryCountTimer)):
            actions += ownRetryCountExpired()
        case .timer(.runner(Self.warmStartTimer)):
            let left = warmStart?.ports.keys.sorted().joined(separator: ", ") ?? ""
            actions += endWarmStart(why: "3 s passed; not restored: \(left)")
        case .warmStart(let plan):
            return beginWarmStart(plan)
        case .restartAnnounced:
            return announceRestart(context: context)
        case .timer:
            return []
        case .frame(let index, let bytes):
            guard let port = context.ports[index: index], machines[index] != nil else { return [] }
            // Until its saved LACPDU is replayed, a live one would be read against the wrong state.
            if isHeldByWarmStart(port) { return [.log("\(port.name): warm start: live LACPDU ignored", isDebug: true)] }
            actions += received(bytes, on: port, context: context)
        }
        return actions + settle(context: context)
    }

    /// A timer of one port's machines fired.
    mutating func portTimerFired(_ timer: String, port: TeamPort, context: RunnerContext) -> [TeamAction] {
        let index = port.index
        var actions: [TeamAction] = []
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
        case Self.retryHoldTimer:
            machines[index]!.retryCount.holdEnded()
        case Self.partnerRetryLifetimeTimer:
            // "A duration of 3 minutes times the retry count passes": the standard count again.
            machines[index]!.retryCount.reset(forgetVersion: false)
            actions.append(.log("\(port.name): the partner's retry count ran out its time; 3 again", isDebug: false))
            needToTransmit.append(index)
        case Self.churnTimer:
            actions += churnTimerExpired(port)
        case Self.drainTimer:
            actions += drainExpired(port)
        default:
            return []
        }
        return actions
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
        if next != .current && m.retryCount != LACPRetryCountState() {
            // "The LACP session goes down for whatever reason ...": the standard count again. A port
            // whose link went away may meet another partner: what it spoke is forgotten too.
            m.retryCount.reset(forgetVersion: next == .disabled)
            actions += [Self.retryHoldTimer, Self.partnerRetryLifetimeTimer].map {
                .cancelTimer(.runnerPort($0, port: port.index))
            }
        }
        let timer = TimerID.runnerPort(Self.currentWhileTimer, port: port.index)
        if let ms = next.currentWhile(fastRate: config.fastRate, retryCount: m.retryCount.partnerCount) {
            actions.append(.armTimer(timer, milliseconds: ms))
        } else {
            actions.append(.cancelTimer(timer))
        }
        if next == .disabled { m.transmit.reset() }
        machines[port.index] = m
        needToTransmit.append(port.index)
        return actions
    }

    /// What each port's partner last said about us (the LACPDU's partner information).
    var partnerView: [UInt32: LACPInfo] = [:]
    /// The transmit hash buckets, once `lb_tx_method` is hash_to_port_mapping (Decoupled.swift).
    var hashMapping: LACPHashMapping?

    // MARK: Settle: selection, mux, actor state, kernel, timers, transmit

    func actorInfo(_ port: TeamPort, context: RunnerContext, state: LACPState? = nil) -> LACPInfo {
        LACPInfo(systemPriority: config.systemPriority,
                 system: context.teamAddress,
                 key: machines[port.index]?.lacpKey ?? port.settings.lacpKey,
                 portPriority: machines[port.index]?.lacpPriority ?? port.settings.lacpPriority,
                 port: machines[port.index]?.portNumber ?? UInt16(truncatingIfNeeded: port.index),
                 state: state ?? machines[port.index]?.actorState ?? [])
    }

    mutating func settle(context: RunnerContext) -> [TeamAction] {
        let ports = context.ports.ports.filter { machines[$0.index] != nil }
        var actions = refreshFallback(ports, context: context)
        actions += reselect(ports, context: context)
        var enabledCount = 0
        var flows: [UInt32: LACPPortFlow] = [:]
        for port in ports {
            let (portActions, flow) = settlePort(port, context: context)
            actions += portActions
            flows[port.index] = flow
            if flow.distributing { enabledCount += 1 }
        }
        actions += applyFlows(flows, ports: ports, context: context)
        // Carrier.
        let up = warmStart != nil || enabledCount >= config.minimumPorts
        if up != carrier {
            carrier = up
            actions.append(.setCarrier(up))
            actions.append(.log("carrier changed to \(up ? "UP" : "DOWN")", isDebug: false))
        }
        return actions + transmitPending(context: context)
    }

    /// Which defaulted ports are in LACP fallback now.
    mutating func refreshFallback(_ ports: [TeamPort], context: RunnerContext) -> [TeamAction] {
        let chosen = LACPFallback.ports(ports.map {
            LACPFallback.Candidate(index: $0.index, receive: machines[$0.index]!.receive, actor: actorInfo($0, context: context))
        }, enabled: config.fallback, method: config.fallbackMethod)
        var actions: [TeamAction] = []
        for port in ports where machines[port.index]!.isFallback != chosen.contains(port.index) {
            let on = chosen.contains(port.index)
            machines[port.index]!.isFallback = on
            actions.append(.log("\(port.name): LACP fallback \(on ? "on" : "off")", isDebug: false))
        }
        return actions
    }

    /// The selection (5.4.14) for the ports as they are.
    mutating func reselect(_ ports: [TeamPort], context: RunnerContext) -> [TeamAction] {
        let candidates = ports.map { port in
            let m = machines[port.index]!
            return LACPSelection.Candidate(index: port.index, receive: m.receive, actor: actorInfo(port, context: context),
                                           partner: m.partner, wasSelected: selection.isSelected(port.index),
                                           speed: port.kernelLink.speed, priority: port.settings.priority,
                                           isSticky: port.settings.isSticky, isFallback: m.isFallback)
        }
        var next = selection.reselected(candidates, policy: config.aggregatorSelectPolicy, forced: forcedAggregator)
        if forcedAggregator != nil && next.aggregatorOf != selection.aggregatorOf {
            // The aggregators changed: the user's choice has run its course; the policy chooses again.
            forcedAggregator = nil
            next = selection.reselected(candidates, policy: config.aggregatorSelectPolicy)
        }
        var actions: [TeamAction] = []
        if next.selectedAggregator != selection.selectedAggregator {
            actions.append(.log("selected aggregator: \(next.selectedAggregator.map(String.init) ?? "none")", isDebug: true))
        }
        selection = next
        return actions
    }

    /// One port's mux, actor state, periodic and churn machines after the selection, and the flow
    /// (collecting, distributing) the kernel should apply.
    mutating func settlePort(_ port: TeamPort, context: RunnerContext) -> ([TeamAction], LACPPortFlow) {
        var actions: [TeamAction] = []
        var m = machines[port.index]!
        // A closed gate detaches the port as an unselected one would be: Synchronization drops in the next
        // LACPDU (NTT, at once), and the partner stops distributing to it.
        let attached = selection.isInSelectedAggregator(port.index) && !m.isGateClosed
        let mux = muxState(attached: attached, m)
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
        actions += moveChurn(port)
        // The partner has us wrong: tell it.
        if let view = partnerView.removeValue(forKey: port.index), view != actorInfo(port, context: context) {
            needToTransmit.append(port.index)
        }
        let (flow, drainActions) = drainedFlow(port, mux: mux)
        return (actions + drainActions, flow)
    }

    /// The partner churn machine after a change; the timer runs only in PARTNER_CHURN_MONITOR.
    mutating func moveChurn(_ port: TeamPort, timerExpired: Bool = false) -> [TeamAction] {
        var m = machines[port.index]!
        let enabled = m.receive != .disabled
        let next = m.churn.next(portEnabled: enabled, partnerInSync: m.partner.state.contains(.synchronization),
                                timerExpired: timerExpired)
        var actions: [TeamAction] = []
        if next == .churned && m.churn != .churned {
            m.statistics.partnerChurns += 1
            actions.append(.log("\(port.name): partner churn: out of sync for 60 s", isDebug: false))
        }
        m.churn = next
        let timer = TimerID.runnerPort(Self.churnTimer, port: port.index)
        let running = next == .monitor && enabled
        if running && !m.isChurnTimerRunning {
            actions.append(.armTimer(timer, milliseconds: LACPChurnState.detectionMilliseconds))
        } else if !running && m.isChurnTimerRunning && !timerExpired {
            actions.append(.cancelTimer(timer))
        }
        m.isChurnTimerRunning = running
        machines[port.index] = m
        return actions
    }

    mutating func churnTimerExpired(_ port: TeamPort) -> [TeamAction] {
        machines[port.index]!.isChurnTimerRunning = false
        return moveChurn(port, timerExpired: true)
    }

    /// Sends what NTT asks for, within the transmit machine's limit.
    mutating func transmitPending(context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
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

    /// The retry counts a LACPDU to this port carries: version 0xf1 only to a partner that spoke it (or
    /// after the operator set a count at run time); a plain 802.3ad partner only ever sees version 1.
    func outgoingRetryCounts(_ m: PortMachines) -> LACPRetryCounts? {
        guard config.enableRetryCount, m.retryCount.partnerSpeaks || announcesRetryCount else { return nil }
        return LACPRetryCounts(actor: config.retryCount, partner: m.retryCount.partnerCount)
    }

    mutating func perform(_ decision: LACPTransmitMachine.Decision, port: TeamPort, context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        if decision.startInterval {
            actions.append(.armTimer(.runnerPort(Self.transmitIntervalTimer, port: port.index),
                                     milliseconds: LACPTiming.fastPeriodic))
        }
        if decision.send, let m = machines[port.index], m.receive != .disabled {
            let pdu = LACPDU(actor: actorInfo(port, context: context), partner: m.partner,
                             retryCounts: outgoingRetryCounts(m))
            let source = port.originalAddress
            actions.append(.send(port: port.index, frame: pdu.frame(source: source)))
            machines[port.index]!.statistics.sent += 1
            machines[port.index]!.statistics.lastSent = context.now()
        }
        return actions
    }
}
