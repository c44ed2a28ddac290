import Packets

/// SONiC's retry count on one port (libteam patches 0015 and 0016; the HLD "Increasing LACP PDU timeout
/// during warm-reboot" in sonic-net/SONiC doc/lag): how many periods we wait for the partner before its
/// information expires ("timeout = interval × the partner's count"), and whether the partner speaks the
/// version 0xf1 LACPDU that carries the counts.
///
/// Not in 802.1AX. The HLD: "This retry count is valid until any of the following occurs: A new retry count
/// is sent; A duration of 3 minutes times the retry count passes; The LACP session goes down for whatever
/// reason ...; The peer device sends a version 0x01 LACP PDU (only after 60 seconds) ... Except for the
/// first event, after any of these happen, the standard retry count of 3 applies."
public struct LACPRetryCountState: Equatable, Sendable {
    /// The partner's own count (its Actor Retry Count): our current_while is this many periods.
    public private(set) var partnerCount: UInt8 = LACPRetryCounts.standard
    /// The partner sent a version 0xf1 LACPDU last ("if a 0xf1 LACP PDU is received by a device, then it
    /// will also respond with a 0xf1 LACP PDU").
    public private(set) var partnerSpeaks = false
    /// The 60 s after a 0xf1 LACPDU with a non-standard count, during which a version 1 LACPDU does not
    /// reset it ("meant to act as a transition mechanism during image upgrades").
    public private(set) var isHeld = false

    public init() {}

    /// "the retry count will get reset to 3 only after 60 seconds after the last 0xf1 LACP PDU with
    /// non-standard retry count" (HLD).
    public static let holdMilliseconds = 60_000
    /// "A duration of 3 minutes times the retry count passes" (HLD).
    public static func lifetimeMilliseconds(_ count: UInt8) -> Int { Int(count) * 180_000 }

    /// What receiving a LACPDU asks for.
    public struct Outcome: Equatable, Sendable {
        /// Restart the 60 s hold.
        public var restartHold = false
        /// The partner's count changed to a non-standard one: start its lifetime.
        public var startLifetime = false
        /// The partner's count or version changed: tell it ours at once.
        public var needToTransmit = false
    }

    /// Whether the LACPDU may be processed: a 0xf1 count below 3 is illegal (SONiC's "retry count from
    /// partner ... out of its limits") and the LACPDU is dropped.
    public static func isLegal(_ pdu: LACPDU, understood: Bool) -> Bool {
        guard understood, let counts = pdu.retryCounts else { return true }
        return counts.actor >= LACPRetryCounts.standard
    }

    /// A legal LACPDU arrived. `understood` is `runner.enable_retry_count`: without it a 0xf1 LACPDU is read as
    /// the version 1 LACPDU it contains.
    public mutating func received(_ pdu: LACPDU, understood: Bool, ourCount: UInt8) -> Outcome {
        var outcome = Outcome()
        guard understood, let counts = pdu.retryCounts else {
            if partnerSpeaks { outcome.needToTransmit = true }
            partnerSpeaks = false
            if !isHeld && partnerCount != LACPRetryCounts.standard {
                partnerCount = LACPRetryCounts.standard
            }
            return outcome
        }
        guard counts.actor >= LACPRetryCounts.standard else { return outcome }
        if !partnerSpeaks || counts.partner != ourCount { outcome.needToTransmit = true }
        partnerSpeaks = true
        if counts.actor != partnerCount {
            partnerCount = counts.actor
            outcome.needToTransmit = true
            outcome.startLifetime = counts.actor != LACPRetryCounts.standard
        }
        if counts.actor != LACPRetryCounts.standard {
            isHeld = true
            outcome.restartHold = true
        }
        return outcome
    }

    /// The 60 s hold ran out: the next version 1 LACPDU resets the count.
    public mutating func holdEnded() { isHeld = false }

    /// The session went down, or the partner's count outlived its 3 minutes per count: the standard count.
    public mutating func reset(forgetVersion: Bool) {
        partnerCount = LACPRetryCounts.standard
        isHeld = false
        if forgetVersion { partnerSpeaks = false }
    }
}
