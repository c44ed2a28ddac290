/// The Actor_State / Partner_State octet of a LACPDU (IEEE 802.1AX 6.4.2.3, items n and x).
public struct LACPState: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// LACP_Activity: active LACP (1) or passive (0).
    public static let activity = LACPState(rawValue: 0x01)
    /// LACP_Timeout: short timeout (1 s periodic, 3 s expiry) when set, long (30 s, 90 s) when clear.
    public static let timeout = LACPState(rawValue: 0x02)
    /// Aggregation: the link may be aggregated (clear: an individual link).
    public static let aggregation = LACPState(rawValue: 0x04)
    /// Synchronization: the link is in the right aggregation group (IN_SYNC).
    public static let synchronization = LACPState(rawValue: 0x08)
    public static let collecting = LACPState(rawValue: 0x10)
    public static let distributing = LACPState(rawValue: 0x20)
    /// Defaulted: the partner information is administrative defaults, not from a LACPDU.
    public static let defaulted = LACPState(rawValue: 0x40)
    /// Expired: the receive machine is in EXPIRED.
    public static let expired = LACPState(rawValue: 0x80)
}

/// The Actor or Partner Information of a LACPDU (struct lacpdu_info in the C teamd): the 15 bytes after a
/// TLV's type and length, before its 3 reserved bytes.
public struct LACPInfo: Hashable, Sendable {
    public var systemPriority: UInt16
    /// The System ID's MAC part (the team's MAC for teamd).
    public var system: EthernetAddress
    public var key: UInt16
    public var portPriority: UInt16
    /// The port number (teamd uses the port's ifindex).
    public var port: UInt16
    public var state: LACPState

    public init(systemPriority: UInt16 = 0, system: EthernetAddress = .zero, key: UInt16 = 0,
                portPriority: UInt16 = 0, port: UInt16 = 0, state: LACPState = []) {
        self.systemPriority = systemPriority
        self.system = system
        self.key = key
        self.portPriority = portPriority
        self.port = port
        self.state = state
    }

    /// All zero: what a port knows of a partner it has not heard (the C teamd's memset).
    public static let none = LACPInfo()

    /// The same partner, ignoring the state octet (the standard's "matched" comparison of 6.4.9).
    public func sameIdentity(as other: LACPInfo) -> Bool {
        systemPriority == other.systemPriority && system == other.system && key == other.key
            && portPriority == other.portPriority && port == other.port
    }

    static let length = 15

    init(decoding b: [UInt8], at offset: Int) {
        systemPriority = b.bigEndianUInt16(at: offset)
        system = EthernetAddress(unchecked: b[(offset + 2)..<(offset + 8)])
        key = b.bigEndianUInt16(at: offset + 8)
        portPriority = b.bigEndianUInt16(at: offset + 10)
        port = b.bigEndianUInt16(at: offset + 12)
        state = LACPState(rawValue: b[offset + 14])
    }

    func encode(into bytes: inout [UInt8]) {
        bytes.appendBigEndian(systemPriority)
        bytes += system.bytes
        bytes.appendBigEndian(key)
        bytes.appendBigEndian(portPriority)
        bytes.appendBigEndian(port)
        bytes.append(state.rawValue)
    }
}

/// SONiC's retry counts (sonic-net/SONiC doc/lag "Increasing LACP PDU timeout during warm-reboot"): how
/// many periods each side waits before it declares the other gone, carried in a version 0xf1 LACPDU by the
/// Actor Retry Count TLV (0x80) and the Partner Retry Count TLV (0x81), each "Retry count" and one padding
/// byte, length 4.
public struct LACPRetryCounts: Hashable, Sendable {
    /// The sender's own count: how long its partner should wait for it, in periods.
    public var actor: UInt8
    /// The count the sender holds for its partner.
    public var partner: UInt8

    public init(actor: UInt8, partner: UInt8) {
        self.actor = actor
        self.partner = partner
    }

    /// The standard's three periods (802.1AX: "three times the ... periodic time").
    public static let standard: UInt8 = 3
}

/// A LACPDU (IEEE 802.1AX-2008 5.4.2, 802.3ad-2000 43.4.2.2): the 110 bytes after the Ethernet header of a
/// slow-protocols frame with subtype 1.
///
/// Layout: subtype 1, version 1; actor TLV (type 1, length 20: info and 3 reserved); partner TLV (type 2,
/// length 20); collector TLV (type 3, length 16: max delay and 12 reserved); terminator (0, 0); 50 reserved.
/// Version 0xf1 (SONiC) puts the two retry-count TLVs (type 0x80 and 0x81, length 4 each) before the
/// terminator and keeps 42 reserved bytes: the same 110 bytes, the v1 fields where they were.
public struct LACPDU: Hashable, Sendable {
    /// Bytes of a LACPDU after the Ethernet header.
    public static let length = 110
    /// The slow protocols subtype of LACP.
    public static let subtype: UInt8 = 1
    /// SONiC's version that carries the retry-count TLVs.
    public static let retryCountVersion: UInt8 = 0xf1
    static let actorRetryCountType: UInt8 = 0x80
    static let partnerRetryCountType: UInt8 = 0x81

    public var version: UInt8
    public var actor: LACPInfo
    public var partner: LACPInfo
    /// CollectorMaxDelay, in tens of microseconds (teamd and bonding send 0).
    public var collectorMaxDelay: UInt16
    /// The retry-count TLVs of a version 0xf1 LACPDU; nil in any other version.
    public var retryCounts: LACPRetryCounts?

    /// A version 1 LACPDU, or version 0xf1 when `retryCounts` is given.
    public init(actor: LACPInfo, partner: LACPInfo, collectorMaxDelay: UInt16 = 0, version: UInt8 = 1,
                retryCounts: LACPRetryCounts? = nil) {
        self.version = retryCounts == nil ? version : Self.retryCountVersion
        self.actor = actor
        self.partner = partner
        self.collectorMaxDelay = collectorMaxDelay
        // A 0xf1 LACPDU always carries both TLVs; without counts given, the standard ones.
        self.retryCounts = retryCounts ?? (version == Self.retryCountVersion
            ? LACPRetryCounts(actor: LACPRetryCounts.standard, partner: LACPRetryCounts.standard) : nil)
    }

    /// Decodes the bytes after the Ethernet header. As the standard asks (43.4.12 of 802.3ad), the TLV
    /// types and the reserved bytes are not checked, and a version other than 1 and 0xf1 is read by its
    /// version 1 fields (a later version stays readable). The TLV lengths are checked, since they fix where
    /// each field lies: the terminator's in version 1, the retry-count TLVs' and the terminator's in 0xf1
    /// (as SONiC's lacpdu_check). Trailing bytes (padding) are ignored.
    public init(decoding bytes: some Collection<UInt8>) throws(PacketError) {
        let b = Array(bytes)
        guard b.count >= Self.length else { throw .truncated(what: "LACPDU", needed: Self.length, got: b.count) }
        guard b[0] == Self.subtype else { throw .unexpectedSubtype(b[0]) }
        var lengths = [("actor", 3, 20), ("partner", 23, 20), ("collector", 43, 16)]
        switch b[1] {
        case 1: lengths.append(("terminator", 59, 0))
        case Self.retryCountVersion:
            lengths += [("actor retry count", 59, 4), ("partner retry count", 63, 4), ("terminator", 67, 0)]
        default: break
        }
        for (name, at, expected) in lengths {
            guard b[at] == UInt8(expected) else { throw .badTLVLength(tlv: name, length: b[at], expected: UInt8(expected)) }
        }
        version = b[1]
        actor = LACPInfo(decoding: b, at: 4)
        partner = LACPInfo(decoding: b, at: 24)
        collectorMaxDelay = b.bigEndianUInt16(at: 44)
        retryCounts = version == Self.retryCountVersion ? LACPRetryCounts(actor: b[60], partner: b[64]) : nil
    }

    /// The 110 bytes after the Ethernet header.
    public func encode() -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(Self.length)
        encode(into: &b)
        return b
    }

    public func encode(into b: inout [UInt8]) {
        b += [Self.subtype, version, 0x01, 20]
        actor.encode(into: &b)
        b += [0, 0, 0, 0x02, 20]
        partner.encode(into: &b)
        b += [0, 0, 0, 0x03, 16]
        b.appendBigEndian(collectorMaxDelay)
        b += [UInt8](repeating: 0, count: 12)
        if let counts = retryCounts, version == Self.retryCountVersion {
            b += [Self.actorRetryCountType, 4, counts.actor, 0, Self.partnerRetryCountType, 4, counts.partner, 0]
            b += [0, 0]
            b += [UInt8](repeating: 0, count: 42)
        } else {
            b += [0, 0]
            b += [UInt8](repeating: 0, count: 50)
        }
    }

    /// A whole frame: Ethernet header to 01:80:c2:00:00:02 from `source`, EtherType 0x8809, the LACPDU.
    public func frame(source: EthernetAddress) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(EthernetHeader.length + Self.length)
        EthernetHeader(destination: .slowProtocolsMulticast, source: source, etherType: EtherType.slowProtocols)
            .encode(into: &b)
        encode(into: &b)
        return b
    }

    /// Decodes a whole frame as a packet socket of type SOCK_RAW receives it.
    public static func decode(frame bytes: some Collection<UInt8>) throws(PacketError) -> (header: EthernetHeader, pdu: LACPDU) {
        let b = Array(bytes)
        let header = try EthernetHeader(decoding: b)
        guard header.etherType == EtherType.slowProtocols else { throw .unexpectedEtherType(header.etherType) }
        return (header, try LACPDU(decoding: b[EthernetHeader.length...]))
    }
}
