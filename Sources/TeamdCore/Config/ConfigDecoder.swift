import Packets
import TeamJSON

extension TeamdConfig {
    /// Decodes teamd.conf text (from `-f` or `-c`). Duplicate keys are refused, as
    /// the C teamd refuses them (JSON_REJECT_DUPLICATES).
    public init(parsing text: String) throws(ConfigError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw ConfigError(path: error.path, kind: .invalidJSON(error))
        }
        try self.init(json: json)
    }

    /// Decodes a parsed config. The root must be an object.
    public init(json: JSONValue) throws(ConfigError) {
        var warnings: [ConfigWarning] = []
        var root = try ObjectReader(json, at: .root)

        let device = try root.string("device")
        if let device {
            try validateInterfaceName(device, at: root.path.appending("device"))
        }
        var hardwareAddress: EthernetAddress?
        if let text = try root.string("hwaddr") {
            hardwareAddress = try decodeHardwareAddress(text, at: root.path.appending("hwaddr"))
        }
        let debugLevel = try root.integer("debug_level", in: 0...Int64(Int32.max)) ?? 0

        let runnerResult = try decodeRunner(root.take("runner"), at: root.path.appending("runner"))
        warnings += runnerResult.warnings
        let runner = runnerResult.runner
        let zeroMQAddress = runnerResult.zeroMQAddress

        // activebackup announces a failover once by default (ab_init writes count 1).
        let announceByDefault: UInt32? = { if case .activeBackup = runner { return 1 } else { return nil } }()
        let notifyPeers = try decodePeerNotification(root.take("notify_peers"), at: root.path.appending("notify_peers"),
                                                     defaultCount: announceByDefault, warnings: &warnings)
        let multicastRejoin = try decodePeerNotification(root.take("mcast_rejoin"),
                                                         at: root.path.appending("mcast_rejoin"),
                                                         defaultCount: announceByDefault, warnings: &warnings)

        var linkWatchPolicy = LinkWatchPolicy.any
        if let name = try root.string("link_watch_policy") {
            linkWatchPolicy = try decodeName(name, as: LinkWatchPolicy.self, at: root.path.appending("link_watch_policy"))
        }
        let linkWatchers = try decodeLinkWatchers(root.take("link_watch"), at: root.path.appending("link_watch"),
                                                  warnings: &warnings)

        var ports: [PortConfig] = []
        if let portsValue = root.take("ports") {
            let portsPath = root.path.appending("ports")
            guard case .object(let object) = portsValue else {
                throw ConfigError(path: portsPath, kind: .wrongType(expected: "an object", found: portsValue.typeName))
            }
            for (name, value) in object {
                ports.append(try decodePort(named: name, value, at: portsPath.appending(name), warnings: &warnings))
            }
        }

        warnings = root.unknownKeyWarnings() + warnings
        self.init(device: device, hardwareAddress: hardwareAddress, debugLevel: Int(debugLevel), runner: runner,
                  notifyPeers: notifyPeers, multicastRejoin: multicastRejoin, linkWatchPolicy: linkWatchPolicy,
                  linkWatchers: linkWatchers, ports: ports, zeroMQAddress: zeroMQAddress, source: root.object,
                  warnings: warnings)
    }

    /// Decodes one port's object, in the context of this config (for `PortConfigUpdate`).
    static func decodePortUpdate(named name: String, _ value: JSONValue) throws(ConfigError)
        -> (port: PortConfig, warnings: [ConfigWarning])
    {
        var warnings: [ConfigWarning] = []
        let port = try decodePort(named: name, value, at: JSONPath.root.appending("ports").appending(name),
                                  warnings: &warnings)
        return (port, warnings)
    }
}

// MARK: - Reading objects

/// Reads one JSON object: typed getters that name the path on error, and a record of
/// the keys used so that the rest can be reported as unknown.
struct ObjectReader {
    let object: JSONObject
    let path: JSONPath
    private var used: Set<String> = []

    init(_ value: JSONValue, at path: JSONPath) throws(ConfigError) {
        guard case .object(let object) = value else {
            throw ConfigError(path: path, kind: .wrongType(expected: "an object", found: value.typeName))
        }
        self.object = object
        self.path = path
    }

    /// The value of `key`, marking the key as used.
    mutating func take(_ key: String) -> JSONValue? {
        used.insert(key)
        return object[key]
    }

    /// Marks keys as known but unused here; they get `reason` as a warning when present.
    mutating func ignore(_ keys: [String], reason: String) -> [ConfigWarning] {
        var warnings: [ConfigWarning] = []
        let ignored = Set(keys)
        // In the order written, so that messages are reproducible.
        for key in object.keys where ignored.contains(key) && !used.contains(key) {
            used.insert(key)
            warnings.append(ConfigWarning(path: path.appending(key), message: reason))
        }
        return warnings
    }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = take(key) else { return nil }
        guard case .string(let text) = value else {
            throw ConfigError(path: path.appending(key), kind: .wrongType(expected: "a string", found: value.typeName))
        }
        return text
    }

    /// JSON `true`/`false` only: the C teamd silently uses the default for anything
    /// else (`"yes"`, `1`), which hides typos; we refuse.
    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = take(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw ConfigError(path: path.appending(key),
                              kind: .wrongType(expected: "a boolean (true or false)", found: value.typeName))
        }
        return flag
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let value = take(key) else { return nil }
        guard case .integer(let number) = value else {
            throw ConfigError(path: path.appending(key), kind: .wrongType(expected: "an integer", found: value.typeName))
        }
        guard range.contains(number) else {
            throw ConfigError(path: path.appending(key), kind: .outOfRange(value: number, range: range))
        }
        return number
    }

    /// A millisecond count (C `int`, not negative).
    mutating func milliseconds(_ key: String) throws(ConfigError) -> Duration? {
        try integer(key, in: 0...Int64(Int32.max)).map { Duration.milliseconds($0) }
    }

    func unknownKeyWarnings(context: String? = nil) -> [ConfigWarning] {
        object.keys.filter { !used.contains($0) }.map { key in
            ConfigWarning(path: path.appending(key), message: context.map { "unknown key for \($0)" } ?? "unknown key")
        }
    }
}

let nonNegativeInt: ClosedRange<Int64> = 0...Int64(Int32.max)

func decodeName<Value: RawRepresentable & CaseIterable>(_ name: String, as _: Value.Type,
                                                               at path: JSONPath) throws(ConfigError) -> Value
    where Value.RawValue == String
{
    guard let value = Value(rawValue: name) else {
        throw ConfigError(path: path, kind: .unknownValue(name, allowed: Value.allCases.map(\.rawValue)))
    }
    return value
}

// MARK: - Global pieces

/// The kernel's dev_valid_name (net/core/dev.c): 1 to 15 bytes (IFNAMSIZ - 1), not
/// "." or "..", no '/', ':' or white space. '%' is refused too: the kernel would
/// expand it into a number and teamd would not know its device's name.
func validateInterfaceName(_ name: String, at path: JSONPath) throws(ConfigError) {
    let bytes = Array(name.utf8)
    let reason: String?
    if bytes.isEmpty {
        reason = "an interface name cannot be empty"
    } else if bytes.count > 15 {
        reason = "an interface name has at most 15 bytes"
    } else if name == "." || name == ".." {
        reason = "\".\" and \"..\" are not interface names"
    } else if bytes.contains(where: { [0x2F, 0x3A, 0x25, 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains($0) }) {
        reason = "an interface name cannot contain '/', ':', '%' or white space"
    } else if bytes.contains(0) {
        reason = "an interface name cannot contain NUL"
    } else {
        reason = nil
    }
    if let reason {
        throw ConfigError(path: path, kind: .invalidValue(name, reason: reason))
    }
}

private func decodeHardwareAddress(_ text: String, at path: JSONPath) throws(ConfigError) -> EthernetAddress {
    guard let address = EthernetAddress(text) else {
        throw ConfigError(path: path, kind: .invalidValue(
            text, reason: "expected a MAC address of six hex octets separated by ':'"))
    }
    // The kernel refuses these for an Ethernet device (is_valid_ether_addr).
    guard !address.isMulticast, !address.isZero else {
        throw ConfigError(path: path, kind: .invalidValue(
            text, reason: "a device address cannot be multicast or all zeros"))
    }
    return address
}

private func decodePeerNotification(_ value: JSONValue?, at path: JSONPath, defaultCount: UInt32?,
                                    warnings: inout [ConfigWarning]) throws(ConfigError) -> PeerNotificationConfig
{
    guard let value else { return PeerNotificationConfig(count: defaultCount) }
    var reader = try ObjectReader(value, at: path)
    let count = try reader.integer("count", in: nonNegativeInt).map { UInt32($0) } ?? defaultCount
    let interval = try reader.integer("interval", in: nonNegativeInt).map { UInt32($0) }
    warnings += reader.unknownKeyWarnings()
    return PeerNotificationConfig(count: count, interval: interval)
}

// MARK: - Runner

private let runnerKeysByRunner: [String: [String]] = [
    "activebackup": ["hwaddr_policy"],
    "loadbalance": ["tx_hash", "tx_balancer"],
    "lacp": ["tx_hash", "tx_balancer", "active", "fast_rate", "sys_prio", "min_ports", "agg_select_policy",
             "fallback", "fallback_method", "enable_retry_count", "retry_count", "coupled_control"],
]

private func decodeRunner(_ value: JSONValue?, at path: JSONPath) throws(ConfigError)
    -> (runner: RunnerConfig, zeroMQAddress: String?, warnings: [ConfigWarning])
{
    guard let value else { return (.roundRobin, nil, []) }
    var reader = try ObjectReader(value, at: path)
    let name = try reader.string("name") ?? RunnerConfig.defaultName
    // teamd_zmq.c reads its address here when -Z gives none, whatever the runner.
    let zeroMQAddress = try reader.string("addr")
    var warnings: [ConfigWarning] = []
    var runner: RunnerConfig
    switch name {
    case "broadcast": runner = .broadcast
    case "roundrobin": runner = .roundRobin
    case "random": runner = .random
    case "activebackup":
        var policy = HardwareAddressPolicy.sameAll
        if let policyName = try reader.string("hwaddr_policy") {
            policy = try decodeName(policyName, as: HardwareAddressPolicy.self, at: path.appending("hwaddr_policy"))
        }
        runner = .activeBackup(ActiveBackupConfig(hardwareAddressPolicy: policy))
    case "loadbalance":
        runner = .loadBalance(try decodeLoadBalance(&reader, warnings: &warnings))
    case "lacp":
        let loadBalance = try decodeLoadBalance(&reader, warnings: &warnings)
        let active = try reader.bool("active") ?? true
        let fastRate = try reader.bool("fast_rate") ?? false
        let systemPriority = try reader.integer("sys_prio", in: 0...65535).map { UInt16($0) } ?? 65535
        let minimumPorts = try reader.integer("min_ports", in: 1...1024).map { Int($0) } ?? 1
        var policy = AggregatorSelectPolicy.lacpPriority
        if let policyName = try reader.string("agg_select_policy") {
            policy = try decodeName(policyName, as: AggregatorSelectPolicy.self, at: path.appending("agg_select_policy"))
        }
        // SONiC's keys (libteam patches 0003, 0020, 0015).
        let fallback = try reader.bool("fallback") ?? false
        var fallbackMethod = LACPFallbackMethod.single
        if let name = try reader.string("fallback_method") {
            fallbackMethod = try decodeName(name, as: LACPFallbackMethod.self, at: path.appending("fallback_method"))
        }
        let enableRetryCount = try reader.bool("enable_retry_count") ?? true
        let retryCount = try reader.integer("retry_count", in: 3...255).map { UInt8($0) } ?? 3
        runner = .lacp(LACPConfig(active: active, fastRate: fastRate, systemPriority: systemPriority,
                                  minimumPorts: minimumPorts, aggregatorSelectPolicy: policy,
                                  loadBalance: loadBalance, fallback: fallback, fallbackMethod: fallbackMethod,
                                  enableRetryCount: enableRetryCount, retryCount: retryCount))
        if case .lacp(var lacp) = runner, let coupled = try reader.bool("coupled_control") {
            lacp.coupledControl = coupled
            runner = .lacp(lacp)
        }
    default:
        throw ConfigError(path: path.appending("name"), kind: .unknownValue(name, allowed: RunnerConfig.names))
    }
    // Keys that belong to other runners: the C teamd never reads them; say so.
    let otherKeys = runnerKeysByRunner.values.flatMap { $0 }
    warnings += reader.ignore(otherKeys, reason: "not used by the \(name) runner")
    warnings += reader.unknownKeyWarnings()
    return (runner, zeroMQAddress, warnings)
}

private func decodeLoadBalance(_ reader: inout ObjectReader,
                               warnings: inout [ConfigWarning]) throws(ConfigError) -> LoadBalanceConfig {
    var txHash = TransmitHashField.configDefaults
    if let value = reader.take("tx_hash") {
        let path = reader.path.appending("tx_hash")
        guard case .array(let elements) = value else {
            throw ConfigError(path: path, kind: .wrongType(expected: "an array of strings", found: value.typeName))
        }
        txHash = []
        for (index, element) in elements.enumerated() {
            guard case .string(let name) = element else {
                throw ConfigError(path: path.appending(index: index),
                                  kind: .wrongType(expected: "a string", found: element.typeName))
            }
            txHash.append(try decodeName(name, as: TransmitHashField.self, at: path.appending(index: index)))
        }
    }
    var balancer: TxBalancerConfig?
    if let value = reader.take("tx_balancer") {
        var balancerReader = try ObjectReader(value, at: reader.path.appending("tx_balancer"))
        let interval = try balancerReader.integer("balancing_interval", in: nonNegativeInt).map { UInt32($0) } ?? 50
        if let name = try balancerReader.string("name") {
            let kind = try decodeName(name, as: TxBalancerConfig.Kind.self,
                                      at: balancerReader.path.appending("name"))
            balancer = TxBalancerConfig(kind: kind, balancingInterval: interval)
        }
        warnings += balancerReader.unknownKeyWarnings()
    }
    return LoadBalanceConfig(txHash: txHash, txBalancer: balancer)
}

// MARK: - Ports

private func decodePort(named name: String, _ value: JSONValue, at path: JSONPath,
                        warnings: inout [ConfigWarning]) throws(ConfigError) -> PortConfig
{
    try validateInterfaceName(name, at: path)
    var reader = try ObjectReader(value, at: path)
    let priority = try reader.integer("prio", in: Int64(Int32.min)...Int64(Int32.max)).map { Int32($0) } ?? 0
    let queueID = try reader.integer("queue_id", in: nonNegativeInt).map { UInt32($0) }
    let sticky = try reader.bool("sticky") ?? false
    let lacpPriority = try reader.integer("lacp_prio", in: 0...65535).map { UInt16($0) } ?? 255
    let lacpKey = try reader.integer("lacp_key", in: 0...65535).map { UInt16($0) } ?? 0
    let linkWatchers = try decodeLinkWatchers(reader.take("link_watch"), at: path.appending("link_watch"),
                                              warnings: &warnings)
    warnings += reader.unknownKeyWarnings()
    let settings = PortSettings(priority: priority, queueID: queueID, isSticky: sticky,
                                lacpPriority: lacpPriority, lacpKey: lacpKey)
    return PortConfig(name: name, settings: settings, linkWatchers: linkWatchers)
}
