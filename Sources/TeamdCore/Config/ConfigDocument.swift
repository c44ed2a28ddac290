import TeamJSON
import Packets

/// The config as the control methods show it: what the C teamd's ConfigDump returns.
///
/// The C teamd keeps the user's JSON and writes a few defaults back into it as it
/// starts and as ports come (verified in libteam 1.32 sources):
/// - `device`: the device name in use, when the config had none or `-t` overrode it
///   (teamd.c teamd_get_devname);
/// - `runner.name`: "roundrobin" when absent (teamd.c teamd_runner_init);
/// - activebackup: `notify_peers.count` and `mcast_rejoin.count` = 1 when absent
///   (teamd_runner_activebackup.c ab_init);
/// - loadbalance and lacp: `runner.tx_hash` = ["eth", "ipv4", "ipv6"] when absent
///   (teamd_hash_func.c teamd_hash_func_set);
/// - each port, when it is added, that has no watcher of its own and no global one:
///   `ports.PORT.link_watch` = {"name": "ethtool"} (teamd_link_watch.c), creating
///   `ports` and `ports.PORT` if needed. Such entries stay after the port leaves.
/// Nothing else is written back: other defaults are applied but not shown.
///
/// A value type: the daemon owns one and replaces it on each change.
public struct ConfigDocument: Sendable, Equatable {
    /// The typed config in force, updated by `updatePort`.
    public private(set) var config: TeamdConfig
    /// The JSON ConfigDump returns, key order as the C teamd would hold it.
    public private(set) var json: JSONObject

    /// The document right after start-up: the user's config with the device name in
    /// use and the runner's defaults written back, before any port is added.
    public init(config: TeamdConfig, deviceName: String) {
        self.config = config
        var json = config.source
        json["device"] = .string(deviceName)
        Self.setIfAbsent(&json, ["runner", "name"], .string(config.runner.name))
        switch config.runner {
        case .activeBackup:
            Self.setIfAbsent(&json, ["notify_peers", "count"], .integer(1))
            Self.setIfAbsent(&json, ["mcast_rejoin", "count"], .integer(1))
        case .loadBalance, .lacp:
            Self.setIfAbsent(&json, ["runner", "tx_hash"],
                             .array(TransmitHashField.configDefaults.map { .string($0.rawValue) }))
        case .broadcast, .roundRobin, .random:
            break
        }
        self.json = json
    }

    /// Records that port `name` joined the team: writes the implicit ethtool watcher
    /// when the port has no watcher of its own and there is no global one.
    public mutating func portAdded(_ name: String) {
        let port = config.port(named: name)
        guard port.linkWatchers.isEmpty && config.linkWatchers.isEmpty else { return }
        var ports = json["ports"]?.objectValue ?? JSONObject()
        var portObject = ports[name]?.objectValue ?? JSONObject()
        // `link_watch` is absent here, or an empty array (where the C teamd fails to
        // add the port: it cannot write a name into an array).
        portObject["link_watch"] = ["name": "ethtool"]
        ports[name] = .object(portObject)
        json["ports"] = .object(ports)
    }

    /// ConfigDump.
    public func dump() -> JSONValue {
        .object(json)
    }

    /// ConfigDumpActual: the dump with `ports` holding exactly the present ports, an
    /// empty object for a present port the config does not mention.
    public func dumpActual(presentPorts: some Sequence<String>) -> JSONValue {
        let present = Array(presentPorts)
        var actual = json
        var ports = actual["ports"]?.objectValue
        if ports == nil && !present.isEmpty {
            ports = JSONObject()
        }
        if var ports {
            for name in present where !ports.contains(key: name) {
                ports[name] = .object(JSONObject())
            }
            let presentSet = Set(present)
            for name in ports.keys where !presentSet.contains(name) {
                ports.removeValue(forKey: name)
            }
            actual["ports"] = .object(ports)
        }
        return .object(actual)
    }

    /// PortConfigDump: the port's object, or `{}` when the config has none. (The
    /// caller answers NoSuchDev for a port that is not in the team, as the C teamd does.)
    public func portDump(_ name: String) -> JSONValue {
        json["ports"]?[name] ?? .object(JSONObject())
    }

    /// PortConfigUpdate: replaces the port's object with `text` (a JSON object),
    /// validated in full first; on error nothing changes. Returns the port's new
    /// config, whose settings (priority, queue_id, ...) the daemon applies, and the
    /// warnings about the new object (unknown keys).
    @discardableResult
    public mutating func updatePort(_ name: String, json text: String) throws(ConfigError)
        -> (port: PortConfig, warnings: [ConfigWarning])
    {
        let portPath = JSONPath.root.appending("ports").appending(name)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw ConfigError(path: JSONPath(portPath.components + error.path.components), kind: .invalidJSON(error))
        }
        let decoded = try TeamdConfig.decodePortUpdate(named: name, value)
        guard case .object(let newObject) = value else {
            throw ConfigError(path: portPath, kind: .wrongType(expected: "an object", found: value.typeName))
        }

        var ports = json["ports"]?.objectValue ?? JSONObject()
        ports[name] = .object(newObject)
        json["ports"] = .object(ports)

        var sourcePorts = config.source["ports"]?.objectValue ?? JSONObject()
        sourcePorts[name] = .object(newObject)
        var source = config.source
        source["ports"] = .object(sourcePorts)

        var portList = config.ports
        if let index = portList.firstIndex(where: { $0.name == name }) {
            portList[index] = decoded.port
        } else {
            portList.append(decoded.port)
        }
        config = TeamdConfig(device: config.device, hardwareAddress: config.hardwareAddress,
                             debugLevel: config.debugLevel, runner: config.runner, notifyPeers: config.notifyPeers,
                             multicastRejoin: config.multicastRejoin, linkWatchPolicy: config.linkWatchPolicy,
                             linkWatchers: config.linkWatchers, ports: portList, zeroMQAddress: config.zeroMQAddress,
                             source: source, warnings: config.warnings)
        return decoded
    }

    /// Sets `path` (object keys) to `value` unless something is there, creating the
    /// objects on the way, appended at the end as jansson does.
    private static func setIfAbsent(_ object: inout JSONObject, _ path: ArraySlice<String>, _ value: JSONValue) {
        guard let key = path.first else { return }
        if path.count == 1 {
            if object[key] == nil { object[key] = value }
            return
        }
        var child = object[key]?.objectValue ?? JSONObject()
        if object[key] != nil && object[key]?.objectValue == nil { return }  // not an object: leave it
        setIfAbsent(&child, path.dropFirst(), value)
        object[key] = .object(child)
    }

    private static func setIfAbsent(_ object: inout JSONObject, _ path: [String], _ value: JSONValue) {
        setIfAbsent(&object, path[...], value)
    }
}
