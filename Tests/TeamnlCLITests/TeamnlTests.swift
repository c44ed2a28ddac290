import Glibc
import Packets
import TeamKit
import TeamWire
import Testing
@testable import TeamnlCLI

/// What teamnl wrote to each stream.
final class Captured {
    var output = ""
    var error = ""
    /// Both streams in the order written, standard output as it is flushed.
    var console: TeamnlConsole {
        TeamnlConsole(writeOutput: { self.output += String(decoding: $0, as: UTF8.self) },
                      writeError: { self.error += $0 })
    }
}

@Suite struct TeamnlCommandLineTests {
    /// Runs teamnl up to where it would open the team (every case here stops before).
    func run(_ arguments: [String]) -> (status: Int32, output: String, error: String) {
        let captured = Captured()
        let console = captured.console
        let status = Teamnl.run(arguments: ["teamnl"] + arguments, console: console)
        console.flush()
        return (status, captured.output, captured.error)
    }

    @Test func helpAndItsLongForm() {
        for arguments in [["-h"], ["--help"], ["--he"], ["team0", "ports", "-h"], ["-h", "-x"]] {
            let result = run(arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(result.output == Teamnl.help(program: "teamnl"))
            #expect(result.error.isEmpty)
        }
        #expect(Teamnl.help(program: "tn").hasPrefix("tn [options] teamdevname command [command args]\n\t-h --help"))
        #expect(Teamnl.help(program: "tn").hasSuffix("Commands:\n\tports\n\toptions\n\tgetoption OPT_NAME\n"
                                                     + "\tsetoption OPT_NAME OPT_VALUE\n\tmonitor OPT_STYLE\n"))
    }

    @Test("getopt's errors, glibc's words, then teamnl's", arguments: [
        (["-x"], "teamnl: invalid option -- 'x'\n"),
        (["team0", "ports", "-p"], "teamnl: option requires an argument -- 'p'\n"),
        (["--bogus=1"], "teamnl: unrecognized option '--bogus=1'\n"),
        (["--help=1"], "teamnl: option '--help' doesn't allow an argument\n"),
        (["--array_index"], "teamnl: option '--array_index' requires an argument\n"),
    ])
    func optionErrors(arguments: [String], message: String) {
        let result = run(arguments)
        #expect(result.status == 1)
        #expect(result.error == message + "unknown option.\n")
        #expect(result.output == Teamnl.help(program: "teamnl"))
    }

    @Test func missingOrUnknownOperands() {
        let cases: [([String], String)] = [
            ([], "No team device specified.\n"),
            (["team0"], "No command specified.\n"),
            (["team0", "frobnicate"], "Unknown command \"frobnicate\".\n"),
        ]
        for (arguments, message) in cases {
            let result = run(arguments)
            #expect(result.status == 1)
            #expect(result.error == message)
            #expect(result.output == "\n" + Teamnl.help(program: "teamnl"))
        }
    }

    @Test func optionsFollowOperandsAndCommandsAbbreviate() throws {
        let captured = Captured()
        let parsed = Teamnl.parse(["team0", "-peth1", "getopt", "enabled", "--array_index", "3", "--", "-1"],
                                  program: "teamnl", console: captured.console)
        #expect(try parsed.get() == Teamnl.Invocation(teamName: "team0", commandName: "getopt", command: "getoption",
                                                      arguments: ["enabled", "-1"], portName: "eth1", arrayIndex: "3"))
        let first = try Teamnl.parse(["t", "o"], program: "teamnl", console: captured.console).get()
        #expect(first.command == "options", "the first command with that prefix")
        #expect(captured.output.isEmpty && captured.error.isEmpty)
    }
}

@Suite struct TeamnlOutputTests {
    @Test func standardOutputWaitsForFlushStandardErrorDoesNot() {
        let captured = Captured()
        let console = captured.console
        console.out("a")
        console.err("b")
        #expect(captured.output.isEmpty && captured.error == "b")
        console.flush()
        #expect(captured.output == "a")
    }

    @Test func listLinesAreCutToLibteamsBuffer() {
        #expect(Commands.listed("ifindex 3 name eth0") == "ifindex 3 name eth0 \n")
        let long = String(repeating: "x", count: 5000)
        let line = Commands.listed(long)
        #expect(line.hasSuffix(" <trunc>\n"))
        #expect(line.count < long.count)
    }

    @Test func monitorInterfaceLines() throws {
        var info = MonitoredInterface(index: 7)
        info.update(Link(index: 7, name: "eth1", flags: [.up], address: EthernetAddress("02:00:00:00:00:0a"), master: 5))
        #expect(info.line == "*7: *eth1: *02:00:00:00:00:0a: *5")
        info.clearChanged()
        #expect(info.line == " 7: eth1: 02:00:00:00:00:0a: 5")
        // A link without a MAC keeps the one known; an interface never seen with one prints none.
        info.update(Link(index: 7, name: "eth1", flags: [.up], master: 5))
        #expect(!info.changed)
        var bare = MonitoredInterface(index: 9)
        bare.update(Link(index: 9, name: "ib0"))
        #expect(bare.line == "*9: *ib0: : 0")
    }

    @Test func libteamFoldsErrnos() {
        #expect(CommandFailure.libteamErrno(ENOBUFS) == ENOMEM)
        #expect(CommandFailure.libteamErrno(EBADF) == ENOTSOCK)
        #expect(CommandFailure.libteamErrno(ESRCH) == ENOENT)
        #expect(CommandFailure.libteamErrno(EBUSY) == EBUSY)
        #expect(CommandFailure.libteamErrno(EMLINK) == EINVAL)
        #expect(Session.initFailureLines("PORT_LIST_GET team 3") == "libteam: port_list_init: Failed to get port list.\n"
                + "libteam: team_init: Failed to init port list.\nTeam init failed.\n")
    }
}
