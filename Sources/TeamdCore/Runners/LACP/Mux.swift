import Packets

/// The mux machine of one port (802.1AX 5.4.15, coupled control): whether the port is attached to the
/// aggregator the selection chose and whether it collects and distributes. The C teamd has no mux
/// machine (libteam issue 83): it derives the same three outcomes inline; here they are named.
public enum LACPMuxState: String, Sendable {
    /// DETACHED: not selected, or its aggregator is not the team's selected one.
    case detached
    /// ATTACHED: in the selected aggregator; the actor says Synchronization and waits for the partner's.
    case attached
    /// COLLECTING_DISTRIBUTING: both ends in sync; the kernel port is enabled.
    case collectingDistributing
    /// COLLECTING (independent control, `runner.coupled_control` false): receiving, not yet sending.
    case collecting
    /// DISTRIBUTING (independent control): receiving and sending.
    case distributing

    /// "Selected = SELECTED: ATTACHED"; "Partner_Oper_Port_State.Synchronization = TRUE:
    /// COLLECTING_DISTRIBUTING"; "Selected = UNSELECTED + STANDBY: DETACHED". A port in LACP fallback
    /// (SONiC) has no partner to be in sync with: it collects and distributes once selected, as SONiC's
    /// lacp_port_should_be_enabled does for PORT_STATE_FALLBACK.
    public static func state(inSelectedAggregator: Bool, partner: LACPState, isFallback: Bool = false) -> LACPMuxState {
        guard inSelectedAggregator else { return .detached }
        return partner.contains(.synchronization) || isFallback ? .collectingDistributing : .attached
    }

    /// The actor state bits this state sets (Synchronization, Collecting, Distributing).
    public var actorBits: LACPState {
        switch self {
        case .detached: return []
        case .attached: return [.synchronization]
        case .collecting: return [.synchronization, .collecting]
        case .collectingDistributing, .distributing: return [.synchronization, .collecting, .distributing]
        }
    }

    /// Whether the port sends (Enable_Distributing).
    public var isDistributing: Bool { self == .collectingDistributing || self == .distributing }

    /// Whether the port receives (Enable_Collecting).
    public var isCollecting: Bool { self != .detached && self != .attached }
}
