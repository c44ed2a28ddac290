/// struct genlmsghdr.
public struct GenericNetlinkHeader: Hashable, Sendable {
    public var command: UInt8
    public var version: UInt8
    /// reserved: zero on the wire, kept so that odd input round-trips.
    public var reserved: UInt16

    public static let size = 4

    public init(command: UInt8, version: UInt8, reserved: UInt16 = 0) {
        self.command = command
        self.version = version
        self.reserved = reserved
    }
}

/// A generic netlink message: the netlink header's type is the family id, then a
/// genlmsghdr, then attributes.
public struct GenericNetlinkMessage: Hashable, Sendable {
    public var header: GenericNetlinkHeader
    /// The encoded attribute list that follows the header.
    public var attributes: [UInt8]

    public init(header: GenericNetlinkHeader, attributes: [UInt8] = []) {
        self.header = header
        self.attributes = attributes
    }

    /// Throws when an attribute does not fit nla_len (see `AttributeWriter`).
    public init(command: UInt8, version: UInt8, _ build: (inout AttributeWriter) -> Void) throws(NetlinkError) {
        var writer = AttributeWriter()
        build(&writer)
        self.init(header: GenericNetlinkHeader(command: command, version: version), attributes: try writer.finish())
    }

    public static func decode(_ payload: [UInt8]) throws -> GenericNetlinkMessage {
        guard payload.count >= GenericNetlinkHeader.size else {
            throw NetlinkError(.truncated, operation: "decode genlmsghdr", byteOffset: NetlinkHeader.size)
        }
        return GenericNetlinkMessage(
            header: GenericNetlinkHeader(command: payload[0], version: payload[1],
                                         reserved: payload.loadNative(UInt16.self, at: 2)),
            attributes: Array(payload[GenericNetlinkHeader.size...]))
    }

    public static func decode(_ message: NetlinkMessage) throws -> GenericNetlinkMessage {
        try decode(message.payload)
    }

    public func encode() -> [UInt8] {
        var bytes: [UInt8] = [header.command, header.version]
        bytes.appendNative(header.reserved)
        bytes.append(contentsOf: attributes)
        return bytes
    }

    /// Wraps this message for the family with id `family`.
    public func message(family: UInt16, flags: NetlinkFlags, sequence: UInt32 = 0, portID: UInt32 = 0) -> NetlinkMessage {
        NetlinkMessage(type: family, flags: flags, sequence: sequence, portID: portID, payload: encode())
    }

    /// A reader over the attributes, with error offsets relative to the netlink message.
    public var attributeReader: AttributeReader {
        AttributeReader(attributes, baseOffset: NetlinkHeader.size + GenericNetlinkHeader.size)
    }
}

/// What the controller knows about a family.
public struct GenericNetlinkFamily: Hashable, Sendable {
    /// CTRL_ATTR_FAMILY_ID: the netlink message type for this family.
    public var id: UInt16
    /// CTRL_ATTR_FAMILY_NAME
    public var name: String
    /// CTRL_ATTR_VERSION
    public var version: UInt32
    /// CTRL_ATTR_HDRSIZE
    public var headerSize: UInt32
    /// CTRL_ATTR_MAXATTR
    public var maxAttribute: UInt32
    /// CTRL_ATTR_MCAST_GROUPS: group name to group id, in the controller's order.
    public var multicastGroups: [MulticastGroup]

    public struct MulticastGroup: Hashable, Sendable {
        /// CTRL_ATTR_MCAST_GRP_NAME
        public var name: String
        /// CTRL_ATTR_MCAST_GRP_ID
        public var id: UInt32
        public init(name: String, id: UInt32) {
            self.name = name
            self.id = id
        }
    }

    public init(id: UInt16, name: String, version: UInt32, headerSize: UInt32 = 0, maxAttribute: UInt32 = 0,
                multicastGroups: [MulticastGroup] = []) {
        self.id = id
        self.name = name
        self.version = version
        self.headerSize = headerSize
        self.maxAttribute = maxAttribute
        self.multicastGroups = multicastGroups
    }

    public func multicastGroup(named name: String) -> UInt32? {
        multicastGroups.first { $0.name == name }?.id
    }
}

/// The generic netlink controller ("nlctrl"), which maps family names to ids.
public enum GenericNetlinkController {
    /// GENL_ID_CTRL
    public static let familyID: UInt16 = 0x10
    public static let version: UInt8 = 2

    public enum Command {
        /// CTRL_CMD_NEWFAMILY: the reply to GETFAMILY and the event on registration.
        public static let newFamily: UInt8 = 1
        /// CTRL_CMD_DELFAMILY
        public static let deleteFamily: UInt8 = 2
        /// CTRL_CMD_GETFAMILY
        public static let getFamily: UInt8 = 3
    }

    public enum Attribute {
        /// CTRL_ATTR_FAMILY_ID: u16
        public static let familyID: UInt16 = 1
        /// CTRL_ATTR_FAMILY_NAME: string
        public static let familyName: UInt16 = 2
        /// CTRL_ATTR_VERSION: u32
        public static let version: UInt16 = 3
        /// CTRL_ATTR_HDRSIZE: u32
        public static let headerSize: UInt16 = 4
        /// CTRL_ATTR_MAXATTR: u32
        public static let maxAttribute: UInt16 = 5
        /// CTRL_ATTR_OPS: nested
        public static let operations: UInt16 = 6
        /// CTRL_ATTR_MCAST_GROUPS: nested list of nested groups
        public static let multicastGroups: UInt16 = 7
    }

    public enum MulticastGroupAttribute {
        /// CTRL_ATTR_MCAST_GRP_NAME: string
        public static let name: UInt16 = 1
        /// CTRL_ATTR_MCAST_GRP_ID: u32
        public static let id: UInt16 = 2
    }

    /// CTRL_CMD_GETFAMILY for one family by name.
    public static func getFamilyRequest(name: String) throws(NetlinkError) -> GenericNetlinkMessage {
        try GenericNetlinkMessage(command: Command.getFamily, version: 1) { writer in
            writer.append(type: Attribute.familyName, string: name)
        }
    }

    /// Parses CTRL_CMD_NEWFAMILY; requires the id and the name.
    public static func parseFamily(_ message: GenericNetlinkMessage) throws -> GenericNetlinkFamily {
        var id: UInt16?
        var name: String?
        var family = GenericNetlinkFamily(id: 0, name: "", version: 0)
        var reader = message.attributeReader
        while reader.next() {
            switch reader.type {
            case Attribute.familyID: id = reader.uint16()
            case Attribute.familyName: name = reader.string()
            case Attribute.version: family.version = reader.uint32()
            case Attribute.headerSize: family.headerSize = reader.uint32()
            case Attribute.maxAttribute: family.maxAttribute = reader.uint32()
            case Attribute.multicastGroups:
                reader.nested { groups in
                    while groups.next() {
                        var groupName: String?
                        var groupID: UInt32?
                        groups.nested { group in
                            while group.next() {
                                switch group.type {
                                case MulticastGroupAttribute.name: groupName = group.string()
                                case MulticastGroupAttribute.id: groupID = group.uint32()
                                default: break
                                }
                            }
                        }
                        if let groupName, let groupID {
                            family.multicastGroups.append(.init(name: groupName, id: groupID))
                        }
                    }
                }
            default: break
            }
        }
        try reader.finish()
        guard let id else {
            throw NetlinkError(.missingAttribute(type: Attribute.familyID), operation: "parse CTRL_CMD_NEWFAMILY")
        }
        guard let name else {
            throw NetlinkError(.missingAttribute(type: Attribute.familyName), operation: "parse CTRL_CMD_NEWFAMILY")
        }
        family.id = id
        family.name = name
        return family
    }

    /// Encodes a family as the controller's CTRL_CMD_NEWFAMILY reply (used by fakes).
    public static func familyReply(_ family: GenericNetlinkFamily) throws(NetlinkError) -> GenericNetlinkMessage {
        try GenericNetlinkMessage(command: Command.newFamily, version: version) { writer in
            writer.append(type: Attribute.familyName, string: family.name)
            writer.append(type: Attribute.familyID, uint16: family.id)
            writer.append(type: Attribute.version, uint32: family.version)
            writer.append(type: Attribute.headerSize, uint32: family.headerSize)
            writer.append(type: Attribute.maxAttribute, uint32: family.maxAttribute)
            if !family.multicastGroups.isEmpty {
                writer.nested(type: Attribute.multicastGroups, flagged: false) { groups in
                    for (index, group) in family.multicastGroups.enumerated() {
                        groups.nested(type: UInt16(index + 1), flagged: false) { entry in
                            entry.append(type: MulticastGroupAttribute.id, uint32: group.id)
                            entry.append(type: MulticastGroupAttribute.name, string: group.name)
                        }
                    }
                }
            }
        }
    }
}
