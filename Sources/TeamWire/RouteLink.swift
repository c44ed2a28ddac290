import NetlinkCodec
import Packets

/// rtnetlink message types for links (include/uapi/linux/rtnetlink.h).
public enum RouteMessageType {
    /// RTM_NEWLINK: create (with NLM_F_CREATE), change, a dump entry, or an event.
    public static let newLink: UInt16 = 16
    /// RTM_DELLINK
    public static let deleteLink: UInt16 = 17
    /// RTM_GETLINK
    public static let getLink: UInt16 = 18
    /// RTM_SETLINK
    public static let setLink: UInt16 = 19
}

/// rtnetlink multicast groups (enum rtnetlink_groups).
public enum RouteGroup {
    /// RTNLGRP_LINK
    public static let link: UInt32 = 1
}

/// net_device_flags (include/uapi/linux/if.h).
public struct LinkFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// IFF_UP: administratively up.
    public static let up = LinkFlags(rawValue: 0x1)
    /// IFF_BROADCAST
    public static let broadcast = LinkFlags(rawValue: 0x2)
    /// IFF_LOOPBACK
    public static let loopback = LinkFlags(rawValue: 0x8)
    /// IFF_POINTOPOINT
    public static let pointToPoint = LinkFlags(rawValue: 0x10)
    /// IFF_RUNNING: operationally up (RFC 2863 OPER_UP).
    public static let running = LinkFlags(rawValue: 0x40)
    /// IFF_NOARP
    public static let noARP = LinkFlags(rawValue: 0x80)
    /// IFF_PROMISC
    public static let promiscuous = LinkFlags(rawValue: 0x100)
    /// IFF_ALLMULTI
    public static let allMulticast = LinkFlags(rawValue: 0x200)
    /// IFF_MASTER
    public static let master = LinkFlags(rawValue: 0x400)
    /// IFF_SLAVE
    public static let slave = LinkFlags(rawValue: 0x800)
    /// IFF_MULTICAST
    public static let multicast = LinkFlags(rawValue: 0x1000)
    /// IFF_LOWER_UP: the driver signals carrier.
    public static let lowerUp = LinkFlags(rawValue: 0x10000)
    /// IFF_DORMANT
    public static let dormant = LinkFlags(rawValue: 0x20000)
}

/// IFLA_* (include/uapi/linux/if_link.h), the subset we read or write.
public enum LinkAttribute {
    /// IFLA_ADDRESS: hardware address
    public static let address: UInt16 = 1
    /// IFLA_BROADCAST
    public static let broadcast: UInt16 = 2
    /// IFLA_IFNAME: string
    public static let name: UInt16 = 3
    /// IFLA_MTU: u32
    public static let mtu: UInt16 = 4
    /// IFLA_LINK: u32, e.g. a veth's peer
    public static let link: UInt16 = 5
    /// IFLA_MASTER: u32, 0 to release
    public static let master: UInt16 = 10
    /// IFLA_OPERSTATE: u8, RFC 2863
    public static let operationalState: UInt16 = 16
    /// IFLA_LINKINFO: nest of IFLA_INFO_*
    public static let linkInfo: UInt16 = 18
    /// IFLA_EXT_MASK: u32, RTEXT_FILTER_*
    public static let extendedMask: UInt16 = 29
    /// IFLA_CARRIER: u8
    public static let carrier: UInt16 = 33
}

/// IFLA_INFO_*
public enum LinkInfoAttribute {
    /// IFLA_INFO_KIND: string, e.g. "team", "veth"
    public static let kind: UInt16 = 1
    /// IFLA_INFO_DATA
    public static let data: UInt16 = 2
    /// IFLA_INFO_SLAVE_KIND: string, e.g. "team" on a team port
    public static let slaveKind: UInt16 = 4
}

/// IF_OPER_* (RFC 2863 operational status).
public enum OperationalState: UInt8, Sendable {
    case unknown = 0, notPresent = 1, down = 2, lowerLayerDown = 3, testing = 4, dormant = 5, up = 6
}

/// struct ifinfomsg.
public struct InterfaceInfo: Hashable, Sendable {
    /// ifi_family
    public var family: UInt8
    /// ifi_type: ARPHRD_*
    public var type: UInt16
    /// ifi_index
    public var index: UInt32
    /// ifi_flags
    public var flags: LinkFlags
    /// ifi_change: which flags a request changes
    public var change: LinkFlags
    /// The pad byte after ifi_family; zero on the wire, kept for round trips.
    public var reserved: UInt8

    public static let size = 16

    public init(family: UInt8 = 0, type: UInt16 = 0, index: UInt32 = 0, flags: LinkFlags = [], change: LinkFlags = [],
                reserved: UInt8 = 0) {
        self.family = family
        self.type = type
        self.index = index
        self.flags = flags
        self.change = change
        self.reserved = reserved
    }
}

/// An rtnetlink link message: ifinfomsg and the attributes in their wire order, so that
/// anything decoded encodes back to the same bytes. Typed accessors read the subset.
public struct LinkMessage: Hashable, Sendable {
    public var info: InterfaceInfo
    public var attributes: [NetlinkAttribute]

    public init(info: InterfaceInfo, attributes: [NetlinkAttribute] = []) {
        self.info = info
        self.attributes = attributes
    }

    public static func decode(_ payload: [UInt8]) throws -> LinkMessage {
        guard payload.count >= InterfaceInfo.size else {
            throw NetlinkError(.truncated, operation: "decode ifinfomsg", byteOffset: NetlinkHeader.size)
        }
        let info = InterfaceInfo(family: payload[0], type: payload.loadNative(UInt16.self, at: 2),
                                 index: payload.loadNative(UInt32.self, at: 4),
                                 flags: LinkFlags(rawValue: payload.loadNative(UInt32.self, at: 8)),
                                 change: LinkFlags(rawValue: payload.loadNative(UInt32.self, at: 12)),
                                 reserved: payload[1])
        var reader = AttributeReader(Array(payload[InterfaceInfo.size...]),
                                     baseOffset: NetlinkHeader.size + InterfaceInfo.size)
        var attributes: [NetlinkAttribute] = []
        while reader.next() { attributes.append(reader.attribute) }
        try reader.finish()
        return LinkMessage(info: info, attributes: attributes)
    }

    public static func decode(_ message: NetlinkMessage) throws -> LinkMessage {
        try decode(message.payload)
    }

    /// Throws when an attribute does not fit nla_len.
    public func encode() throws(NetlinkError) -> [UInt8] {
        var bytes: [UInt8] = [info.family, info.reserved]
        withUnsafeBytes(of: info.type) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: info.index) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: info.flags.rawValue) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: info.change.rawValue) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: try NetlinkAttribute.encode(attributes))
        return bytes
    }

    public func message(type: UInt16, flags: NetlinkFlags, sequence: UInt32 = 0, portID: UInt32 = 0)
        throws(NetlinkError) -> NetlinkMessage
    {
        NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: portID, payload: try encode())
    }

    // MARK: Typed accessors

    public func attribute(_ type: UInt16) -> NetlinkAttribute? { attributes.first { $0.type == type } }

    /// IFLA_IFNAME
    public var name: String? { attribute(LinkAttribute.name).map { Self.cString($0.payload) } }
    /// IFLA_ADDRESS, as the kernel sent it (any link type's length)
    public var address: [UInt8]? { attribute(LinkAttribute.address)?.payload }
    /// IFLA_BROADCAST
    public var broadcast: [UInt8]? { attribute(LinkAttribute.broadcast)?.payload }
    /// IFLA_MTU
    public var mtu: UInt32? { uint32(LinkAttribute.mtu) }
    /// IFLA_MASTER
    public var master: UInt32? { uint32(LinkAttribute.master) }
    /// IFLA_LINK
    public var linkIndex: UInt32? { uint32(LinkAttribute.link) }
    /// IFLA_CARRIER
    public var carrier: Bool? {
        guard let payload = attribute(LinkAttribute.carrier)?.payload, payload.count == 1 else { return nil }
        return payload[0] != 0
    }
    /// IFLA_OPERSTATE
    public var operationalState: OperationalState? {
        guard let payload = attribute(LinkAttribute.operationalState)?.payload, payload.count == 1 else { return nil }
        return OperationalState(rawValue: payload[0])
    }
    /// IFLA_LINKINFO › IFLA_INFO_KIND
    public var kind: String? { linkInfoPayload(LinkInfoAttribute.kind).map(Self.cString) }
    /// IFLA_LINKINFO › IFLA_INFO_SLAVE_KIND
    public var slaveKind: String? { linkInfoPayload(LinkInfoAttribute.slaveKind).map(Self.cString) }

    private func uint32(_ type: UInt16) -> UInt32? {
        guard let payload = attribute(type)?.payload, payload.count == 4 else { return nil }
        return payload.loadNative(UInt32.self, at: 0)
    }

    func linkInfoPayload(_ type: UInt16) -> [UInt8]? {
        guard let nest = attribute(LinkAttribute.linkInfo),
              let inner = try? NetlinkAttribute.decodeAll(nest.payload) else { return nil }
        return inner.first { $0.type == type }?.payload
    }

    private static func cString(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The typed snapshot.
    public var link: Link {
        Link(index: info.index, name: name ?? "", flags: info.flags, type: info.type, address: address.flatMap { EthernetAddress(bytes: $0) },
             mtu: mtu, master: master ?? 0, carrier: carrier, operationalState: operationalState,
             kind: kind, slaveKind: slaveKind, bond: bond?.parameters, bondAggregator: bond?.aggregator,
             bondSlave: bondSlave)
    }

    // MARK: Requests

    /// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: a new link of `kind`, optionally with a MAC.
    public static func create(name: String, kind: String, address: EthernetAddress? = nil) -> LinkMessage {
        var writer = AttributeWriter()
        writer.append(type: LinkAttribute.name, string: name)
        if let address { writer.append(type: LinkAttribute.address, bytes: address.bytes) }
        writer.nested(type: LinkAttribute.linkInfo, flagged: false) { info in
            info.append(type: LinkInfoAttribute.kind, string: kind)
        }
        return LinkMessage(info: InterfaceInfo(), attributes: (try? NetlinkAttribute.decodeAll(writer.bytes)) ?? [])
    }

    /// RTM_GETLINK for one link by index.
    public static func get(index: UInt32) -> LinkMessage {
        LinkMessage(info: InterfaceInfo(index: index))
    }

    /// RTM_GETLINK for one link by name (IFLA_IFNAME with index 0).
    public static func get(name: String) -> LinkMessage {
        LinkMessage(info: InterfaceInfo(), attributes: [Self.stringAttribute(LinkAttribute.name, name)])
    }

    /// RTM_DELLINK
    public static func delete(index: UInt32) -> LinkMessage {
        LinkMessage(info: InterfaceInfo(index: index))
    }

    /// RTM_SETLINK changing only what is given.
    public static func change(index: UInt32, master: UInt32? = nil, address: EthernetAddress? = nil, up: Bool? = nil,
                              carrier: Bool? = nil) -> LinkMessage {
        var info = InterfaceInfo(index: index)
        if let up {
            info.change = .up
            info.flags = up ? .up : []
        }
        var attributes: [NetlinkAttribute] = []
        if let address { attributes.append(NetlinkAttribute(type: LinkAttribute.address, payload: address.bytes)) }
        if let master {
            var payload: [UInt8] = []
            withUnsafeBytes(of: master) { payload.append(contentsOf: $0) }
            attributes.append(NetlinkAttribute(type: LinkAttribute.master, payload: payload))
        }
        if let carrier { attributes.append(NetlinkAttribute(type: LinkAttribute.carrier, payload: [carrier ? 1 : 0])) }
        return LinkMessage(info: info, attributes: attributes)
    }

    static func stringAttribute(_ type: UInt16, _ value: String) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: Array(value.utf8) + [0])
    }
}

/// ARPHRD_ETHER
public let arphrdEther: UInt16 = 1

/// A link's state, as the subset TeamKit uses.
public struct Link: Hashable, Sendable {
    /// ifi_index
    public var index: UInt32
    /// IFLA_IFNAME
    public var name: String
    /// ifi_flags
    public var flags: LinkFlags
    /// ifi_type (ARPHRD_*)
    public var type: UInt16
    /// IFLA_ADDRESS when it is a MAC (six octets); nil when the link has none or one of another length
    /// (teams and ports are Ethernet devices here: docs/differences.md).
    public var address: EthernetAddress?
    /// IFLA_MTU
    public var mtu: UInt32?
    /// IFLA_MASTER, 0 when none
    public var master: UInt32
    /// IFLA_CARRIER
    public var carrier: Bool?
    /// IFLA_OPERSTATE
    public var operationalState: OperationalState?
    /// IFLA_INFO_KIND
    public var kind: String?
    /// IFLA_INFO_SLAVE_KIND
    public var slaveKind: String?
    /// A bond's IFLA_INFO_DATA (kind "bond").
    public var bond: BondParameters?
    /// A bond's IFLA_BOND_AD_INFO (802.3ad).
    public var bondAggregator: BondAggregatorInfo?
    /// A bond port's IFLA_INFO_SLAVE_DATA (slave kind "bond").
    public var bondSlave: BondSlaveInfo?

    public init(index: UInt32, name: String, flags: LinkFlags = [], type: UInt16 = arphrdEther, address: EthernetAddress? = nil,
                mtu: UInt32? = nil, master: UInt32 = 0, carrier: Bool? = nil,
                operationalState: OperationalState? = nil, kind: String? = nil, slaveKind: String? = nil,
                bond: BondParameters? = nil, bondAggregator: BondAggregatorInfo? = nil, bondSlave: BondSlaveInfo? = nil) {
        self.index = index
        self.name = name
        self.flags = flags
        self.type = type
        self.address = address
        self.mtu = mtu
        self.master = master
        self.carrier = carrier
        self.operationalState = operationalState
        self.kind = kind
        self.slaveKind = slaveKind
        self.bond = bond
        self.bondAggregator = bondAggregator
        self.bondSlave = bondSlave
    }

    public var isUp: Bool { flags.contains(.up) }

    /// Encodes as the kernel reports a link (used by fakes): ifinfomsg, then IFNAME,
    /// MTU, OPERSTATE, MASTER, CARRIER, ADDRESS, LINKINFO, in the kernel's relative order.
    public var message: LinkMessage {
        var writer = AttributeWriter()
        writer.append(type: LinkAttribute.name, string: name)
        if let mtu { writer.append(type: LinkAttribute.mtu, uint32: mtu) }
        if let operationalState { writer.append(type: LinkAttribute.operationalState, uint8: operationalState.rawValue) }
        if master != 0 { writer.append(type: LinkAttribute.master, uint32: master) }
        if let carrier { writer.append(type: LinkAttribute.carrier, uint8: carrier ? 1 : 0) }
        if let address { writer.append(type: LinkAttribute.address, bytes: address.bytes) }
        if kind != nil || slaveKind != nil {  // with the bond's data, if any
            writer.nested(type: LinkAttribute.linkInfo, flagged: false) { info in
                if let kind { info.append(type: LinkInfoAttribute.kind, string: kind) }
                if let bond {
                    info.nested(type: LinkInfoAttribute.data, flagged: false) { data in
                        bond.encode(into: &data)
                        if let bondAggregator {
                            data.nested(type: BondAttribute.aggregatorInfo, flagged: false) { ad in
                                ad.append(type: BondAggregatorInfoAttribute.aggregator, uint16: bondAggregator.aggregatorID)
                                ad.append(type: BondAggregatorInfoAttribute.portCount, uint16: bondAggregator.portCount)
                                ad.append(type: BondAggregatorInfoAttribute.actorKey, uint16: bondAggregator.actorKey)
                                ad.append(type: BondAggregatorInfoAttribute.partnerKey, uint16: bondAggregator.partnerKey)
                                ad.append(type: BondAggregatorInfoAttribute.partnerAddress, bytes: bondAggregator.partnerAddress)
                            }
                        }
                    }
                }
                if let slaveKind { info.append(type: LinkInfoAttribute.slaveKind, string: slaveKind) }
                if let bondSlave {
                    info.nested(type: LinkInfoSlaveData.type, flagged: false) { bondSlave.encode(into: &$0) }
                }
            }
        }
        return LinkMessage(info: InterfaceInfo(type: type, index: index, flags: flags),
                           attributes: (try? NetlinkAttribute.decodeAll(writer.bytes)) ?? [])
    }
}
