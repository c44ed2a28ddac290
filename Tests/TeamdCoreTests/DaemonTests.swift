import Glibc
import Testing
import TeamJSON
import TeamKit
import TeamTesting
import TeamWire
import TeamdControl
@testable import TeamdCore

/// The whole daemon against the in-memory kernel: real TeamKit and codecs underneath, no root needed.
final class DaemonHarness {
    let kernel = FakeKernel()
    let config: TeamdConfig
    let options: DaemonOptions
    private var started: Daemon?
    /// The daemon, once `start()` made it.
    var daemon: Daemon { started! }

    init(_ configText: String, ports: [String] = ["eth0", "eth1"], options: (inout DaemonOptions) -> Void = { _ in }) throws {
        for name in ports { kernel.addLink(name: name) }
        var opts = DaemonOptions(deviceName: "team0")
        options(&opts)
        self.options = opts
        config = try TeamdConfig(parsing: configText)
    }

    /// Starts the daemon: the device opened, the ports added.
    func start() throws {
        started = try Daemon.start(config: config, options: options, kernel: Self.access(kernel), clock: { 0 })
    }

    /// The four netlink transports of a daemon, all into `kernel`.
    static func access(_ kernel: FakeKernel) -> KernelAccess {
        KernelAccess(makeRoute: { kernel.makeTransport(.route) }, makeRouteEvents: { kernel.makeTransport(.route) },
                     makeGeneric: { kernel.makeTransport(.generic) },
                     makeGenericEvents: { kernel.makeTransport(.generic) })
    }

    /// Another daemon started on the same kernel (a second teamd for the same device).
    func another(_ configText: String, _ options: DaemonOptions) throws -> Daemon {
        try Daemon.start(config: try TeamdConfig(parsing: configText), options: options, kernel: Self.access(kernel))
    }

    /// Delivers every pending kernel event to the daemon, until it is quiet.
    func pump(sourceLocation: SourceLocation = #_sourceLocation) {
        pumpUntilQuiet(daemon, kernel, sourceLocation: sourceLocation)
    }

    var team: UInt32 { kernel.index(of: "team0") ?? 0 }
    func option(_ name: String, port: String? = nil) -> TeamOptionValue? {
        let portIndex = port.flatMap { kernel.index(of: $0) }
        return kernel.options(ofTeam: team).first { $0.name == name && $0.portIndex == portIndex }?.value
    }
    func item(_ path: String) -> ControlReply { daemon.call(method: "StateItemValueGet", arguments: [path]) }
}

/// Hands every descriptor of the daemon to it, round after round, until a round finds nothing to read and
/// makes no kernel request (frame ports in tests are not real descriptors, so each round offers them all).
func pumpUntilQuiet(_ daemon: Daemon, _ kernel: FakeKernel, sourceLocation: SourceLocation = #_sourceLocation) {
    for _ in 0..<100 {
        let requests = kernel.requests.count
        for fd in daemon.descriptors { daemon.handleReadable(fd) }
        var fds = daemon.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let readable = poll(&fds, nfds_t(fds.count), 0) > 0 && fds.contains { $0.revents & Int16(POLLIN) != 0 }
        if kernel.requests.count == requests && !readable { return }
    }
    Issue.record("the daemon is still busy after 100 rounds", sourceLocation: sourceLocation)
}

extension Daemon {
    /// A control call as a transport makes it: the method and arguments decoded into a request (an unknown
    /// method or a wrong argument count answered as the transports answer them), then dispatched.
    func call(method name: String, arguments: [String]) -> ControlReply {
        guard let method = ControlMethod(rawValue: name) else { return ControlRequestError.unknownMethod(name).reply }
        do {
            return reply(to: try ControlRequest(method: method, arguments: arguments))
        } catch {
            return error.reply
        }
    }
}

let activeBackup = #"{"runner":{"name":"activebackup"},"ports":{"eth0":{"prio":10},"eth1":{}}}"#

@Suite("teamd against the fake kernel")
struct DaemonTests {
    @Test("start: the team is created in the runner's mode, ports enslaved, the best port active")
    func start() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        #expect(h.team != 0)
        #expect(h.option("mode") == .string("activebackup"))
        let eth0 = try #require(h.kernel.index(of: "eth0"))
        #expect(h.kernel.links[eth0]?.master == h.team)
        #expect(h.kernel.links[h.kernel.index(of: "eth1")!]?.master == h.team)
        #expect(h.option("activeport") == .u32(eth0))
        #expect(h.option("enabled", port: "eth0") == .bool(true))
        #expect(h.option("enabled", port: "eth1") == .bool(false))
        #expect(h.option("priority", port: "eth0") == .s32(10))
        #expect(h.option("notify_peers_count") == .u32(1), "activebackup notifies peers once by default")
        #expect(h.item("runner.active_port") == .success("eth0"))
        // The team took the first port's MAC, and same_all gave it to every port.
        let teamMAC = h.kernel.links[h.team]?.address
        #expect(teamMAC == h.kernel.links[h.kernel.index(of: "eth1")!]?.address)
    }

    @Test("failover: the active port's carrier drops, the backup becomes active")
    func failover() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        h.pump()
        let eth0 = h.kernel.index(of: "eth0")!, eth1 = h.kernel.index(of: "eth1")!
        let before = h.kernel.requests.count
        h.kernel.setCarrier(false, index: eth0)
        h.pump()
        #expect(optionWrites(h.kernel, from: before).map { TeamAction.setOption($0.id, $0.value) } == [
            .setOption(TeamOptionID(name: "enabled", portIndex: eth1), .bool(true)),
            .setOption(TeamOptionID(name: "activeport"), .u32(eth1)),
            .setOption(TeamOptionID(name: "enabled", portIndex: eth0), .bool(false)),
            .setOption(TeamOptionID(name: "user_linkup", portIndex: eth0), .bool(false)),
        ], "the new port enabled, made active, then the old one disabled")
        #expect(h.option("activeport") == .u32(eth1))
        #expect(h.item("runner.active_port") == .success("eth1"))
        #expect(h.item("ports.eth0.link_watches.up") == .success("false"))
        #expect(h.option("user_linkup", port: "eth0") == .bool(false))
        h.kernel.setCarrier(true, index: eth0)
        h.pump()
        #expect(h.option("activeport") == .u32(eth0), "the higher prio returns")
    }

    @Test("stop releases the ports with their own MACs and deletes the device; -N keeps both")
    func stop() throws {
        let h = try DaemonHarness(activeBackup)
        let before = h.kernel.links[h.kernel.index(of: "eth1")!]?.address
        try h.start()
        h.daemon.stop()
        #expect(h.kernel.index(of: "team0") == nil)
        let eth1 = h.kernel.links[h.kernel.index(of: "eth1")!]
        #expect(eth1?.master == 0)
        #expect(eth1?.address == before)

        let k = try DaemonHarness(activeBackup) { $0.noQuitDestroy = true }
        try k.start()
        k.daemon.stop()
        #expect(k.kernel.index(of: "team0") != nil)
        #expect(k.kernel.links[k.kernel.index(of: "eth0")!]?.master == k.team)
    }

    @Test("a failed start leaves no device and no enslaved port behind")
    func failedStart() throws {
        let h = try DaemonHarness(#"{"runner":{"name":"activebackup"},"ports":{"eth0":{},"nosuch":{}}}"#)
        #expect(throws: DaemonStartError.self) { try h.start() }
        #expect(h.kernel.index(of: "team0") == nil)
        #expect(h.kernel.links[h.kernel.index(of: "eth0")!]?.master == 0)
    }

    @Test("a device that exists is refused, taken over with -o, recreated with -r")
    func existingDevice() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        let first = h.team
        #expect(throws: DaemonStartError.self) { try h.another(activeBackup, DaemonOptions(deviceName: "team0")) }
        #expect(h.team == first, "a refused start does not touch the running team")

        var recreate = DaemonOptions(deviceName: "team0")
        recreate.forceRecreate = true
        let third = try h.another(activeBackup, recreate)
        #expect(h.team != first, "-r made a new device")
        #expect(third.engine.ports.count == 2)
        let recreated = h.team

        var takeOver = DaemonOptions(deviceName: "team0")
        takeOver.takeOver = true
        takeOver.noPorts = true
        let second = try h.another(activeBackup, takeOver)
        #expect(h.team == recreated)
        #expect(Set(second.engine.ports.ports.map(\.name)) == ["eth0", "eth1"], "the ports in the team are adopted")
    }

    @Test("ports enslaved and released behind teamd's back are adopted and dropped")
    func foreignPorts() throws {
        let h = try DaemonHarness(#"{"runner":{"name":"roundrobin"},"ports":{"eth0":{}}}"#, ports: ["eth0", "eth1"])
        try h.start()
        h.pump()
        let outsider = RouteClient(transport: h.kernel.makeTransport(.route))
        let eth1 = h.kernel.index(of: "eth1")!
        try outsider.setMaster(port: eth1, master: h.team)
        h.pump()
        #expect(h.daemon.engine.ports[name: "eth1"] != nil)
        #expect(h.item("ports.eth1.link_watches.up") == .success("true"))
        try outsider.release(port: eth1)
        h.pump()
        #expect(h.daemon.engine.ports[name: "eth1"] == nil)
    }

    @Test("control: port add/remove, config dumps, state items, and errors that never stop the daemon")
    func control() throws {
        let h = try DaemonHarness(#"{"runner":{"name":"activebackup"},"ports":{"eth0":{}}}"#, ports: ["eth0", "eth1", "eth2"])
        try h.start()
        #expect(h.daemon.call(method: "PortAdd", arguments: ["eth1"]) == .success(""))
        #expect(h.daemon.call(method: "PortAdd", arguments: ["nope"]) == .failure(ControlError(code: "NoSuchDev", message: "No such device.")))
        #expect(h.daemon.call(method: "PortRemove", arguments: ["eth0"]) == .success(""))
        #expect(h.kernel.links[h.kernel.index(of: "eth0")!]?.master == 0)
        #expect(h.item("runner.active_port") == .success("eth1"))
        #expect(h.daemon.call(method: "StateItemValueSet", arguments: ["runner.active_port", "eth9"])
                == .failure(ControlError(code: "ItemValueSetFail", message: "Failed to set item value.")))
        #expect(h.daemon.call(method: "StateItemValueSet", arguments: ["setup.pid", "1"])
                == .failure(ControlError(code: "OpNotSupp", message: "Operation not supported.")))
        #expect(h.daemon.call(method: "StateItemValueSet", arguments: ["no.such", "1"])
                == .failure(ControlError(code: "PathDoesNotExist", message: "Item path does not exist.")))
        #expect(h.daemon.call(method: "StateItemValueSet", arguments: ["setup.debug_level", "2"]) == .success(""))
        #expect(h.item("setup.debug_level") == .success("2"))
        #expect(h.daemon.call(method: "StateItemValueGet", arguments: []) ==
                .failure(ControlError(code: "InvalidArgs", message: "Did not receive correct message arguments.")))
        guard case .failure(let error) = h.daemon.call(method: "Bogus", arguments: []) else {
            Issue.record("an unknown method must fail"); return
        }
        #expect(error.code == "UnknownMethod")

        guard case .success(let dump) = h.daemon.call(method: "ConfigDumpActual", arguments: []) else {
            Issue.record("ConfigDumpActual failed"); return
        }
        let actual = try JSONValue(parsing: dump)
        #expect(actual["ports"]?.objectValue?.keys == ["eth1"])

        guard case .success(let state) = h.daemon.call(method: "StateDump", arguments: []) else {
            Issue.record("StateDump failed"); return
        }
        let tree = try JSONValue(parsing: state)
        #expect(tree["setup"]?["runner_name"] == .string("activebackup"))
        #expect(tree["team_device"]?["ifinfo"]?["ifname"] == .string("team0"))
        #expect(tree["ports"]?["eth1"]?["link_watches"]?["list"]?["link_watch_0"]?["name"] == .string("ethtool"))
    }

    @Test("a port name no interface can have (D-Bus carries megabytes) is NoSuchDev, and the daemon goes on",
          arguments: [String(repeating: "a", count: 70_000), "abcdefghijklmnop", "", "eth/0", "eth\u{0}"])
    func impossiblePortNames(name: String) throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        let noSuchDevice = ControlReply.failure(ControlError(code: "NoSuchDev", message: "No such device."))
        #expect(h.daemon.call(method: "PortAdd", arguments: [name]) == noSuchDevice)
        #expect(h.daemon.call(method: "PortRemove", arguments: [name]) == noSuchDevice)
        #expect(h.daemon.call(method: "PortConfigUpdate", arguments: [name, "{}"]) == noSuchDevice)
        #expect(h.item("runner.active_port") == .success("eth0"))
    }

    @Test("PortConfigUpdate applies prio at once and can move the active port")
    func portConfigUpdate() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        #expect(h.daemon.call(method: "PortConfigUpdate", arguments: ["eth1", #"{"prio": 100}"#]) == .success(""))
        #expect(h.option("priority", port: "eth1") == .s32(100))
        #expect(h.item("runner.active_port") == .success("eth1"))
        #expect(h.daemon.call(method: "PortConfigUpdate", arguments: ["eth1", #"{"prio": "high"}"#])
                == .failure(ControlError(code: "ConfigUpdateFail", message: "Failed to update config.")))
    }
}


@Suite("teamd: events handled in batches, option writes coalesced")
struct EventBatchTests {
    @Test("a port that flaps within one batch ends right, with one write for it at most")
    func flapsInOneBatch() throws {
        let h = try DaemonHarness(#"{"runner":{"name":"roundrobin"},"ports":{"eth0":{},"eth1":{}}}"#)
        try h.start()
        h.pump()
        let eth0 = h.kernel.index(of: "eth0")!
        let before = h.kernel.requests.count
        for _ in 0..<5 {
            h.kernel.setCarrier(false, index: eth0)
            h.kernel.setCarrier(true, index: eth0)
        }
        h.kernel.setCarrier(false, index: eth0)
        h.pump()
        #expect(h.option("enabled", port: "eth0") == .bool(false))
        #expect(h.item("ports.eth0.link_watches.up") == .success("false"))
        let writes = optionWrites(h.kernel, from: before).filter { $0.name == "enabled" && $0.portIndex == eth0 }
        #expect(writes.count <= 1, "eleven link changes in one batch, \(writes.count) writes of eth0's enabled")

        let again = h.kernel.requests.count
        h.kernel.setCarrier(true, index: eth0)
        h.pump()
        #expect(h.option("enabled", port: "eth0") == .bool(true))
        #expect(optionWrites(h.kernel, from: again).contains { $0.name == "enabled" && $0.portIndex == eth0 })
    }

    @Test("activebackup: the active port drops and returns in one batch; it stays active, the backup disabled")
    func activeFlapsInOneBatch() throws {
        let h = try DaemonHarness(activeBackup)
        try h.start()
        h.pump()
        let eth0 = h.kernel.index(of: "eth0")!
        h.kernel.setCarrier(false, index: eth0)
        h.kernel.setCarrier(true, index: eth0)
        h.pump()
        #expect(h.option("activeport") == .u32(eth0))
        #expect(h.option("enabled", port: "eth0") == .bool(true))
        #expect(h.option("enabled", port: "eth1") == .bool(false))
        #expect(h.item("runner.active_port") == .success("eth0"))
    }

    @Test("coalescing keeps the last write of each option, in the order of those last writes")
    func coalescedOrder() {
        let p1 = TeamOptionID(name: "enabled", portIndex: 1), p2 = TeamOptionID(name: "enabled", portIndex: 2)
        let active = TeamOptionID(name: "activeport")
        let actions: [TeamAction] = [
            .setOption(p2, .bool(true)), .setOption(active, .u32(2)), .setOption(p1, .bool(false)),
            .armTimer(.runner("x"), milliseconds: 5),
            .setOption(p1, .bool(true)), .setOption(active, .u32(1)), .setOption(p2, .bool(false)),
        ]
        #expect(ActionExecutor.coalesced(actions) == [
            .armTimer(.runner("x"), milliseconds: 5),
            .setOption(p1, .bool(true)), .setOption(active, .u32(1)), .setOption(p2, .bool(false)),
        ])
        let distinct: [TeamAction] = [.setOption(p1, .bool(true)), .setCarrier(true), .setOption(p2, .bool(true))]
        #expect(ActionExecutor.coalesced(distinct) == distinct)
    }
}
