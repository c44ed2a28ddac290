import Glibc
import Packets
import Testing
import TeamKit
import TeamTesting
import TeamWire
@testable import TeamdCore

private let fixtures = FixtureDirectory(besides: #filePath)

/// A fresh directory under /tmp for one test's state files.
private func temporaryDirectory() throws -> String {
    var template = Array("/tmp/teamd-warm-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else { throw SavedStateDirectory.Failure(description: "mkdtemp failed") }
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func files(in directory: String) -> Set<String> {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var names: Set<String> = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.insert(name) }
    }
    return names
}

/// A whole file, read with the C library (the tests link no SystemSupport).
private func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw SavedStateDirectory.Failure(description: "cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[..<count]
    }
    return bytes
}

@Suite("warm restart: the state files, SONiC's format")
struct SavedStateFormatTests {
    @Test("SONiC's files (built from its source's description) are read by ours")
    func sonicFixtures() throws {
        let team = try TeamSavedState(decoding: try #require(fixtures.bytes("SONiCWarmboot/PortChannel0001")))
        #expect(team == TeamSavedState(isCarrierUp: true, ports: [
            .init(name: "Ethernet0", isEnabled: true), .init(name: "Ethernet4", isEnabled: true),
            .init(name: "Ethernet8", isEnabled: false),
        ]))
        let plan = try #require(try SavedStateDirectory(path: fixtures.path + "/SONiCWarmboot", teamName: "PortChannel0001")
            .load(log: { _ in }))
        #expect(plan.isCarrierUp)
        let eth0 = try #require(plan.ports["Ethernet0"]?.lastPDU)
        #expect(eth0.version == 1)
        #expect(eth0.actor.system == EthernetAddress(bytes: [0x52, 0x54, 0, 0, 0, 0x50])!)
        #expect(eth0.actor.key == 9 && eth0.actor.port == 1 && eth0.actor.state.rawValue == 0x3f)
        #expect(eth0.partner.port == 1, "SONiC's EthernetN is port N + 1")
        let eth4 = try #require(plan.ports["Ethernet4"]?.lastPDU)
        #expect(eth4.retryCounts == LACPRetryCounts(actor: 5, partner: 5))
        #expect(eth4.partner.port == 5)
        #expect(plan.ports["Ethernet8"] == WarmStartPlan.Port(isEnabled: false, lastPDU: nil))
    }

    @Test("ours round-trips; a broken team file is refused naming the line and the field")
    func roundTripAndErrors() throws {
        let state = TeamSavedState(isCarrierUp: true, ports: [.init(name: "eth0", isEnabled: true), .init(name: "eth1", isEnabled: false)])
        #expect(String(decoding: state.encode(), as: UTF8.self) == "1\n2\neth0\n1\neth1\n0\n")
        #expect(try TeamSavedState(decoding: state.encode()) == state)
        let cases: [(String, String)] = [
            ("", "line 1: carrier_up missing (the file ends early)"),
            ("x\n", "line 1: carrier_up \"x\" is not a number"),
            ("1\n-1\n", "line 2: number of ports \"-1\" is not a count from 0 to 1024"),
            ("1\n2\neth0\n1\n", "line 5: port name missing (the file ends early)"),
            ("1\n1\neth0\nyes\n", "line 4: enabled flag of eth0 \"yes\" is not a number"),
            ("1\n1\na/b\n1\n", "line 3: port name \"a/b\" contains '/', NUL or whitespace, which an interface name cannot"),
            ("1\n1\n..\n1\n", "line 3: port name \"..\" is not a possible interface name"),
            ("1\n1\n.\n1\n", "line 3: port name \".\" is not a possible interface name"),
            ("1\n1\n\n1\n", "line 3: port name \"\" is empty"),
            ("0\n0\nextra\n", "line 3: more lines than 0 ports"),
        ]
        for (text, message) in cases {
            #expect(throws: TeamSavedState.FormatError(message: message)) { try TeamSavedState(decoding: Array(text.utf8)) }
        }
    }

    @Test("-w and -L on the command line; -L must be a usable directory")
    func commandLine() throws {
        let directory = try temporaryDirectory()
        let parsed = try TeamdCommandLine.parse(["-w", "-L", directory, "-t", "team0"])
        #expect(parsed.warmStart && parsed.stateDirectory == directory)
        #expect(try TeamdCommandLine.parse(["--warm-start", "--lacp-directory=\(directory)"]).stateDirectory == directory)
        #expect(throws: TeamdCommandLine.ParseError.self) { try TeamdCommandLine.parse(["-L", "/nonexistent/teamd"]) }
        rmdir(directory)
    }
}

@Suite("warm restart: SIGUSR1 out, -w -L in, against the fake kernel")
struct WarmRestartDaemonTests {
    /// A converged lacp team, the state directory, and a daemon that exited with SIGUSR1 (or SIGUSR2).
    func warmExit(save: Bool = true) throws -> (LACPDaemonHarness, String) {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        try h.setTeamUp()
        h.partnerAnswers()
        let directory = try temporaryDirectory()
        let sentBefore = h.ports.mapValues(\.sent.count)
        h.daemon.executor.savedState = SavedStateDirectory(path: directory, teamName: "team0")
        h.daemon.exitForRestart(saveState: save)
        for (index, port) in h.ports {
            #expect(port.sent.count == sentBefore[index]! + 1, "one fresh LACPDU on each selected port")
            #expect(port.lastPDU?.actor.state.contains([.synchronization, .collecting, .distributing]) == true)
        }
        #expect(h.kernel.links[h.team]?.carrier == true, "the team keeps its carrier")
        #expect(h.option("enabled", port: "eth0") == .bool(true) && h.option("enabled", port: "eth1") == .bool(true))
        return (h, directory)
    }

    /// The second teamd: `-w -L DIR` on the same kernel, its clock the test's.
    func warmStart(_ h: LACPDaemonHarness, _ directory: String, clock: TestClock) throws -> Daemon {
        var options = DaemonOptions(deviceName: "team0")
        options.warmStart = true
        options.stateDirectory = directory
        return try Daemon.start(config: h.config, options: options, kernel: h.access, clock: { clock.now })
    }

    @Test("SIGUSR1 saves SONiC's files; SIGUSR2 sends the same last LACPDUs and saves nothing")
    func exitSaves() throws {
        let (h, directory) = try warmExit()
        #expect(files(in: directory) == ["team0", "eth0", "eth1"])
        let team = try TeamSavedState(decoding: try readFile(directory + "/team0"))
        #expect(team == TeamSavedState(isCarrierUp: true, ports: [.init(name: "eth0", isEnabled: true), .init(name: "eth1", isEnabled: true)]))
        let saved = try readFile(directory + "/eth1")
        #expect(saved.count == LACPDU.length)
        // The partner's last LACPDU (partnerAnswers): its actor, and us as it sees us.
        let pdu = try LACPDU(decoding: saved)
        #expect(pdu.actor.system == EthernetAddress(bytes: [0x52, 0x54, 0, 0, 0, 0x50])!)
        #expect(pdu.actor.port == UInt16(h.index("eth1") + 100))
        #expect(pdu.partner.port == UInt16(h.index("eth1")))

        let (_, empty) = try warmExit(save: false)
        #expect(files(in: empty).isEmpty)
    }

    @Test("-w -L after SIGUSR1: the team adopted with no option write and no carrier down; the first LACPDU carries the partner; files used up")
    func restartInPlace() throws {
        let (h, directory) = try warmExit()
        let partnerOfEth0 = try LACPDU(decoding: try readFile(directory + "/eth0")).actor
        let before = h.kernel.requests.count
        let clock = TestClock()
        let second = try warmStart(h, directory, clock: clock)
        pumpUntilQuiet(second, h.kernel)
        #expect(optionWrites(h.kernel, from: before).isEmpty, "the kernel's options already match")
        #expect(!carrierWrites(h.kernel, from: before).contains(false), "the carrier is never set down")
        #expect(h.kernel.links[h.team]?.carrier == true)
        let eth0 = try #require(h.ports[h.index("eth0")])
        let first = try #require(eth0.sent.first.map { try LACPDU.decode(frame: $0).pdu })
        #expect(first.partner == partnerOfEth0, "the first LACPDU already holds the partner's view")
        #expect(first.actor.state.contains([.synchronization, .collecting, .distributing]))
        #expect(first.actor.port == UInt16(h.index("eth0")), "the same actor port number")
        #expect(files(in: directory).isEmpty, "every file removed once used")
        #expect(second.call(method: "StateItemValueGet", arguments: ["ports.eth0.runner.state"]) == .success("current"))
    }

    @Test("a port whose link is down waits: live LACPDUs ignored, the saved one replayed at link up; 3 s end warm mode")
    func portWaitsForLink() throws {
        let (h, directory) = try warmExit()
        let eth1 = h.index("eth1")
        h.kernel.setCarrier(false, index: eth1)
        let clock = TestClock()
        let second = try warmStart(h, directory, clock: clock)
        pumpUntilQuiet(second, h.kernel)
        #expect(files(in: directory) == ["team0", "eth1"], "eth0 restored, eth1 waits for its link")
        #expect(h.kernel.links[h.team]?.carrier == true)
        h.kernel.setCarrier(true, index: eth1)
        pumpUntilQuiet(second, h.kernel)
        #expect(files(in: directory).isEmpty, "eth1 restored at link up; warm mode over")
        #expect(second.call(method: "StateItemValueGet", arguments: ["ports.eth1.runner.state"]) == .success("current"))

        // Again, and this time eth1 never comes back: 3 s end warm-start mode and its files go.
        let (k, again) = try warmExit()
        k.kernel.setCarrier(false, index: k.index("eth1"))
        let third = try warmStart(k, again, clock: clock)
        pumpUntilQuiet(third, k.kernel)
        let live = try #require(k.ports[k.index("eth1")])
        live.inbound.append(CapturedLACPDUFrames.inSync)
        pumpUntilQuiet(third, k.kernel)
        #expect(files(in: again) == ["team0", "eth1"], "a live LACPDU on a port not yet restored is ignored")
        clock.now += 3000
        third.fireDueTimers()
        pumpUntilQuiet(third, k.kernel)
        #expect(files(in: again).isEmpty)
        #expect(k.option("enabled", port: "eth1") == .bool(false), "after warm mode, eth1 follows its machines")
    }

    @Test("a team whose carrier was down starts cold; its files go")
    func carrierDownStartsCold() throws {
        let h = try LACPDaemonHarness(lacpConfig)
        try h.start()
        let directory = try temporaryDirectory()
        let state = TeamSavedState(isCarrierUp: false, ports: [.init(name: "eth0", isEnabled: false)])
        let dir = SavedStateDirectory(path: directory, teamName: "team0")
        try dir.save(.init(team: state, lastPDUs: ["eth0": LACPDU(actor: .none, partner: .none).encode()]))
        let second = try warmStart(h, directory, clock: TestClock())
        pumpUntilQuiet(second, h.kernel)
        #expect(files(in: directory).isEmpty)
        #expect(h.kernel.links[h.team]?.carrier == false)
    }
}

@Suite("take-over (-o) adopts the kernel's team as it is")
struct TakeOverTests {
    @Test("after kill -9, teamd -o with the same config writes no option while the kernel already matches",
          arguments: [
              #"{"runner":{"name":"activebackup"},"ports":{"eth0":{"prio":10},"eth1":{}}}"#,
              #"{"runner":{"name":"roundrobin"},"ports":{"eth0":{},"eth1":{}}}"#,
              #"{"runner":{"name":"loadbalance","tx_hash":["eth","ipv4"]},"ports":{"eth0":{},"eth1":{}}}"#,
              #"{"runner":{"name":"loadbalance","tx_balancer":{"name":"basic"}},"ports":{"eth0":{},"eth1":{}}}"#,
          ])
    func noWrites(config: String) throws {
        let h = try DaemonHarness(config)
        try h.start()
        h.pump()
        let options = h.kernel.options(ofTeam: h.team)
        // kill -9: the first daemon is simply abandoned (no stop, nothing released).
        let before = h.kernel.requests.count
        var takeOver = DaemonOptions(deviceName: "team0")
        takeOver.takeOver = true
        let second = try h.another(config, takeOver)
        pumpUntilQuiet(second, h.kernel)
        #expect(optionWrites(h.kernel, from: before).isEmpty)
        #expect(h.kernel.options(ofTeam: h.team) == options)
        #expect(second.engine.ports.count == 2)
        // Until a link changes: then the new daemon acts.
        h.kernel.setCarrier(false, index: h.kernel.index(of: "eth0")!)
        pumpUntilQuiet(second, h.kernel)
        #expect(h.option("enabled", port: "eth0") == .bool(false) || config.contains("activebackup"))
    }
}

/// The option writes a daemon sent since request number `from`, in order.
func optionWrites(_ kernel: FakeKernel, from: Int) -> [TeamOption] {
    kernel.requests[from...].compactMap { request -> [TeamOption]? in
        guard request.header.type == FakeKernel.teamFamilyID,
              let message = try? TeamMessage.decode(request), message.command == .setOptions else { return nil }
        return message.options
    }.flatMap { $0 }
}

/// The team carrier values set since request number `from`.
func carrierWrites(_ kernel: FakeKernel, from: Int) -> [Bool] {
    kernel.requests[from...].compactMap { request -> Bool? in
        guard request.header.type == RouteMessageType.setLink, let link = try? LinkMessage.decode(request) else { return nil }
        return link.carrier
    }
}
