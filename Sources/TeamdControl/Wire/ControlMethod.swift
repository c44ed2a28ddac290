/// A control method of teamd, the same on every transport (UNIX socket, D-Bus, ZeroMQ).
///
/// The raw value is the method's name on the wire (teamd/teamd_ctl.c
/// `teamd_ctl_method_list`); the cases are listed in that table's order.
public enum ControlMethod: String, CaseIterable, Sendable, Hashable {
    /// `PortConfigUpdate(s port_devname, s port_config)`: replaces a port's config object.
    case portConfigUpdate = "PortConfigUpdate"
    /// `PortConfigDump(s port_devname) -> s`: one port's config as JSON.
    case portConfigDump = "PortConfigDump"
    /// `PortAdd(s port_devname)`.
    case portAdd = "PortAdd"
    /// `PortRemove(s port_devname)`.
    case portRemove = "PortRemove"
    /// `ConfigDump() -> s`: the config as JSON.
    case configDump = "ConfigDump"
    /// `ConfigDumpActual() -> s`: the config with only the ports present in the team.
    case configDumpActual = "ConfigDumpActual"
    /// `StateDump() -> s`: the state tree as JSON.
    case stateDump = "StateDump"
    /// `StateItemValueGet(s state_item_path) -> s`.
    case stateItemValueGet = "StateItemValueGet"
    /// `StateItemValueSet(s state_item_path, s value)`.
    case stateItemValueSet = "StateItemValueSet"

    /// The method's name on the wire (and on D-Bus).
    public var name: String { rawValue }

    /// The names of the method's string arguments, in order, as teamd's D-Bus
    /// introspection data names them (teamd/teamd_dbus.c).
    public var argumentNames: [String] {
        switch self {
        case .portConfigUpdate: return ["port_devname", "port_config"]
        case .portConfigDump, .portAdd, .portRemove: return ["port_devname"]
        case .configDump, .configDumpActual, .stateDump: return []
        case .stateItemValueGet: return ["state_item_path"]
        case .stateItemValueSet: return ["state_item_path", "value"]
        }
    }

    /// How many string arguments the method takes.
    public var argumentCount: Int { argumentNames.count }

    /// The name of the string a successful reply carries, for D-Bus introspection; `nil`
    /// for the methods that return nothing. (The C teamd's introspection data declares no
    /// out arguments at all; these names are ours.)
    public var resultName: String? {
        switch self {
        case .portConfigDump: return "port_config"
        case .configDump, .configDumpActual: return "config"
        case .stateDump: return "state"
        case .stateItemValueGet: return "value"
        case .portConfigUpdate, .portAdd, .portRemove, .stateItemValueSet: return nil
        }
    }

    /// Whether a successful reply carries a string (D-Bus: one `s` out argument).
    /// The other methods succeed with an empty payload.
    public var returnsValue: Bool {
        switch self {
        case .portConfigDump, .configDump, .configDumpActual, .stateDump, .stateItemValueGet: return true
        case .portConfigUpdate, .portAdd, .portRemove, .stateItemValueSet: return false
        }
    }
}
