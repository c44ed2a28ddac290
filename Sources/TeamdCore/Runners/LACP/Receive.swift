import Packets

/// The receive machine of one port (IEEE 802.1AX-2008 5.4.12), in the four states the C teamd shows in
/// `ports.X.runner.state`. The standard's INITIALIZE and PORT_DISABLED are one state here (the port is
/// down or the team is administratively down); LACP_DISABLED (a half-duplex link) is folded into it too.
///
/// Only `next` decides; what entering a state does to the partner information is `partner(entering:)`.
/// Timers are the runner's: on every move it arms current_while for `currentWhile(fastRate:)` (CURRENT
/// and EXPIRED) or cancels it (DISABLED and DEFAULTED).
public enum LACPReceiveState: String, Sendable, CaseIterable {
    /// PORT_DISABLED: the link is down; no partner.
    case disabled
    /// CURRENT: the partner's information came in a LACPDU within current_while.
    case current
    /// EXPIRED: current_while ran out once; the partner is asked for fast LACPDUs.
    case expired
    /// DEFAULTED: it ran out twice; the partner is the (empty) default.
    case defaulted

    public enum Event: Equatable, Sendable {
        /// The port's link became usable (up, and full duplex or speed unknown) with the team up.
        case portEnabled
        /// The link went down, the port is leaving, or the team went down.
        case portDisabled
        /// A LACPDU arrived.
        case received
        /// current_while expired.
        case currentWhileExpired
    }

    /// The state after `event`, or nil when the event changes nothing here.
    public func next(on event: Event) -> LACPReceiveState? {
        switch (self, event) {
        // "port_enabled && ... : EXPIRED" — a new link starts by waiting a short timeout for the partner.
        case (.disabled, .portEnabled): return .expired
        case (.disabled, _): return nil
        case (_, .portDisabled): return .disabled
        case (_, .portEnabled): return nil
        // "LACPDU received: CURRENT" from EXPIRED, DEFAULTED and CURRENT (then it restarts current_while).
        case (_, .received): return .current
        // "current_while_timer expired": CURRENT -> EXPIRED -> DEFAULTED.
        case (.current, .currentWhileExpired): return .expired
        case (.expired, .currentWhileExpired): return .defaulted
        case (.defaulted, .currentWhileExpired): return nil
        }
    }

    /// The partner information on entering this state, from what was known before.
    ///
    /// EXPIRED: "Partner_Oper_Port_State.Synchronization = FALSE; Partner_Oper_Port_State.LACP_Timeout =
    /// Short Timeout" (5.4.12) — keep the rest, so the port may stay in its aggregator for a moment.
    /// DEFAULTED: recordDefault() — teamd's default partner is all zero with a short timeout.
    /// PORT_DISABLED: the partner is forgotten.
    public func partner(entering old: LACPInfo) -> LACPInfo {
        switch self {
        case .current: return old
        case .expired:
            var partner = old
            partner.state.insert(.timeout)
            partner.state.remove(.synchronization)
            return partner
        case .defaulted: return LACPInfo(state: .timeout)
        case .disabled: return .none
        }
    }

    /// current_while: three periods, short (1 s) or long (30 s) as the actor's own LACP_Timeout says;
    /// EXPIRED always uses the short one (5.4.12: "Short Timeout"). With SONiC's retry count the periods
    /// are the partner's count instead of three ("timeout = interval × retry count"; patch 0015 uses it in
    /// both states).
    public func currentWhile(fastRate: Bool, retryCount: UInt8 = 3) -> Int? {
        switch self {
        case .current: return Int(retryCount) * (fastRate ? LACPTiming.fastPeriodic : LACPTiming.slowPeriodic)
        case .expired: return Int(retryCount) * LACPTiming.fastPeriodic
        case .disabled, .defaulted: return nil
        }
    }
}

/// The standard's timer constants (802.1AX 5.4.4), in milliseconds.
public enum LACPTiming {
    /// fast_periodic_time
    public static let fastPeriodic = 1000
    /// slow_periodic_time
    public static let slowPeriodic = 30000
    /// "no more than three LACPDUs in any fast_periodic_time" (5.4.16).
    public static let maxTransmitsPerPeriod = 3
}
