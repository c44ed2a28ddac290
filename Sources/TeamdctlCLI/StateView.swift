import TeamdControl
import TeamJSON

/// The text of `teamdctl DEV state view` (utils/teamdctl.c `stateview_json_process`),
/// rendered from a state dump.
///
/// It reproduces the C tool exactly, including what it checks: every field the C tool
/// unpacks must be there with its JSON type (integers, booleans, strings), even the
/// ones it only prints with `-v`, and the first missing one stops the view with the C
/// tool's message after whatever was printed so far. Objects are walked in the order
/// of the dump (teamd sends sorted keys, so ports come sorted by name).
public struct StateViewRendering: Hashable, Sendable {
    /// What teamdctl prints on standard output.
    public var text: String
    /// The C tool's message (without the newline) when the dump lacks something the
    /// view needs; teamdctl prints it on standard error and fails with EINVAL.
    public var failure: String?

    public init(text: String, failure: String? = nil) {
        self.text = text
        self.failure = failure
    }
}

public enum StateView {
    /// Renders a state dump. `verbosity` counts teamdctl's `-v` flags: 0 is the plain
    /// view, 1 or more adds the details (`pr_out2` lines).
    public static func render(_ state: JSONValue, verbosity: Int = 0) -> StateViewRendering {
        var renderer = StateViewRenderer(verbosity: verbosity)
        do throws(StateViewRenderer.Failure) {
            try renderer.render(state)
            return StateViewRendering(text: renderer.output)
        } catch {
            return StateViewRendering(text: renderer.output, failure: error.message)
        }
    }
}

/// jansson's `json_unpack` conversions as teamdctl uses them: `i` takes only JSON
/// integers (as a C int), `b` only booleans, `s` only strings, `o` anything.
private struct Unpacker {
    let object: JSONObject
    let failure: StateViewRenderer.Failure

    init(_ value: JSONValue?, failure message: String) throws(StateViewRenderer.Failure) {
        failure = StateViewRenderer.Failure(message: message)
        guard case .object(let object)? = value else { throw failure }
        self.object = object
    }

    func object(_ key: String) throws(StateViewRenderer.Failure) -> Unpacker {
        try Unpacker(object[key], failure: failure.message)
    }

    func value(_ key: String) throws(StateViewRenderer.Failure) -> JSONValue {
        guard let value = object[key] else { throw failure }
        return value
    }

    func int(_ key: String) throws(StateViewRenderer.Failure) -> Int32 {
        guard case .integer(let value)? = object[key] else { throw failure }
        return Int32(truncatingIfNeeded: value)
    }

    func bool(_ key: String) throws(StateViewRenderer.Failure) -> Bool {
        guard case .bool(let value)? = object[key] else { throw failure }
        return value
    }

    func string(_ key: String) throws(StateViewRenderer.Failure) -> String {
        guard case .string(let value)? = object[key] else { throw failure }
        return value
    }
}

private struct StateViewRenderer {
    struct Failure: Error {
        var message: String
    }

    let verbosity: Int
    var output = ""
    private var indent = 0

    init(verbosity: Int) {
        self.verbosity = verbosity
    }

    // teamdctl's printing: `pr_out` always, `pr_out2` from one -v on, each line
    // prefixed by the current indent (2 spaces a level, at most 32).
    private mutating func out(_ text: String) {
        output += String(repeating: " ", count: indent) + text + "\n"
    }

    private mutating func out2(_ text: String) {
        if verbosity >= 1 { out(text) }
    }

    private mutating func indentIn() {
        if indent + 2 <= 32 { indent += 2 }
    }

    private mutating func indentOut() {
        if indent >= 2 { indent -= 2 }
    }

    private static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
    private static func upDown(_ value: Bool) -> String { value ? "up" : "down" }

    mutating func render(_ state: JSONValue) throws(Failure) {
        let runnerName = try renderSetup(state)
        try renderPorts(state, runnerName: runnerName)
        try renderRunner(state, runnerName: runnerName)
    }

    private mutating func renderSetup(_ state: JSONValue) throws(Failure) -> String {
        out("setup:")
        let setup = try Unpacker(state, failure: "Failed to parse JSON setup dump.").object("setup")
        let runnerName = try setup.string("runner_name")
        let kernelMode = try setup.string("kernel_team_mode_name")
        let dbus = try setup.bool("dbus_enabled")
        let zmq = try setup.bool("zmq_enabled")
        let debugLevel = try setup.int("debug_level")
        let daemonized = try setup.bool("daemonized")
        let pid = try setup.int("pid")
        let pidFile = try setup.string("pid_file")
        indentIn()
        out("runner: \(runnerName)")
        out2("kernel team mode: \(kernelMode)")
        out2("D-BUS enabled: \(Self.yesNo(dbus))")
        out2("ZeroMQ enabled: \(Self.yesNo(zmq))")
        out2("debug level: \(debugLevel)")
        out2("daemonized: \(Self.yesNo(daemonized))")
        out2("PID: \(pid)")
        out2("PID file: \(pidFile)")
        indentOut()
        return runnerName
    }

    private mutating func renderPorts(_ state: JSONValue, runnerName: String) throws(Failure) {
        // No "ports" member: no section at all. A "ports" that is not an object: the
        // heading and nothing under it.
        guard let ports = state["ports"] else { return }
        out("ports:")
        guard case .object(let members) = ports else { return }
        for (name, port) in members {
            indentIn()
            try renderPort(name: name, port, runnerName: runnerName)
            indentOut()
        }
    }

    private mutating func renderPort(name: String, _ port: JSONValue, runnerName: String) throws(Failure) {
        let unpack = try Unpacker(port, failure: "Failed to parse JSON port dump.")
        let ifinfo = try unpack.object("ifinfo")
        let address = try ifinfo.string("dev_addr")
        _ = try ifinfo.int("dev_addr_len")
        let ifindex = try ifinfo.int("ifindex")
        _ = try ifinfo.string("ifname")
        let link = try unpack.object("link")
        let duplex = try link.string("duplex")
        let speed = try link.int("speed")
        let up = try link.bool("up")
        let linkWatches = try unpack.value("link_watches")
        out(name)
        indentIn()
        out2("ifindex: \(ifindex)")
        out2("addr: \(address)")
        out2("ethtool link: \(speed)mbit/\(duplex)duplex/\(Self.upDown(up))")
        try renderLinkWatches(linkWatches)
        try renderPortRunner(port, runnerName: runnerName)
        indentOut()
    }

    private mutating func renderLinkWatches(_ linkWatches: JSONValue) throws(Failure) {
        let up = try Unpacker(linkWatches, failure: "Failed to parse JSON port link watches dump.").bool("up")
        out("link watches:")
        indentIn()
        out("link summary: \(Self.upDown(up))")
        // Without a "list" the C tool prints no instances and goes on.
        if case .object(let list)? = linkWatches["list"] {
            for (key, watch) in list {
                let unpack = try Unpacker(watch, failure: "Failed to parse JSON port link watch dump.")
                let watchUp = try unpack.bool("up")
                let name = try unpack.string("name")
                let downCount = try unpack.int("down_count")
                out("instance[\(key)]:")
                indentIn()
                out("name: \(name)")
                out("link: \(Self.upDown(watchUp))")
                out("down count: \(downCount)")
                try renderLinkWatchDetails(name: name, watch)
                indentOut()
            }
        }
        indentOut()
    }

    private mutating func renderLinkWatchDetails(name: String, _ watch: JSONValue) throws(Failure) {
        switch name {
        case "ethtool":
            let unpack = try Unpacker(watch, failure: "Failed to parse JSON ethtool link watch dump.")
            let delayUp = try unpack.int("delay_up")
            let delayDown = try unpack.int("delay_down")
            out2("link up delay: \(delayUp)")
            out2("link down delay: \(delayDown)")
        case "arp_ping":
            let unpack = try Unpacker(watch, failure: "Failed to parse JSON arp_ping link watch dump.")
            let source = try unpack.string("source_host")
            let target = try unpack.string("target_host")
            let interval = try unpack.int("interval")
            let initWait = try unpack.int("init_wait")
            let validateActive = try unpack.bool("validate_active")
            let validateInactive = try unpack.bool("validate_inactive")
            let sendAlways = try unpack.bool("send_always")
            let missedMax = try unpack.int("missed_max")
            let missed = try unpack.int("missed")
            out2("source host: \(source)")
            out2("target host: \(target)")
            out2("interval: \(interval)")
            out2("missed packets: \(missed)/\(missedMax)")
            out2("validate_active: \(Self.yesNo(validateActive))")
            out2("validate_inactive: \(Self.yesNo(validateInactive))")
            out2("send_always: \(Self.yesNo(sendAlways))")
            out2("initial wait: \(initWait)")
        case "nsna_ping":
            let unpack = try Unpacker(watch, failure: "Failed to parse JSON nsna_ping link watch dump.")
            let target = try unpack.string("target_host")
            let interval = try unpack.int("interval")
            let initWait = try unpack.int("init_wait")
            let missedMax = try unpack.int("missed_max")
            let missed = try unpack.int("missed")
            out2("target host: \(target)")
            out2("interval: \(interval)")
            out2("missed packets: \(missed)/\(missedMax)")
            out2("initial wait: \(initWait)")
        case "tipc":
            // The C message has no full stop here.
            let bearer = try Unpacker(watch, failure: "Failed to parse JSON tipc_bearer link watch dump")
                .string("tipc_bearer")
            out2("tipc bearer: \(bearer)")
        default:
            throw Failure(message: "Failed to parse JSON unknown link watch info dump.")
        }
    }

    private mutating func renderPortRunner(_ port: JSONValue, runnerName: String) throws(Failure) {
        guard runnerName == "lacp" else { return }
        out("runner:")
        let runner = try Unpacker(port, failure: "Failed to parse JSON port runner dump.").object("runner")
        let selected = try runner.bool("selected")
        let aggregator = try runner.object("aggregator")
        let aggregatorID = try aggregator.int("id")
        let aggregatorSelected = try aggregator.bool("selected")
        let state = try runner.string("state")
        let key = try runner.int("key")
        let prio = try runner.int("prio")
        let actor = try runner.value("actor_lacpdu_info")
        let partner = try runner.value("partner_lacpdu_info")
        indentIn()
        out("aggregator ID: \(aggregatorID)\(aggregatorSelected ? ", Selected" : "")")
        out("selected: \(Self.yesNo(selected))")
        out("state: \(state)")
        out2("key: \(key)")
        out2("priority: \(prio)")
        out2("actor LACPDU info:")
        indentIn()
        try renderLACPDU(actor)
        indentOut()
        out2("partner LACPDU info:")
        indentIn()
        try renderLACPDU(partner)
        indentOut()
        if runner.object["statistics"] != nil {
            try renderLACPStatistics(try runner.object("statistics"))
        }
        indentOut()
    }

    /// Our teamd's (and SONiC's proposed) `ports.X.runner.statistics`, with -v; the C teamd has none.
    private mutating func renderLACPStatistics(_ statistics: Unpacker) throws(Failure) {
        let lines = [("LACPDUs received", "lacpdu_rx_stats"), ("LACPDUs sent", "lacpdu_tx_stats"),
                     ("illegal LACPDUs", "lacpdu_illegal_pkts"), ("marker PDUs received", "marker_pdu_rx_stats"),
                     ("partner churns", "partner_churn_count")]
        out2("statistics:")
        indentIn()
        for (label, key) in lines { out2("\(label): \(try statistics.int(key))") }
        out2("last LACPDU received: \(try statistics.string("last_lacpdu_rx_time"))")
        out2("last LACPDU sent: \(try statistics.string("last_lacpdu_tx_time"))")
        indentOut()
    }

    private mutating func renderLACPDU(_ info: JSONValue) throws(Failure) {
        let unpack = try Unpacker(info, failure: "Failed to parse JSON port runner lacpdu dump.")
        let systemPriority = try unpack.int("system_priority")
        let system = try unpack.string("system")
        let key = try unpack.int("key")
        let portPriority = try unpack.int("port_priority")
        let port = try unpack.int("port")
        let state = try unpack.int("state")
        out2("system priority: \(systemPriority)")
        out2("system: \(system)")
        out2("key: \(key)")
        out2("port_priority: \(portPriority)")
        out2("port: \(port)")
        out2("state: 0x\(String(UInt32(bitPattern: state), radix: 16))")
    }

    private mutating func renderRunner(_ state: JSONValue, runnerName: String) throws(Failure) {
        switch runnerName {
        case "activebackup":
            out("runner:")
            let activePort = try Unpacker(state, failure: "Failed to parse JSON runner dump.").object("runner")
                .string("active_port")
            indentIn()
            out("active port: \(activePort)")
            indentOut()
        case "lacp":
            out("runner:")
            let runner = try Unpacker(state, failure: "Failed to parse JSON runner dump.").object("runner")
            let active = try runner.bool("active")
            let systemPriority = try runner.int("sys_prio")
            let fastRate = try runner.bool("fast_rate")
            indentIn()
            out("active: \(Self.yesNo(active))")
            out("fast rate: \(Self.yesNo(fastRate))")
            // SONiC's teamdctl (patch 0020) shows fallback; only when the dump has it, as the C teamd's has not.
            if runner.object["fallback"] != nil { out("fallback: \(Self.yesNo(try runner.bool("fallback")))") }
            out2("system priority: \(systemPriority)")
            indentOut()
        default:
            break
        }
    }
}
