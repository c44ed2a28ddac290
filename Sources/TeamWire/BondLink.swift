import NetlinkCodec
import Packets

/// The bonding driver's rtnetlink attributes (include/uapi/linux/if_link.h, enum IFLA_BOND_*), as
/// IFLA_INFO_DATA of a link of kind "bond". Types from drivers/net/bonding/bond_netlink.c's bond_policy.
public enum BondAttribute {
    /// IFLA_BOND_MODE: u8, see `BondMode`
    public static let mode: UInt16 = 1
    /// IFLA_BOND_ACTIVE_SLAVE: u32 ifindex, 0 clears
    public static let activeSlave: UInt16 = 2
    /// IFLA_BOND_MIIMON: u32 milliseconds, 0 is off
    public static let miimon: UInt16 = 3
    /// IFLA_BOND_ARP_INTERVAL: u32 milliseconds, 0 is off
    public static let arpInterval: UInt16 = 7
    /// IFLA_BOND_FAIL_OVER_MAC: u8, see `BondFailOverMAC`
    public static let failOverMAC: UInt16 = 13
    /// IFLA_BOND_XMIT_HASH_POLICY: u8, see `BondTransmitHashPolicy`
    public static let transmitHashPolicy: UInt16 = 14
    /// IFLA_BOND_RESEND_IGMP: u32
    public static let resendIGMP: UInt16 = 15
    /// IFLA_BOND_NUM_PEER_NOTIF: u8
    public static let peerNotifications: UInt16 = 16
    /// IFLA_BOND_MIN_LINKS: u32
    public static let minimumLinks: UInt16 = 18
    /// IFLA_BOND_AD_LACP_RATE: u8, 0 slow, 1 fast
    public static let lacpRate: UInt16 = 21
    /// IFLA_BOND_AD_SELECT: u8, see `BondAggregatorSelection`
    public static let aggregatorSelection: UInt16 = 22
    /// IFLA_BOND_AD_INFO: nest of IFLA_BOND_AD_INFO_*
    public static let aggregatorInfo: UInt16 = 23
    /// IFLA_BOND_AD_ACTOR_SYS_PRIO: u16
    public static let actorSystemPriority: UInt16 = 24
    /// IFLA_BOND_AD_USER_PORT_KEY: u16
    public static let userPortKey: UInt16 = 25
    /// IFLA_BOND_PEER_NOTIF_DELAY: u32 milliseconds
    public static let peerNotificationDelay: UInt16 = 28
    /// IFLA_BOND_AD_LACP_ACTIVE: u8
    public static let lacpActive: UInt16 = 29
}

/// IFLA_BOND_AD_INFO_*
public enum BondAggregatorInfoAttribute {
    /// IFLA_BOND_AD_INFO_AGGREGATOR: u16
    public static let aggregator: UInt16 = 1
    /// IFLA_BOND_AD_INFO_NUM_PORTS: u16
    public static let portCount: UInt16 = 2
    /// IFLA_BOND_AD_INFO_ACTOR_KEY: u16
    public static let actorKey: UInt16 = 3
    /// IFLA_BOND_AD_INFO_PARTNER_KEY: u16
    public static let partnerKey: UInt16 = 4
    /// IFLA_BOND_AD_INFO_PARTNER_MAC: 6 bytes
    public static let partnerAddress: UInt16 = 5
}

/// IFLA_BOND_SLAVE_* (IFLA_INFO_SLAVE_DATA of a bond's port).
public enum BondSlaveAttribute {
    /// IFLA_BOND_SLAVE_STATE: u8, 0 active, 1 backup
    public static let state: UInt16 = 1
    /// IFLA_BOND_SLAVE_MII_STATUS: u8, 0 up, 1 fail, 2 down, 3 back
    public static let miiStatus: UInt16 = 2
    /// IFLA_BOND_SLAVE_LINK_FAILURE_COUNT: u32
    public static let linkFailureCount: UInt16 = 3
    /// IFLA_BOND_SLAVE_PERM_HWADDR: the port's own MAC
    public static let permanentAddress: UInt16 = 4
    /// IFLA_BOND_SLAVE_QUEUE_ID: u16
    public static let queueID: UInt16 = 5
    /// IFLA_BOND_SLAVE_AD_AGGREGATOR_ID: u16
    public static let aggregatorID: UInt16 = 6
    /// IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE: u8
    public static let actorState: UInt16 = 7
    /// IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE: u16 (the state octet in the low byte)
    public static let partnerState: UInt16 = 8
    /// IFLA_BOND_SLAVE_PRIO: s32 (kernel 6.0+)
    public static let priority: UInt16 = 9
}

/// IFLA_INFO_SLAVE_DATA (IFLA_INFO_* continued).
public enum LinkInfoSlaveData {
    public static let type: UInt16 = 5
}

/// BOND_MODE_* (include/net/bond_options.h), with the names /proc/net/bonding and iproute2 use.
public enum BondMode: UInt8, Sendable, CaseIterable {
    case balanceRR = 0, activeBackup = 1, balanceXOR = 2, broadcast = 3, ieee8023ad = 4, balanceTLB = 5, balanceALB = 6

    /// The name in bond_mode_tbl ("balance-rr", "active-backup", "802.3ad"...).
    public var name: String {
        switch self {
        case .balanceRR: "balance-rr"
        case .activeBackup: "active-backup"
        case .balanceXOR: "balance-xor"
        case .broadcast: "broadcast"
        case .ieee8023ad: "802.3ad"
        case .balanceTLB: "balance-tlb"
        case .balanceALB: "balance-alb"
        }
    }
}

/// BOND_FOM_* (fail_over_mac). `off` is the kernel's "none" (a case named `none` would read as nil).
public enum BondFailOverMAC: UInt8, Sendable, CaseIterable {
    case off = 0, active = 1, follow = 2

    public var name: String {
        switch self {
        case .off: "none"
        case .active: "active"
        case .follow: "follow"
        }
    }
}

/// BOND_XMIT_POLICY_* (xmit_hash_policy), with bond_xmit_hashtype_tbl's names.
public enum BondTransmitHashPolicy: UInt8, Sendable, CaseIterable {
    case layer2 = 0, layer34 = 1, layer23 = 2, encap23 = 3, encap34 = 4, vlanSourceMAC = 5

    public var name: String {
        switch self {
        case .layer2: "layer2"
        case .layer34: "layer3+4"
        case .layer23: "layer2+3"
        case .encap23: "encap2+3"
        case .encap34: "encap3+4"
        case .vlanSourceMAC: "vlan+srcmac"
        }
    }
}

/// BOND_AD_* (ad_select).
public enum BondAggregatorSelection: UInt8, Sendable, CaseIterable {
    case stable = 0, bandwidth = 1, count = 2

    public var name: String {
        switch self {
        case .stable: "stable"
        case .bandwidth: "bandwidth"
        case .count: "count"
        }
    }
}

/// The bond settings teamd writes: each one nil is left out of the message (the kernel keeps its value).
/// Encoded in IFLA_BOND_* order, as iproute2 writes them.
public struct BondParameters: Hashable, Sendable {
    public var mode: BondMode?
    public var activeSlave: UInt32?
    public var miimon: UInt32?
    public var arpInterval: UInt32?
    public var failOverMAC: BondFailOverMAC?
    public var transmitHashPolicy: BondTransmitHashPolicy?
    public var resendIGMP: UInt32?
    public var peerNotifications: UInt8?
    public var minimumLinks: UInt32?
    public var fastLACPRate: Bool?
    public var aggregatorSelection: BondAggregatorSelection?
    public var actorSystemPriority: UInt16?
    public var userPortKey: UInt16?
    public var peerNotificationDelay: UInt32?
    public var lacpActive: Bool?

    public init(mode: BondMode? = nil) { self.mode = mode }

    /// The IFLA_BOND_* attributes.
    public func encode(into writer: inout AttributeWriter) {
        if let mode { writer.append(type: BondAttribute.mode, uint8: mode.rawValue) }
        if let activeSlave { writer.append(type: BondAttribute.activeSlave, uint32: activeSlave) }
        if let miimon { writer.append(type: BondAttribute.miimon, uint32: miimon) }
        if let arpInterval { writer.append(type: BondAttribute.arpInterval, uint32: arpInterval) }
        if let failOverMAC { writer.append(type: BondAttribute.failOverMAC, uint8: failOverMAC.rawValue) }
        if let transmitHashPolicy { writer.append(type: BondAttribute.transmitHashPolicy, uint8: transmitHashPolicy.rawValue) }
        if let resendIGMP { writer.append(type: BondAttribute.resendIGMP, uint32: resendIGMP) }
        if let peerNotifications { writer.append(type: BondAttribute.peerNotifications, uint8: peerNotifications) }
        if let minimumLinks { writer.append(type: BondAttribute.minimumLinks, uint32: minimumLinks) }
        if let fastLACPRate { writer.append(type: BondAttribute.lacpRate, uint8: fastLACPRate ? 1 : 0) }
        if let aggregatorSelection { writer.append(type: BondAttribute.aggregatorSelection, uint8: aggregatorSelection.rawValue) }
        if let actorSystemPriority { writer.append(type: BondAttribute.actorSystemPriority, uint16: actorSystemPriority) }
        if let userPortKey { writer.append(type: BondAttribute.userPortKey, uint16: userPortKey) }
        if let peerNotificationDelay { writer.append(type: BondAttribute.peerNotificationDelay, uint32: peerNotificationDelay) }
        if let lacpActive { writer.append(type: BondAttribute.lacpActive, uint8: lacpActive ? 1 : 0) }
    }

    /// Reads the attributes of IFLA_INFO_DATA that map to fields; others are skipped.
    public static func decode(_ payload: [UInt8]) throws -> (BondParameters, BondAggregatorInfo?) {
        var parameters = BondParameters()
        var info: BondAggregatorInfo?
        var reader = AttributeReader(payload)
        while reader.next() {
            switch reader.type {
            case BondAttribute.mode: parameters.mode = BondMode(rawValue: reader.uint8())
            case BondAttribute.activeSlave: parameters.activeSlave = reader.uint32()
            case BondAttribute.miimon: parameters.miimon = reader.uint32()
            case BondAttribute.arpInterval: parameters.arpInterval = reader.uint32()
            case BondAttribute.failOverMAC: parameters.failOverMAC = BondFailOverMAC(rawValue: reader.uint8())
            case BondAttribute.transmitHashPolicy:
                parameters.transmitHashPolicy = BondTransmitHashPolicy(rawValue: reader.uint8())
            case BondAttribute.minimumLinks: parameters.minimumLinks = reader.uint32()
            case BondAttribute.lacpRate: parameters.fastLACPRate = reader.uint8() != 0
            case BondAttribute.aggregatorSelection:
                parameters.aggregatorSelection = BondAggregatorSelection(rawValue: reader.uint8())
            case BondAttribute.actorSystemPriority: parameters.actorSystemPriority = reader.uint16()
            case BondAttribute.userPortKey: parameters.userPortKey = reader.uint16()
            case BondAttribute.lacpActive: parameters.lacpActive = reader.uint8() != 0
            case BondAttribute.aggregatorInfo:
                var found = BondAggregatorInfo()
                reader.nested { inner in
                    while inner.next() {
                        switch inner.type {
                        case BondAggregatorInfoAttribute.aggregator: found.aggregatorID = inner.uint16()
                        case BondAggregatorInfoAttribute.portCount: found.portCount = inner.uint16()
                        case BondAggregatorInfoAttribute.actorKey: found.actorKey = inner.uint16()
                        case BondAggregatorInfoAttribute.partnerKey: found.partnerKey = inner.uint16()
                        case BondAggregatorInfoAttribute.partnerAddress: found.partnerAddress = inner.bytes()
                        default: continue
                        }
                    }
                }
                info = found
            default:
                continue
            }
        }
        try reader.finish()
        return (parameters, info)
    }
}

/// IFLA_BOND_AD_INFO: the 802.3ad aggregator the bond transmits on.
public struct BondAggregatorInfo: Hashable, Sendable {
    public var aggregatorID: UInt16 = 0
    public var portCount: UInt16 = 0
    public var actorKey: UInt16 = 0
    public var partnerKey: UInt16 = 0
    public var partnerAddress: [UInt8] = []
    public init() {}
}

/// A bond port's IFLA_INFO_SLAVE_DATA, the subset teamd shows.
public struct BondSlaveInfo: Hashable, Sendable {
    /// IFLA_BOND_SLAVE_STATE 0: the bond transmits on it (active-backup's active slave, or any usable one).
    public var isActive: Bool
    /// IFLA_BOND_SLAVE_MII_STATUS 0 (BOND_LINK_UP)
    public var isMIIUp: Bool
    public var aggregatorID: UInt16?
    public var actorState: UInt8?
    public var partnerState: UInt8?

    public init(isActive: Bool = true, isMIIUp: Bool = true, aggregatorID: UInt16? = nil, actorState: UInt8? = nil,
                partnerState: UInt8? = nil) {
        self.isActive = isActive
        self.isMIIUp = isMIIUp
        self.aggregatorID = aggregatorID
        self.actorState = actorState
        self.partnerState = partnerState
    }

    public static func decode(_ payload: [UInt8]) throws -> BondSlaveInfo {
        var info = BondSlaveInfo()
        var reader = AttributeReader(payload)
        while reader.next() {
            switch reader.type {
            case BondSlaveAttribute.state: info.isActive = reader.uint8() == 0
            case BondSlaveAttribute.miiStatus: info.isMIIUp = reader.uint8() == 0
            case BondSlaveAttribute.aggregatorID: info.aggregatorID = reader.uint16()
            case BondSlaveAttribute.actorState: info.actorState = reader.uint8()
            case BondSlaveAttribute.partnerState: info.partnerState = UInt8(truncatingIfNeeded: reader.uint16())
            default: continue
            }
        }
        try reader.finish()
        return info
    }

    /// As the kernel reports it (for fakes).
    public func encode(into writer: inout AttributeWriter) {
        writer.append(type: BondSlaveAttribute.state, uint8: isActive ? 0 : 1)
        writer.append(type: BondSlaveAttribute.miiStatus, uint8: isMIIUp ? 0 : 2)
        if let aggregatorID { writer.append(type: BondSlaveAttribute.aggregatorID, uint16: aggregatorID) }
        if let actorState { writer.append(type: BondSlaveAttribute.actorState, uint8: actorState) }
        if let partnerState { writer.append(type: BondSlaveAttribute.partnerState, uint16: UInt16(partnerState)) }
    }
}

extension LinkMessage {
    /// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: a bond with its parameters in IFLA_INFO_DATA.
    public static func createBond(name: String, address: EthernetAddress? = nil, parameters: BondParameters) -> LinkMessage {
        var writer = AttributeWriter()
        writer.append(type: LinkAttribute.name, string: name)
        if let address { writer.append(type: LinkAttribute.address, bytes: address.bytes) }
        writer.nested(type: LinkAttribute.linkInfo, flagged: false) { info in
            info.append(type: LinkInfoAttribute.kind, string: "bond")
            info.nested(type: LinkInfoAttribute.data, flagged: false) { parameters.encode(into: &$0) }
        }
        return LinkMessage(info: InterfaceInfo(), attributes: (try? NetlinkAttribute.decodeAll(writer.bytes)) ?? [])
    }

    /// RTM_NEWLINK without NLM_F_CREATE on an existing bond: its changelink (RTM_SETLINK ignores IFLA_LINKINFO).
    public static func changeBond(index: UInt32, parameters: BondParameters) -> LinkMessage {
        var writer = AttributeWriter()
        writer.nested(type: LinkAttribute.linkInfo, flagged: false) { info in
            info.append(type: LinkInfoAttribute.kind, string: "bond")
            info.nested(type: LinkInfoAttribute.data, flagged: false) { parameters.encode(into: &$0) }
        }
        return LinkMessage(info: InterfaceInfo(index: index), attributes: (try? NetlinkAttribute.decodeAll(writer.bytes)) ?? [])
    }

    /// RTM_NEWLINK on a bond's port: its slave_changelink (IFLA_BOND_SLAVE_QUEUE_ID, IFLA_BOND_SLAVE_PRIO).
    public static func changeBondSlave(index: UInt32, queueID: UInt16? = nil, priority: Int32? = nil) -> LinkMessage {
        var writer = AttributeWriter()
        writer.nested(type: LinkAttribute.linkInfo, flagged: false) { info in
            info.append(type: LinkInfoAttribute.slaveKind, string: "bond")
            info.nested(type: LinkInfoSlaveData.type, flagged: false) { data in
                if let queueID { data.append(type: BondSlaveAttribute.queueID, uint16: queueID) }
                if let priority { data.append(type: BondSlaveAttribute.priority, int32: priority) }
            }
        }
        return LinkMessage(info: InterfaceInfo(index: index), attributes: (try? NetlinkAttribute.decodeAll(writer.bytes)) ?? [])
    }

    /// IFLA_LINKINFO › IFLA_INFO_DATA of a bond, decoded; nil for other kinds or when absent.
    public var bond: (parameters: BondParameters, aggregator: BondAggregatorInfo?)? {
        guard kind == "bond", let data = linkInfoPayload(LinkInfoAttribute.data) else { return nil }
        return try? BondParameters.decode(data)
    }

    /// IFLA_LINKINFO › IFLA_INFO_SLAVE_DATA of a bond's port; nil otherwise.
    public var bondSlave: BondSlaveInfo? {
        guard slaveKind == "bond", let data = linkInfoPayload(LinkInfoSlaveData.type) else { return nil }
        return try? BondSlaveInfo.decode(data)
    }
}
