import Packets

/// The member gate and draining (issue 11; SONiC's `macsec_gate`, issue 29698, and the drain before
/// removal of issue 12969).
///
/// `ports.X.runner.gate` false takes a port out of the aggregate as an unselected one: the mux leaves
/// COLLECTING_DISTRIBUTING (802.1AX 5.4.15, "Selected = UNSELECTED + STANDBY: DETACHED"), so Actor
/// Synchronization, Collecting and Distributing go FALSE and NTT sends a LACPDU at once; the port stops
/// distributing at once. It keeps collecting, though, until the partner's next LACPDU shows it no longer
/// distributes to the port (or `drainMilliseconds` passed, or the partner is no longer CURRENT), and
/// `lingerMilliseconds` more: a partner still sends on the link until it has heard us, and what it sent
/// meanwhile is received, not dropped. The linger covers a partner whose LACPDU leaves before its
/// transmit path follows (the bonding driver updates its transmit array from a work queue after the mux
/// machine ran: the lab lost 29 of 3000 pings at 1 kHz without it). Any port that stops distributing while its partner still distributes to it drains the same
/// way (an aggregator change, a PortRemove, teamd stopping: `drain`).
extension LACPRunner {
    /// How long a port waits at most for its partner to stop distributing to it.
    static let drainMilliseconds = 3000
    /// How long a port still receives after its partner said it stopped distributing.
    static let lingerMilliseconds = 300
    static let drainTimer = "lacp_drain"

    /// One port's draining.
    public enum Drain: Equatable, Sendable {
        /// Collecting follows the mux.
        case none
        /// Stopped distributing; collecting until the partner stops distributing to it.
        case waiting
        /// The partner stopped; collecting a little longer (`lingerMilliseconds`).
        case lingering
        /// The wait (or the linger) ran out: collecting stops too, until the port collects again.
        case expired
    }

    /// The flow a port's mux gives, with the drain: a port that stops collecting while its partner
    /// (CURRENT) still distributes keeps collecting, with a timer, until the partner stops.
    mutating func drainedFlow(_ port: TeamPort, mux: LACPMuxState) -> (LACPPortFlow, [TeamAction]) {
        var m = machines[port.index]!
        var flow = LACPPortFlow(collecting: mux.isCollecting, distributing: mux.isDistributing)
        var actions: [TeamAction] = []
        let timer = TimerID.runnerPort(Self.drainTimer, port: port.index)
        let partnerSends = m.receive == .current && m.partner.state.contains(.distributing)
        if flow.collecting {
            if m.drain == .waiting || m.drain == .lingering { actions.append(.cancelTimer(timer)) }
            m.drain = .none
        } else if m.flow.collecting && partnerSends && m.drain == .none {
            m.drain = .waiting
            actions.append(.armTimer(timer, milliseconds: Self.drainMilliseconds))
            actions.append(.log("\(port.name): draining: receiving until the partner stops sending", isDebug: false))
        } else if m.drain == .waiting && !partnerSends {
            m.drain = .lingering
            actions.append(.armTimer(timer, milliseconds: Self.lingerMilliseconds))
            actions.append(.log("\(port.name): the partner stopped sending; receiving \(Self.lingerMilliseconds) ms more",
                                isDebug: false))
        }
        if m.drain == .waiting || m.drain == .lingering { flow.collecting = true }
        machines[port.index] = m
        return (flow, actions)
    }

    /// The drain timer fired: the port stops collecting whatever the partner does.
    mutating func drainExpired(_ port: TeamPort) -> [TeamAction] {
        switch machines[port.index]?.drain {
        case .waiting?:
            machines[port.index]!.drain = .expired
            return [.log("\(port.name): the partner still sends after \(Self.drainMilliseconds) ms; no longer receiving",
                         isDebug: false)]
        case .lingering?:
            machines[port.index]!.drain = .expired
            return [.log("\(port.name): drained", isDebug: false)]
        default:
            return []
        }
    }

    /// `ports.X.runner.gate`: closing takes the port out as described above; opening lets it rejoin.
    mutating func setGate(_ port: TeamPort, open: Bool, context: RunnerContext) -> [TeamAction] {
        guard open == machines[port.index]!.isGateClosed else { return [] }
        machines[port.index]!.isGateClosed = !open
        return [.log("\(port.name): member gate \(open ? "open" : "closed")", isDebug: false)] + settle(context: context)
    }

    public mutating func drain(_ port: TeamPort, context: RunnerContext) -> [TeamAction] {
        guard machines[port.index] != nil else { return [] }
        return setGate(port, open: false, context: context)
    }

    public func isDraining(_ port: UInt32) -> Bool {
        machines[port]?.drain == .waiting || machines[port]?.drain == .lingering
    }
}
