/// The transmit machine of one port (802.1AX 5.4.16): a LACPDU goes out when need-to-transmit (NTT) is
/// set, "subject to the restriction that no more than three LACPDUs may be transmitted in any
/// Fast_Periodic_Time interval"; what is held back goes out when the interval ends.
///
/// The runner has no clock: an interval starts with the first LACPDU sent after a quiet one, and a
/// timer the runner arms ends it.
public struct LACPTransmitMachine: Equatable, Sendable {
    /// LACPDUs sent in the current interval.
    public private(set) var sentInInterval = 0
    /// NTT held back by the limit.
    public private(set) var isPending = false

    public init() {}

    public struct Decision: Equatable, Sendable {
        /// Send a LACPDU now.
        public var send: Bool
        /// Arm the end-of-interval timer (fast_periodic_time).
        public var startInterval: Bool
    }

    /// NTT := TRUE.
    public mutating func request() -> Decision {
        guard sentInInterval < LACPTiming.maxTransmitsPerPeriod else {
            isPending = true
            return Decision(send: false, startInterval: false)
        }
        sentInInterval += 1
        return Decision(send: true, startInterval: sentInInterval == 1)
    }

    /// The interval ended: the count restarts and a held-back LACPDU goes out.
    public mutating func intervalEnded() -> Decision {
        sentInInterval = 0
        guard isPending else { return Decision(send: false, startInterval: false) }
        isPending = false
        return request()
    }

    /// The port stopped (disabled): nothing is held back.
    public mutating func reset() {
        sentInInterval = 0
        isPending = false
    }
}
