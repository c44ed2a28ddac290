import NetlinkCodec

/// A team family message: requests, replies and change events share this shape.
/// Encoding writes attributes in the kernel's order, so a message decoded from the
/// kernel encodes back to the same bytes.
public struct TeamMessage: Hashable, Sendable {
    public var command: TeamCommand
    /// genlmsghdr.version
    public var version: UInt8
    /// TEAM_ATTR_TEAM_IFINDEX
    public var teamIndex: UInt32?
    /// TEAM_ATTR_LIST_OPTION items; nil when the list attribute is absent.
    public var options: [TeamOption]?
    /// TEAM_ATTR_LIST_PORT items; nil when the list attribute is absent.
    public var ports: [TeamPortStatus]?
    /// Whether nests carry NLA_F_NESTED. The kernel's replies do not; libnl sets it.
    public var flagsNests: Bool

    public init(command: TeamCommand, version: UInt8 = TeamFamily.version, teamIndex: UInt32?,
                options: [TeamOption]? = nil, ports: [TeamPortStatus]? = nil, flagsNests: Bool = false) {
        self.command = command
        self.version = version
        self.teamIndex = teamIndex
        self.options = options
        self.ports = ports
        self.flagsNests = flagsNests
    }

    // MARK: Requests

    /// TEAM_CMD_OPTIONS_GET for every option of the team.
    public static func getOptions(teamIndex: UInt32) -> TeamMessage {
        TeamMessage(command: .getOptions, teamIndex: teamIndex)
    }

    /// TEAM_CMD_PORT_LIST_GET
    public static func getPorts(teamIndex: UInt32) -> TeamMessage {
        TeamMessage(command: .getPorts, teamIndex: teamIndex)
    }

    /// TEAM_CMD_OPTIONS_SET for one option; libteam sets one option per message and
    /// waits for its ACK, so an error names exactly one option.
    public static func setOption(teamIndex: UInt32, id: TeamOptionID, value: TeamOptionValue) -> TeamMessage {
        TeamMessage(command: .setOptions, teamIndex: teamIndex, options: [TeamOption(id: id, value: value)])
    }

    /// TEAM_CMD_NOOP
    public static func noop() -> TeamMessage { TeamMessage(command: .noop, teamIndex: nil) }

    // MARK: Coding

    /// Throws when an attribute does not fit nla_len (a string option value over 64 KiB).
    public func encode() throws(NetlinkError) -> GenericNetlinkMessage {
        try GenericNetlinkMessage(command: command.rawValue, version: version) { writer in
            if let teamIndex { writer.append(type: TeamAttribute.teamIndex, uint32: teamIndex) }
            if let options {
                writer.nested(type: TeamAttribute.optionList, flagged: flagsNests) { list in
                    for option in options {
                        list.nested(type: TeamAttribute.optionItem, flagged: flagsNests) { item in
                            Self.encode(option, into: &item)
                        }
                    }
                }
            }
            if let ports {
                writer.nested(type: TeamAttribute.portList, flagged: flagsNests) { list in
                    for port in ports {
                        list.nested(type: TeamAttribute.portItem, flagged: flagsNests) { item in
                            Self.encode(port, into: &item)
                        }
                    }
                }
            }
        }
    }

    /// Wraps the message for the family id the controller assigned.
    public func message(family: UInt16, flags: NetlinkFlags, sequence: UInt32 = 0, portID: UInt32 = 0)
        throws(NetlinkError) -> NetlinkMessage
    {
        try encode().message(family: family, flags: flags, sequence: sequence, portID: portID)
    }

    private static func encode(_ option: TeamOption, into item: inout AttributeWriter) {
        item.append(type: TeamOptionAttribute.name, string: option.name)
        if let port = option.portIndex { item.append(type: TeamOptionAttribute.portIndex, uint32: port) }
        if let index = option.arrayIndex { item.append(type: TeamOptionAttribute.arrayIndex, uint32: index) }
        item.append(type: TeamOptionAttribute.type, uint8: option.value.typeNumber)
        switch option.value {
        case .u32(let value): item.append(type: TeamOptionAttribute.data, uint32: value)
        case .s32(let value): item.append(type: TeamOptionAttribute.data, int32: value)
        case .string(let value): item.append(type: TeamOptionAttribute.data, string: value)
        case .bool(let value): if value { item.appendFlag(type: TeamOptionAttribute.data) }
        case .binary(let value): item.append(type: TeamOptionAttribute.data, bytes: value)
        case .unknown(_, let data): if let data { item.append(type: TeamOptionAttribute.data, bytes: data) }
        }
        if option.isRemoved { item.appendFlag(type: TeamOptionAttribute.removed) }
        if option.isChanged { item.appendFlag(type: TeamOptionAttribute.changed) }
    }

    private static func encode(_ port: TeamPortStatus, into item: inout AttributeWriter) {
        item.append(type: TeamPortAttribute.index, uint32: port.index)
        if port.isChanged { item.appendFlag(type: TeamPortAttribute.changed) }
        if port.isRemoved { item.appendFlag(type: TeamPortAttribute.removed) }
        if port.isLinkUp { item.appendFlag(type: TeamPortAttribute.linkUp) }
        item.append(type: TeamPortAttribute.speed, uint32: port.speed)
        item.append(type: TeamPortAttribute.duplex, uint8: port.duplex)
    }

    public static func decode(_ message: NetlinkMessage) throws -> TeamMessage {
        try decode(GenericNetlinkMessage.decode(message))
    }

    public static func decode(_ genl: GenericNetlinkMessage) throws -> TeamMessage {
        guard let command = TeamCommand(rawValue: genl.header.command) else {
            throw NetlinkError(.unexpectedMessage, operation: "decode team command \(genl.header.command)")
        }
        var message = TeamMessage(command: command, version: genl.header.version, teamIndex: nil)
        var reader = genl.attributeReader
        while reader.next() {
            switch reader.type {
            case TeamAttribute.teamIndex:
                message.teamIndex = reader.uint32()
            case TeamAttribute.optionList:
                message.flagsNests = reader.attribute.isNested
                var options: [TeamOption] = []
                reader.nested { list in
                    while list.next() {
                        guard list.type == TeamAttribute.optionItem else { continue }
                        list.nested { item in options.append(try decodeOption(&item)) }
                    }
                }
                message.options = options
            case TeamAttribute.portList:
                message.flagsNests = reader.attribute.isNested
                var ports: [TeamPortStatus] = []
                reader.nested { list in
                    while list.next() {
                        guard list.type == TeamAttribute.portItem else { continue }
                        list.nested { item in ports.append(try decodePort(&item)) }
                    }
                }
                message.ports = ports
            default:
                break
            }
        }
        try reader.finish()
        return message
    }

    private static func decodeOption(_ item: inout AttributeReader) throws -> TeamOption {
        var name: String?
        var type: UInt8?
        var data: [UInt8]?
        var portIndex: UInt32?
        var arrayIndex: UInt32?
        var changed = false
        var removed = false
        while item.next() {
            switch item.type {
            case TeamOptionAttribute.name: name = item.string()
            case TeamOptionAttribute.type: type = item.uint8()
            case TeamOptionAttribute.data: data = item.bytes()
            case TeamOptionAttribute.portIndex: portIndex = item.uint32()
            case TeamOptionAttribute.arrayIndex: arrayIndex = item.uint32()
            case TeamOptionAttribute.changed: changed = item.flag()
            case TeamOptionAttribute.removed: removed = item.flag()
            default: break
            }
        }
        try item.finish()
        guard let name else {
            throw NetlinkError(.missingAttribute(type: TeamOptionAttribute.name), operation: "decode team option")
        }
        guard let type else {
            throw NetlinkError(.missingAttribute(type: TeamOptionAttribute.type), operation: "decode team option \(name)")
        }
        let value: TeamOptionValue
        func need(_ size: Int?) throws -> [UInt8] {
            guard let data else {
                throw NetlinkError(.missingAttribute(type: TeamOptionAttribute.data), operation: "decode team option \(name)")
            }
            if let size, data.count != size {
                throw NetlinkError(.invalidAttribute(type: TeamOptionAttribute.data), operation: "decode team option \(name)")
            }
            return data
        }
        switch TeamOptionType(rawValue: type) {
        case .u32: value = .u32(try need(4).loadNative(UInt32.self, at: 0))
        case .s32: value = .s32(try need(4).loadNative(Int32.self, at: 0))
        case .string: value = .string(decodeString(try need(nil)))
        case .binary: value = .binary(try need(nil))
        case .bool:
            if let data, !data.isEmpty {
                throw NetlinkError(.invalidAttribute(type: TeamOptionAttribute.data), operation: "decode team option \(name)")
            }
            value = .bool(data != nil)
        case nil: value = .unknown(type: type, data: data)
        }
        return TeamOption(name: name, portIndex: portIndex, arrayIndex: arrayIndex, value: value,
                          isChanged: changed, isRemoved: removed)
    }

    private static func decodePort(_ item: inout AttributeReader) throws -> TeamPortStatus {
        var index: UInt32?
        var port = TeamPortStatus(index: 0)
        while item.next() {
            switch item.type {
            case TeamPortAttribute.index: index = item.uint32()
            case TeamPortAttribute.changed: port.isChanged = item.flag()
            case TeamPortAttribute.linkUp: port.isLinkUp = item.flag()
            case TeamPortAttribute.speed: port.speed = item.uint32()
            case TeamPortAttribute.duplex: port.duplex = item.uint8()
            case TeamPortAttribute.removed: port.isRemoved = item.flag()
            default: break
            }
        }
        try item.finish()
        guard let index else {
            throw NetlinkError(.missingAttribute(type: TeamPortAttribute.index), operation: "decode team port")
        }
        port.index = index
        return port
    }

    private static func decodeString(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    func loadNative<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value = T.zero
        Swift.withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<MemoryLayout<T>.size { raw[i] = self[offset + i] }
        }
        return value
    }
}
