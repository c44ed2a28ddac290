import TeamJSON
import TeamWire
import Packets

/// The `setup` part of the state: how this teamd was started.
public struct SetupState: Sendable {
    public var runnerName: String
    public var kernelModeName: String
    public var dbusEnabled = false
    public var zmqEnabled = false
    public var debugLevel = 0
    public var daemonized = false
    public var pid: Int32
    public var pidFile: String

    public init(runnerName: String, kernelModeName: String, dbusEnabled: Bool = false, zmqEnabled: Bool = false,
                debugLevel: Int = 0, daemonized: Bool = false, pid: Int32, pidFile: String) {
        self.runnerName = runnerName
        self.kernelModeName = kernelModeName
        self.dbusEnabled = dbusEnabled
        self.zmqEnabled = zmqEnabled
        self.debugLevel = debugLevel
        self.daemonized = daemonized
        self.pid = pid
        self.pidFile = pidFile
    }
}

/// The state tree that StateDump returns and StateItemValueGet/Set walk, with the keys and value types of
/// the C teamd (so that the C teamdctl renders it):
/// `setup`, `team_device.ifinfo`, `ports.IF.{ifinfo, link, link_watches, runner}`, `runner`.
public enum StateTree {
    public static func ifinfo(name: String, index: UInt32, address: EthernetAddress) -> JSONValue {
        .object([
            "ifindex": .integer(Int64(index)), "ifname": .string(name),
            "dev_addr": .string(address.description), "dev_addr_len": .integer(Int64(address.bytes.count)),
        ])
    }

    public static func dump(engine: TeamEngine, setup: SetupState, teamName: String, teamIndex: UInt32) -> JSONValue {
        var root = JSONObject()
        let context = engine.context
        var ports = JSONObject()
        for port in engine.ports.ports {
            var entry = JSONObject()
            entry["ifinfo"] = ifinfo(name: port.name, index: port.index, address: port.address)
            entry["link"] = .object([
                "up": .bool(port.kernelLink.isLinkUp), "speed": .integer(Int64(port.kernelLink.speed)),
                "duplex": .string(port.kernelLink.isFullDuplex ? "full" : "half"),
            ])
            var list = JSONObject()
            for (i, watcher) in engine.watcherStates(of: port.index).enumerated() {
                list["link_watch_\(i)"] = .object(watcher)
            }
            entry["link_watches"] = .object(["list": .object(list), "up": .bool(port.isLinkUp)])
            if let runner = engine.runner.portState(port, context: context) { entry["runner"] = .object(runner) }
            ports[port.name] = .object(entry)
        }
        if !ports.isEmpty { root["ports"] = .object(ports) }
        if let runner = engine.runner.state(context: context) { root["runner"] = .object(runner) }
        root["setup"] = .object([
            "runner_name": .string(setup.runnerName), "kernel_team_mode_name": .string(setup.kernelModeName),
            "dbus_enabled": .bool(setup.dbusEnabled), "zmq_enabled": .bool(setup.zmqEnabled),
            "debug_level": .integer(Int64(setup.debugLevel)), "daemonized": .bool(setup.daemonized),
            "pid": .integer(Int64(setup.pid)), "pid_file": .string(setup.pidFile),
        ])
        root["team_device"] = .object(["ifinfo": ifinfo(name: teamName, index: teamIndex,
                                                         address: engine.teamAddress)])
        return .object(root)
    }

    public enum ItemError: Error, Equatable, Sendable {
        /// PathDoesNotExist
        case pathDoesNotExist
        /// ItemValueGetFail: the path names a subtree, not a value.
        case notAValue
    }

    /// Splits an item path the way the state is laid out: `ports.IF.rest` takes IF as a whole port name,
    /// so a name with dots (`eth0.100`) works and `Ethernet4` never matches `Ethernet40` (a C teamd bug).
    public static func components(of path: String, portNames: [String]) -> [String]? {
        let prefix = "ports."
        guard path.hasPrefix(prefix) else { return path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        let rest = path.dropFirst(prefix.count)
        // The longest port name that is followed by a dot.
        let match = portNames.filter { rest.hasPrefix($0 + ".") }.max { $0.count < $1.count }
        guard let name = match else { return nil }
        let tail = rest.dropFirst(name.count + 1)
        return ["ports", name] + tail.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// StateItemValueGet: strings as they are, integers in decimal, booleans as true/false.
    public static func itemValue(_ path: String, in state: JSONValue, portNames: [String]) throws(ItemError) -> String {
        guard let parts = components(of: path, portNames: portNames) else { throw .pathDoesNotExist }
        var node = state
        for part in parts {
            guard let next = node[part] else { throw .pathDoesNotExist }
            node = next
        }
        switch node {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return String(d)
        case .null, .array, .object: throw .pathDoesNotExist
        }
    }
}
