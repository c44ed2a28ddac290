import Packets
import TeamJSON

/// One port's LACP counters (libteam issue 60; the names SONiC's teamd serviceability proposal,
/// sonic-buildimage PR 23380, puts under `ports.X.runner.statistics`), cleared with
/// `teamdctl T state item set ports.X.runner.statistics.clear true`.
public struct LACPPortStatistics: Equatable, Sendable {
    /// LACPDUs received (`lacpdu_rx_stats`), whether or not the port could act on them.
    public var received: UInt64 = 0
    /// LACPDUs sent (`lacpdu_tx_stats`).
    public var sent: UInt64 = 0
    /// Slow-protocol frames of subtype LACP that did not decode, or with an illegal retry count
    /// (`lacpdu_illegal_pkts`).
    public var illegal: UInt64 = 0
    /// Marker PDUs received (slow protocols subtype 2; ours: `marker_pdu_rx_stats`).
    public var markers: UInt64 = 0
    public var lastReceived: WallClockTime?
    public var lastSent: WallClockTime?
    /// Times the partner churn machine entered PARTNER_CHURN (802.1AX's aggPortDebugPartnerChurnCount;
    /// ours: `partner_churn_count`).
    public var partnerChurns: UInt64 = 0

    public init() {}

    var json: JSONValue {
        .object([
            "lacpdu_rx_stats": .integer(Int64(clamping: received)),
            "lacpdu_tx_stats": .integer(Int64(clamping: sent)),
            "lacpdu_illegal_pkts": .integer(Int64(clamping: illegal)),
            "marker_pdu_rx_stats": .integer(Int64(clamping: markers)),
            "last_lacpdu_rx_time": .string(lastReceived?.iso8601 ?? "N/A"),
            "last_lacpdu_tx_time": .string(lastSent?.iso8601 ?? "N/A"),
            "partner_churn_count": .integer(Int64(clamping: partnerChurns)),
        ])
    }
}

/// The slow protocols subtype of the Marker protocol (802.1AX 6.5.3).
let markerSubtype: UInt8 = 2

/// The partner churn detection machine of one port (802.1AX-2008 6.4.17): a partner that stays out of
/// sync for Churn_Detection_Time (60 s) has churned, which is worth counting: the link neither joins the
/// aggregate nor gives up.
///
/// "NO_PARTNER_CHURN ... !Partner_Oper_Port_State.Synchronization: PARTNER_CHURN_MONITOR" (start
/// partner_churn_timer); "PARTNER_CHURN_MONITOR ... Partner_Oper_Port_State.Synchronization:
/// NO_PARTNER_CHURN; partner_churn_timer expired: PARTNER_CHURN"; "PARTNER_CHURN ...
/// Partner_Oper_Port_State.Synchronization: NO_PARTNER_CHURN". A disabled port ("port_enabled = FALSE")
/// waits in PARTNER_CHURN_MONITOR with the timer stopped, since the standard restarts it all the while.
public enum LACPChurnState: String, Sendable {
    case noChurn = "none"
    case monitor
    case churned

    /// Churn_Detection_Time.
    public static let detectionMilliseconds = 60_000

    /// The state for the partner's Synchronization bit; `timerExpired` when partner_churn_timer fired.
    public func next(portEnabled: Bool, partnerInSync: Bool, timerExpired: Bool = false) -> LACPChurnState {
        guard portEnabled else { return .monitor }
        if partnerInSync { return .noChurn }
        switch self {
        case .noChurn: return .monitor
        case .monitor: return timerExpired ? .churned : .monitor
        case .churned: return .churned
        }
    }
}
