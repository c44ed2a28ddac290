import Packets

/// The periodic transmission machine of one port (802.1AX 5.4.13): how often a LACPDU goes out unasked.
public enum LACPPeriodicState: String, Sendable {
    /// NO_PERIODIC: the port is disabled, or both ends are passive.
    case noPeriodic
    /// FAST_PERIODIC: the partner asked for a short timeout; every second.
    case fastPeriodic
    /// SLOW_PERIODIC: every 30 seconds.
    case slowPeriodic

    /// "(port_enabled = FALSE) + ((Actor_Oper_Port_State.LACP_Activity = PASSIVE) * (Partner_Oper_Port_
    /// State.LACP_Activity = PASSIVE)): NO_PERIODIC"; otherwise the partner's LACP_Timeout picks the rate.
    public static func state(receive: LACPReceiveState, actorActive: Bool, partner: LACPState) -> LACPPeriodicState {
        guard receive != .disabled, actorActive || partner.contains(.activity) else { return .noPeriodic }
        return partner.contains(.timeout) ? .fastPeriodic : .slowPeriodic
    }

    /// periodic_time in milliseconds, nil for none.
    public var interval: Int? {
        switch self {
        case .noPeriodic: return nil
        case .fastPeriodic: return LACPTiming.fastPeriodic
        case .slowPeriodic: return LACPTiming.slowPeriodic
        }
    }
}
