import TeamJSON
import TeamdCore

/// The result of converting a bond: the teamd.conf, and what did not convert exactly.
public struct TeamConversion: Sendable, Equatable {
    /// The team device's name (`device` in the config).
    public let device: String
    /// The teamd.conf, accepted by our teamd's config decoder.
    public let config: JSONObject
    public let messages: [ConversionMessage]

    /// `$.ports.NAME`, empty when the port has no settings of its own.
    public func portConfig(_ name: String) -> JSONObject {
        config["ports"]?[name]?.objectValue ?? JSONObject()
    }

    /// The config as a teamd.conf file: indent 4, keys in the order written, a final newline.
    public var text: String { JSONValue.object(config).serialized(JSONSerializationOptions(indent: 4)) + "\n" }
}

/// bond2team's mapping: bonding options to a teamd.conf (../../man/bond2team.1 has the table).
public enum BondToTeam {
    /// Converts `options` for a team named `device` with these ports (the bond's slaves when empty).
    /// Throws when a setting cannot be kept at all (balance-alb, an unknown option, a bad value).
    public static func convert(_ options: BondingOptions, device: String, ports: [String] = [])
        throws(ConversionError) -> TeamConversion
    {
        let settings = try BondSettings(options)
        var builder = TeamConfigBuilder(settings: settings)
        let config = try builder.build(device: device, ports: ports.isEmpty ? options.slaves : ports)
        // Our own teamd must take it: anything else is a bug here, reported rather than written.
        do {
            _ = try TeamdConfig(json: .object(config))
        } catch {
            throw ConversionError("teamd.conf", "the converted config is refused by teamd (a bond2team bug): \(error)")
        }
        return TeamConversion(device: device, config: config, messages: builder.messages)
    }
}

/// Builds the config from checked settings, recording for every option given how it was converted.
struct TeamConfigBuilder {
    let settings: BondSettings
    let mode: String
    private(set) var messages: [ConversionMessage] = []
    /// Options that were looked at (converted, or named in a message).
    private var handled: Set<String> = []

    init(settings: BondSettings) {
        self.settings = settings
        mode = settings.effective("mode")
    }

    mutating func warn(_ setting: String, _ text: String) {
        messages.append(ConversionMessage(.warning, setting, text))
    }

    mutating func note(_ setting: String, _ text: String) {
        messages.append(ConversionMessage(.note, setting, text))
    }

    /// Marks options as looked at.
    mutating func handle(_ names: String...) {
        handled.formUnion(names)
    }

    /// `name=value` as given, for messages.
    func given(_ name: String) -> String { "\(name)=\(settings.effective(name))" }

    mutating func build(device: String, ports: [String]) throws(ConversionError) -> JSONObject {
        var config: JSONObject = ["device": .string(device)]
        config["runner"] = .object(try runner())
        addPeerNotification(to: &config)
        let watchers = linkWatchers()
        if watchers.policyAll { config["link_watch_policy"] = "all" }
        if !watchers.list.isEmpty {
            config["link_watch"] = watchers.list.count == 1 ? .object(watchers.list[0]) : .array(watchers.list.map { .object($0) })
        }
        let portObjects = self.ports(ports)
        if !portObjects.isEmpty { config["ports"] = .object(portObjects) }
        reportUnhandled()
        return config
    }

    /// Every option given that no mapping looked at: it has no effect in this mode, or no teamd equivalent.
    private mutating func reportUnhandled() {
        for name in settings.order where !handled.contains(name) {
            if BondOptionCatalog.statusFiles.contains(name) && settings.source == .sysfs {
                note(given(name), "bond status, not a setting")
            } else if settings.unknown.contains(name) {
                warn(given(name), "unknown to bond2team: not converted")
            } else if let reason = Self.noEquivalent[name] {
                report(name, "no teamd equivalent: \(reason)")
            } else {
                report(name, "has no effect in mode \(mode) (the bonding driver ignores it too)")
            }
        }
    }

    /// A warning when the option is a setting someone made, a note when it is the kernel's default.
    mutating func report(_ name: String, _ text: String) {
        if settings.isSet(name) { warn(given(name), text) } else { note(given(name), "\(text); the kernel default, nothing lost") }
    }

    static let noEquivalent: [String: String] = [
        "ad_actor_system": "teamd's LACP system is the team's MAC address (set \"hwaddr\" to choose it)",
        "all_slaves_active": "teamd delivers no frame received on a disabled port to the team",
        "packets_per_slave": "teamd's roundrobin sends one packet per port in turn",
        "lp_interval": "teamd sends no learning packets",
        "use_carrier": "teamd's ethtool watcher always follows the kernel's carrier",
        "coupled_control": "teamd's lacp runner collects and distributes together",
        "active_slave": "teamd chooses the active port by prio; set one at run time with "
            + "`teamdctl DEV state item set runner.active_port PORT`",
        "max_bonds": "a module parameter, not a bond setting",
    ]
}
