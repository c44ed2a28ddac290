import NetlinkCodec

/// The "team" generic netlink family (include/uapi/linux/if_team.h).
public enum TeamFamily {
    /// TEAM_GENL_NAME
    public static let name = "team"
    /// TEAM_GENL_VERSION
    public static let version: UInt8 = 1
    /// TEAM_GENL_CHANGE_EVENT_MC_GRP_NAME
    public static let changeEventGroup = "change_event"
    /// TEAM_STRING_MAX_LEN: the kernel refuses longer string values (NUL included).
    public static let stringMaxLength = 32
}

/// TEAM_CMD_*
public enum TeamCommand: UInt8, Sendable {
    /// TEAM_CMD_NOOP
    case noop = 0
    /// TEAM_CMD_OPTIONS_SET
    case setOptions = 1
    /// TEAM_CMD_OPTIONS_GET: the request, its reply and the change event.
    case getOptions = 2
    /// TEAM_CMD_PORT_LIST_GET: the request, its reply and the change event.
    case getPorts = 3
}

/// TEAM_ATTR_*
public enum TeamAttribute {
    /// TEAM_ATTR_TEAM_IFINDEX: u32
    public static let teamIndex: UInt16 = 1
    /// TEAM_ATTR_LIST_OPTION: nest of TEAM_ATTR_ITEM_OPTION
    public static let optionList: UInt16 = 2
    /// TEAM_ATTR_LIST_PORT: nest of TEAM_ATTR_ITEM_PORT
    public static let portList: UInt16 = 3
    /// TEAM_ATTR_ITEM_OPTION
    public static let optionItem: UInt16 = 1
    /// TEAM_ATTR_ITEM_PORT
    public static let portItem: UInt16 = 1
}

/// TEAM_ATTR_OPTION_*
public enum TeamOptionAttribute {
    /// TEAM_ATTR_OPTION_NAME: string
    public static let name: UInt16 = 1
    /// TEAM_ATTR_OPTION_CHANGED: flag
    public static let changed: UInt16 = 2
    /// TEAM_ATTR_OPTION_TYPE: u8, an NLA_* type
    public static let type: UInt16 = 3
    /// TEAM_ATTR_OPTION_DATA: typed by TEAM_ATTR_OPTION_TYPE
    public static let data: UInt16 = 4
    /// TEAM_ATTR_OPTION_REMOVED: flag
    public static let removed: UInt16 = 5
    /// TEAM_ATTR_OPTION_PORT_IFINDEX: u32, for per-port options
    public static let portIndex: UInt16 = 6
    /// TEAM_ATTR_OPTION_ARRAY_INDEX: u32, for array options
    public static let arrayIndex: UInt16 = 7
}

/// TEAM_ATTR_PORT_*
public enum TeamPortAttribute {
    /// TEAM_ATTR_PORT_IFINDEX: u32
    public static let index: UInt16 = 1
    /// TEAM_ATTR_PORT_CHANGED: flag
    public static let changed: UInt16 = 2
    /// TEAM_ATTR_PORT_LINKUP: flag
    public static let linkUp: UInt16 = 3
    /// TEAM_ATTR_PORT_SPEED: u32, Mbit/s
    public static let speed: UInt16 = 4
    /// TEAM_ATTR_PORT_DUPLEX: u8
    public static let duplex: UInt16 = 5
    /// TEAM_ATTR_PORT_REMOVED: flag
    public static let removed: UInt16 = 6
}

/// The kernel's NLA_* type numbers that TEAM_ATTR_OPTION_TYPE carries.
public enum TeamOptionType: UInt8, Sendable, CaseIterable {
    /// NLA_U32
    case u32 = 3
    /// NLA_STRING
    case string = 5
    /// NLA_FLAG: a bool is DATA present (true) or absent (false).
    case bool = 6
    /// NLA_BINARY
    case binary = 11
    /// NLA_S32
    case s32 = 14
}

/// An option's value.
public enum TeamOptionValue: Hashable, Sendable {
    case u32(UInt32)
    case s32(Int32)
    case string(String)
    case bool(Bool)
    case binary([UInt8])
    /// A TEAM_ATTR_OPTION_TYPE this code does not know, kept so that it round-trips.
    case unknown(type: UInt8, data: [UInt8]?)

    /// The NLA_* number sent as TEAM_ATTR_OPTION_TYPE.
    public var typeNumber: UInt8 {
        switch self {
        case .u32: TeamOptionType.u32.rawValue
        case .s32: TeamOptionType.s32.rawValue
        case .string: TeamOptionType.string.rawValue
        case .bool: TeamOptionType.bool.rawValue
        case .binary: TeamOptionType.binary.rawValue
        case .unknown(let type, _): type
        }
    }

    public var type: TeamOptionType? { TeamOptionType(rawValue: typeNumber) }
}

/// Which option instance: options are per team, per port (with the port's ifindex) or
/// arrays (with an index), or both.
public struct TeamOptionID: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    /// TEAM_ATTR_OPTION_PORT_IFINDEX
    public var portIndex: UInt32?
    /// TEAM_ATTR_OPTION_ARRAY_INDEX
    public var arrayIndex: UInt32?

    public init(name: String, portIndex: UInt32? = nil, arrayIndex: UInt32? = nil) {
        self.name = name
        self.portIndex = portIndex
        self.arrayIndex = arrayIndex
    }

    public var description: String {
        var text = name
        if let portIndex { text += "(port \(portIndex))" }
        if let arrayIndex { text += "[\(arrayIndex)]" }
        return text
    }
}

/// The names of the team driver's options that the tools read or write (drivers/net/team), spelled once.
/// `TeamOptionID.name` stays a `String`: the kernel may report options this list lacks, and teamnl takes
/// any name from its command line; compare with `==` (a `String` against a `TeamOptionName`) or match in a
/// `switch` with `case TeamOptionName.mode:`.
public struct TeamOptionName: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // Team-wide.
    /// The mode the team runs (`activebackup`, `loadbalance`, ...); settable only without ports.
    public static let mode = TeamOptionName(rawValue: "mode")
    /// activebackup: the ifindex of the port that transmits.
    public static let activePort = TeamOptionName(rawValue: "activeport")
    /// loadbalance: the transmit hash as classic BPF (struct sock_filter array).
    public static let bpfHashFunc = TeamOptionName(rawValue: "bpf_hash_func")
    /// loadbalance: which port a hash (the array index) goes to.
    public static let lbTxHashToPortMapping = TeamOptionName(rawValue: "lb_tx_hash_to_port_mapping")
    /// loadbalance: how a hash picks its port (`hash` through the BPF program, or `hash_to_port_mapping`).
    public static let lbTxMethod = TeamOptionName(rawValue: "lb_tx_method")
    public static let notifyPeersCount = TeamOptionName(rawValue: "notify_peers_count")
    public static let notifyPeersInterval = TeamOptionName(rawValue: "notify_peers_interval")
    public static let multicastRejoinCount = TeamOptionName(rawValue: "mcast_rejoin_count")
    public static let multicastRejoinInterval = TeamOptionName(rawValue: "mcast_rejoin_interval")

    // Per port.
    /// Whether the port transmits and receives.
    public static let enabled = TeamOptionName(rawValue: "enabled")
    /// The link state teamd's watchers report (with `user_linkup_enabled` set).
    public static let userLinkup = TeamOptionName(rawValue: "user_linkup")
    /// Whether the kernel takes the port's link state from `user_linkup` rather than the carrier.
    public static let userLinkupEnabled = TeamOptionName(rawValue: "user_linkup_enabled")
    /// Newer kernels only: whether the port receives, and whether it transmits, apart (independent control).
    public static let rxEnabled = TeamOptionName(rawValue: "rx_enabled")
    public static let txEnabled = TeamOptionName(rawValue: "tx_enabled")
    /// The port's priority (teamd's `prio`).
    public static let priority = TeamOptionName(rawValue: "priority")
    /// The transmit queue the port maps to.
    public static let queueID = TeamOptionName(rawValue: "queue_id")

    public static func == (name: String, option: TeamOptionName) -> Bool { name == option.rawValue }
    public static func ~= (option: TeamOptionName, name: String) -> Bool { name == option.rawValue }
}

extension TeamOptionID {
    /// The instance of a known option: team-wide, or of port `port`.
    public init(_ name: TeamOptionName, port: UInt32? = nil, arrayIndex: UInt32? = nil) {
        self.init(name: name.rawValue, portIndex: port, arrayIndex: arrayIndex)
    }
}

/// One option instance as the kernel reports it (TEAM_ATTR_ITEM_OPTION).
public struct TeamOption: Hashable, Sendable {
    public var id: TeamOptionID
    public var value: TeamOptionValue
    /// TEAM_ATTR_OPTION_CHANGED: changed since the kernel last reported it.
    public var isChanged: Bool
    /// TEAM_ATTR_OPTION_REMOVED: the instance is gone (its port left, or the mode changed).
    public var isRemoved: Bool

    public init(id: TeamOptionID, value: TeamOptionValue, isChanged: Bool = false, isRemoved: Bool = false) {
        self.id = id
        self.value = value
        self.isChanged = isChanged
        self.isRemoved = isRemoved
    }

    public init(name: String, portIndex: UInt32? = nil, arrayIndex: UInt32? = nil, value: TeamOptionValue,
                isChanged: Bool = false, isRemoved: Bool = false) {
        self.init(id: TeamOptionID(name: name, portIndex: portIndex, arrayIndex: arrayIndex), value: value,
                  isChanged: isChanged, isRemoved: isRemoved)
    }

    public var name: String { id.name }
    public var portIndex: UInt32? { id.portIndex }
    public var arrayIndex: UInt32? { id.arrayIndex }
}

/// TEAM_ATTR_PORT_DUPLEX values (ethtool's DUPLEX_*).
public enum Duplex {
    public static let half: UInt8 = 0
    public static let full: UInt8 = 1
    public static let unknown: UInt8 = 0xff
}

/// One port as the kernel reports it (TEAM_ATTR_ITEM_PORT).
public struct TeamPortStatus: Hashable, Sendable {
    /// TEAM_ATTR_PORT_IFINDEX
    public var index: UInt32
    /// TEAM_ATTR_PORT_LINKUP: the kernel's view (user_linkup when user_linkup_enabled).
    public var isLinkUp: Bool
    /// TEAM_ATTR_PORT_SPEED in Mbit/s; 0 while the link is down.
    public var speed: UInt32
    /// TEAM_ATTR_PORT_DUPLEX: see `Duplex`.
    public var duplex: UInt8
    /// TEAM_ATTR_PORT_CHANGED
    public var isChanged: Bool
    /// TEAM_ATTR_PORT_REMOVED: the port left the team.
    public var isRemoved: Bool

    public init(index: UInt32, isLinkUp: Bool = false, speed: UInt32 = 0, duplex: UInt8 = Duplex.half,
                isChanged: Bool = false, isRemoved: Bool = false) {
        self.index = index
        self.isLinkUp = isLinkUp
        self.speed = speed
        self.duplex = duplex
        self.isChanged = isChanged
        self.isRemoved = isRemoved
    }

    public var isFullDuplex: Bool { duplex != Duplex.half }
}
