#if canImport(Glibc)
import Glibc
import Getopt
#endif
import Testing
@testable import TeamdControl
@testable import DBusWire
@testable import ZMTP
@testable import TeamdctlCLI

/// teamdctl's command line, messages and exit status. The table cases in Fixtures/Cli are
/// what the real C teamdctl printed (Fixtures/tools/regenerate-cli.sh).
@Suite("teamdctl against the C teamdctl's output")
struct TeamdctlTests {
    static let cases: [(Int, String)] = {
        guard let text = Fixtures.read("Cli/cases.txt") else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return Array(zip(1..., lines))
    }()

    @Test("the fixture table is there")
    func table() {
        #expect(Self.cases.count >= 60)
    }

    @Test("same stdout, stderr and exit status as the C teamdctl", arguments: cases)
    func cliCase(number: Int, line: String) throws {
        let expectedOut = try #require(Fixtures.read("Cli/case-\(number).out"))
        let expectedErr = try #require(Fixtures.read("Cli/case-\(number).err"))
        let expectedStatus = try #require(Fixtures.read("Cli/case-\(number).rc"))
        let transport = FakeTransport.cliTeamd(
            state: try #require(Fixtures.read("StateView/c-activebackup.json")),
            config: try #require(Fixtures.read("Cli/config.json")),
            actual: try #require(Fixtures.read("Cli/actual.json")))
        let run = runTeamdctl(shellWords(line), transport: transport, devices: ["lo"])
        #expect(run.out == expectedOut, "teamdctl \(line)")
        #expect(run.err == expectedErr, "teamdctl \(line)")
        #expect("\(run.status)\n" == expectedStatus, "teamdctl \(line)")
    }

    @Test("help lists every command with its parameters")
    func help() {
        #expect(TeamdctlCommand.usageLines == [
            "config dump", "config dump noports", "config dump actual", "state", "state dump", "state view",
            "state item get ITEMPATH", "state item set ITEMPATH VALUE", "port add PORTDEV", "port remove PORTDEV",
            "port present PORTDEV", "port config update PORTDEV PORTCONFIG", "port config dump PORTDEV",
        ])
        #expect(Teamdctl.help(program: "/usr/bin/teamdctl").hasPrefix(
            "/usr/bin/teamdctl [options] teamdevname command [command args]\n"))
    }

    @Test("command words are matched by prefix, first in table order", arguments: [
        (["s"], TeamdctlCommand.stateView),
        ([""], nil),
        (["state", ""], .stateDump),
        (["c", "d", ""], .configDumpNoPorts),
        (["p", "c", "u", "eth0", "{}"], .portConfigUpdate(port: "eth0", config: "{}")),
        (["p", "p", "eth0"], .portPresent(port: "eth0")),
        (["p", "r", "eth0"], .portRemove(port: "eth0")),
        (["s", "i", "s", "a", "b"], .stateItemSet(path: "a", value: "b")),
        (["state", "view", "x"], nil),
    ] as [([String], TeamdctlCommand?)])
    func prefixes(words: [String], command: TeamdctlCommand?) {
        let parsed = try? TeamdctlCommand.parse(words).get()
        #expect(parsed == command)
    }

    @Test("usage errors carry the C messages")
    func usageErrors() {
        #expect(TeamdctlCommand.parse([]) == .failure(.incompleteCommand))
        #expect(TeamdctlCommand.parse(["port"]) == .failure(.incompleteCommand))
        #expect(TeamdctlCommand.parse(["porter"]) == .failure(.unknownCommand("porter")))
        #expect(TeamdctlCommand.parse(["port", "config", "update", "eth0"]) == .failure(.missingParameter("PORTCONFIG")))
        #expect(TeamdctlUsageError.missingParameter("PORTDEV").description == "Command line parameter \"PORTDEV\" expected.")
    }

    @Test("POSIXLY_CORRECT stops option scanning at the device name")
    func posixlyCorrect() {
        let transport = FakeTransport(device: "lo", state: "{}")
        let run = runTeamdctl(["lo", "-o", "config", "dump"], transport: transport, devices: ["lo"], posixlyCorrect: true)
        #expect(run.status == 1)
        #expect(run.err == "Unknown command \"-o\".\n")
    }

    @Test("teamd not running: the C messages, then a line saying what they mean")
    func notRunning() {
        let automatic = runTeamdctl(["lo", "state"], transport: nil, devices: ["lo"])
        #expect(automatic.status == 1)
        #expect(automatic.out == "")
        #expect(automatic.err == """
            libteamdctl: teamdctl_connect: Failed to connect using all CLIs.
            teamdctl_connect failed (Invalid argument)
            teamdctl: teamd is not running for "lo" (nothing answers at /var/run/teamd/lo.sock).

            """)
        let forced = runTeamdctl(["-U", "lo", "state"], transport: nil, devices: ["lo"])
        #expect(forced.status == 1)
        #expect(forced.err == """
            libteamdctl: cli_usock_init: usock: Failed to connect socket (/var/run/teamd/lo.sock).
            libteamdctl: teamdctl_connect: Failed to connect using CLI "usock".
            teamdctl_connect failed (No such file or directory)
            teamdctl: teamd is not running for "lo" (nothing answers at /var/run/teamd/lo.sock).

            """)
        let denied = runTeamdctl(["lo", "state"], transport: nil, devices: ["lo"],
                                 connectError: .connectFailed(path: "/var/run/teamd/lo.sock", errno: EACCES))
        #expect(denied.err.hasSuffix(
            "teamdctl: no permission to connect to /var/run/teamd/lo.sock (the control socket is root-only).\n"))
    }

    @Test("the device must exist, checked before connecting")
    func noDevice() {
        let run = runTeamdctl(["team9", "state"], transport: FakeTransport(device: "team9", state: "{}"), devices: [])
        #expect(run.status == 1)
        #expect(run.err == "Device \"team9\" does not exist\n")
        #expect(run.kinds.isEmpty)
    }

    @Test("-D and -Z without those transports: the C tool's messages")
    func unsupportedTransports() {
        let dbus = runTeamdctl(["-D", "lo", "state"], transport: FakeTransport(device: "lo", state: "{}"))
        #expect(dbus.status == 1)
        #expect(dbus.err == "D-Bus support is not compiled-in\n")
        let zmq = runTeamdctl(["-Z", "tcp://127.0.0.1:5000", "lo", "state"], transport: FakeTransport(device: "lo", state: "{}"))
        #expect(zmq.status == 1)
        #expect(zmq.err == "ZeroMQ support is not compiled-in\n")
        #expect(dbus.kinds.isEmpty && zmq.kinds.isEmpty)
    }

    @Test("without a transport forced, the UNIX socket, D-Bus and ZeroMQ are tried in libteamdctl's order")
    func automaticOrder() {
        let transport = FakeTransport(name: "dbus") { request in
            request == .configDump ? .success("{\"device\": \"lo\"}") : .success("{}")
        }
        let run = runTeamdctl(["lo", "config", "dump"]) { kind throws(TeamdControlError) in
            guard kind == .dbus else { throw .connectFailed(path: "/var/run/teamd/lo.sock", errno: ENOENT) }
            return transport
        }
        #expect(run.status == 0)
        #expect(run.kinds == [.unixSocket, .dbus])
        #expect(run.out == "{\n    \"device\": \"lo\"\n}\n")
        let none = runTeamdctl(["lo", "state"]) { kind throws(TeamdControlError) in
            throw .connectFailed(path: "/var/run/teamd/lo.sock", errno: ENOENT)
        }
        #expect(none.kinds == [.unixSocket, .dbus, .zeroMQ(address: "")])
        #expect(none.err.hasPrefix("libteamdctl: teamdctl_connect: Failed to connect using all CLIs.\n"))
    }

    @Test("-D: a teamd error reply is printed with its D-Bus name, as libteamdctl's cli_dbus does")
    func dbusErrors() {
        let transport = FakeTransport(name: "dbus") { request in
            switch request {
            case .configDump: return .success("{\"device\": \"lo\"}")
            case .portAdd: return .failure(.busError(name: "org.libteam.teamdNoSuchDev", message: "No such device."))
            default: return .success("{}")
            }
        }
        let run = runTeamdctl(["-D", "lo", "port", "add", "eth9"]) { _ throws(TeamdControlError) in transport }
        #expect(run.kinds == [.dbus])
        #expect(run.status == 1)
        #expect(run.err == """
            libteamdctl: cli_dbus_check_error_msg: dbus: Error message received: "org.libteam.teamdNoSuchDev"
            libteamdctl: cli_dbus_check_error_msg: dbus: Error message content: "No such device."
            command call failed (Invalid argument)

            """)
    }

    @Test("-D with no teamd on the bus: the bus's error, then the failed connect")
    func dbusNoTeamd() {
        let run = runTeamdctl(["-D", "lo", "state"]) { _ throws(TeamdControlError) in
            throw .busError(name: "org.freedesktop.DBus.Error.ServiceUnknown",
                            message: "The name org.libteam.teamd.lo was not provided by any .service files")
        }
        #expect(run.status == 1)
        #expect(run.err == """
            libteamdctl: cli_dbus_check_error_msg: dbus: Error message received: "org.freedesktop.DBus.Error.ServiceUnknown"
            libteamdctl: cli_dbus_check_error_msg: dbus: Error message content: "The name org.libteam.teamd.lo was not provided by any .service files"
            libteamdctl: teamdctl_connect: Failed to connect using CLI "dbus".
            teamdctl_connect failed (Invalid argument)

            """)
        let noBus = runTeamdctl(["-D", "lo", "state"]) { _ throws(TeamdControlError) in
            throw .busConnectFailed(errno: ENOENT)
        }
        #expect(noBus.err.hasPrefix(
            "libteamdctl: cli_dbus_init: dbus: Could not acquire the system bus: org.freedesktop.DBus.Error.FileNotFound - "
                + "Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory\n"))
    }

    @Test("-Z: the address reaches the transport; errors are printed as libteamdctl's cli_zmq does")
    func zeroMQ() {
        let transport = FakeTransport(name: "zmq") { request in
            switch request {
            case .configDump: return .success("{\"device\": \"lo\"}")
            case .stateItemValueGet: return .failure(.errorReply(.pathDoesNotExist))
            default: return .success("{}")
            }
        }
        let run = runTeamdctl(["-Z", "tcp://127.0.0.1:5555", "lo", "state", "item", "get", "x"]) {
            _ throws(TeamdControlError) in transport
        }
        #expect(run.kinds == [.zeroMQ(address: "tcp://127.0.0.1:5555")])
        #expect(run.err == """
            libteamdctl: cli_zmq_process_msg: zmq: Error message received: "PathDoesNotExist"
            libteamdctl: cli_zmq_process_msg: zmq: Error message content: "Item path does not exist."
            command call failed (Invalid argument)

            """)
        let bad = runTeamdctl(["-Z", "bogus", "lo", "state"]) { _ throws(TeamdControlError) in
            throw .zeroMQFailed(operation: "zmq_connect bogus", errno: EINVAL)
        }
        #expect(bad.err == """
            libteamdctl: cli_zmq_init: zmq: Failed to connect socket (bogus).
            libteamdctl: teamdctl_connect: Failed to connect using CLI "zmq".
            teamdctl_connect failed (Invalid argument)

            """)
    }

    @Test("-U forces the UNIX socket, and no transport is tried twice")
    func forcedTransport() {
        let transport = FakeTransport(device: "lo", state: "{}")
        let run = runTeamdctl(["-U", "lo", "state", "item", "get", "x"], transport: transport, devices: ["lo"])
        #expect(run.status == 0)
        #expect(run.kinds == [.unixSocket])
        #expect(transport.requests == [.configDump, .configDumpActual, .stateDump, .stateItemValueGet(path: "x")])
    }

    @Test("a failure while fetching the dumps fails the connect, as in libteamdctl")
    func refreshFailure() {
        let transport = FakeTransport { request in
            request == .configDumpActual ? .failure(.errorReply(.configDumpActualFailed)) : .success("{\"device\": \"lo\"}")
        }
        let run = runTeamdctl(["lo", "state", "dump"], transport: transport, devices: ["lo"])
        #expect(run.status == 1)
        #expect(run.err == """
            libteamdctl: cli_usock_process_msg: usock: Error message received: "ConfigDumpActualFail"
            libteamdctl: cli_usock_process_msg: usock: Error message content: "Failed to dump actual config."
            teamdctl_connect failed (Invalid argument)

            """)
        let timedOut = runTeamdctl(["lo", "state"], transport: FakeTransport { _ in .failure(.timedOut) }, devices: ["lo"])
        #expect(timedOut.err == "teamdctl_connect failed (Connection timed out)\n")
    }

    @Test("a socket that belongs to another team is refused")
    func otherTeam() {
        let run = runTeamdctl(["lo", "state"], transport: FakeTransport(device: "team0", state: "{}"), devices: ["lo"])
        #expect(run.status == 1)
        #expect(run.err == "Unable to access to lo through connected teamd daemon because it controls team0.\n")
    }

    @Test("replies that are not JSON objects or arrays are refused like jansson does")
    func badJSONReplies() {
        for state in ["", "\"text\"", "42", "{\"a\": 1, \"a\": 2}", "{"] {
            let run = runTeamdctl(["lo", "state", "dump"], transport: FakeTransport(device: "lo", state: state))
            #expect(run.status == 1, "\(state)")
            #expect(run.err == "Failed to parse JSON dump.\ncommand call failed (Invalid argument)\n", "\(state)")
        }
        let noDevice = runTeamdctl(["lo", "state"], transport: FakeTransport(device: "lo", state: "{}", config: "{}"))
        #expect(noDevice.err == "Failed to parse device name from config.\n")
    }

    @Test("port config update refuses a bad JSON argument before sending it")
    func portConfigUpdateJSON() {
        for (argument, message) in [
            ("{\"prio\": ", "Port config is not valid JSON: unexpected end of input at $.prio (line 1, column 10).\n"),
            ("[1]", "Port config must be a JSON object, not array.\n"),
        ] {
            let transport = FakeTransport(device: "lo", state: "{}")
            let run = runTeamdctl(["lo", "port", "config", "update", "eth0", argument], transport: transport)
            #expect(run.status == 1)
            #expect(run.err == message + "command call failed (Invalid argument)\n")
            #expect(!transport.requests.contains(where: { $0.method == .portConfigUpdate }))
        }
        let transport = FakeTransport(device: "lo", state: "{}")
        let run = runTeamdctl(["lo", "port", "config", "update", "eth0", "{\n\"prio\": -3}"], transport: transport)
        #expect(run.status == 0)
        #expect(transport.requests.last == .portConfigUpdate(port: "eth0", config: "{\n\"prio\": -3}"))
    }

    @Test("getopt: clusters, attached and separate arguments, abbreviations, --")
    func getopt() {
        let scanner = GetoptLong(shortOptions: "hvoDZ:U", longOptions: Teamdctl.longOptions)
        #expect(scanner.scan(["-vo", "dev", "-Zaddr", "cmd", "-Z", "x", "--force-zmq=y", "--force-zmq", "z", "--", "-v"])
            == .init(items: [.option("v", argument: nil), .option("o", argument: nil), .option("Z", argument: "addr"),
                             .option("Z", argument: "x"), .option("Z", argument: "y"), .option("Z", argument: "z")],
                     operands: ["dev", "cmd", "-v"]))
        #expect(scanner.scan(["--verb", "--one", "-"]) == .init(
            items: [.option("v", argument: nil), .option("o", argument: nil)], operands: ["-"]))
        #expect(scanner.scan(["-vqv"]).items == [.option("v", argument: nil), .error("invalid option -- 'q'"),
                                                 .option("v", argument: nil)])
        #expect(scanner.scan(["-:"]).items == [.error("invalid option -- ':'")])
    }
}
