import Testing
import TeamJSON
@testable import TeamdCore

@Suite("teamd command line")
struct CommandLineTests {
    @Test("the flags NetworkManager and the systemd unit pass")
    func networkManager() throws {
        let cl = try TeamdCommandLine.parse(["-o", "-n", "-U", "-N", "-t", "team0", "-c", "{}"])
        #expect(cl.takeOver && cl.noPorts && cl.unixSocket && cl.noQuitDestroy)
        #expect(cl.teamDevice == "team0" && cl.configText == "{}")
        let unit = try TeamdCommandLine.parse(["-U", "-o", "-t", "team1", "-f", "/etc/teamd/team1.conf"])
        #expect(unit.configFile == "/etc/teamd/team1.conf" && unit.teamDevice == "team1")
    }

    @Test("-t must be a possible interface name: it is also the pid file's and the socket's name")
    func teamDeviceNameIsValidated() throws {
        for good in ["team0", "t", "a-b_c.d@e", String(repeating: "x", count: 15)] {
            #expect(try TeamdCommandLine.parse(["-t", good]).teamDevice == good)
        }
        let cases: [(String, String)] = [
            ("../x", "-t: team device name \"../x\" contains '/', NUL or whitespace, which an interface name cannot"),
            ("..", "-t: team device name \"..\" is not a possible interface name"),
            (".", "-t: team device name \".\" is not a possible interface name"),
            ("", "-t: team device name \"\" is empty"),
            ("team 0", "-t: team device name \"team 0\" contains '/', NUL or whitespace, which an interface name cannot"),
            ("tab\tx", "-t: team device name \"tab\tx\" contains '/', NUL or whitespace, which an interface name cannot"),
            (String(repeating: "y", count: 16),
             "-t: team device name \"yyyyyyyyyyyyyyyy\" is 16 bytes long; an interface name has at most 15"),
        ]
        for (name, message) in cases {
            #expect(throws: TeamdCommandLine.ParseError(message: message)) { try TeamdCommandLine.parse(["-t", name]) }
            #expect(throws: TeamdCommandLine.ParseError(message: message)) { try TeamdCommandLine.parse(["--team-dev=" + name]) }
        }
        // 70 KB: refused with a short message (the name is cut), before it reaches a path or netlink.
        let huge = String(repeating: "z", count: 70_000)
        #expect(throws: TeamdCommandLine.ParseError(message: "-t: team device name \"\(String(repeating: "z", count: 32))...\" "
                                                    + "is 70000 bytes long; an interface name has at most 15")) {
            try TeamdCommandLine.parse(["-d", "-t", huge])
        }
    }

    @Test("bundled short options, attached arguments, long options and their prefixes")
    func getoptForms() throws {
        let a = try TeamdCommandLine.parse(["-ggdtteam7", "--pid-file=/tmp/p", "--no-q", "--team-d", "x"])
        #expect(a.debugLevel == 2 && a.daemonize)
        #expect(a.teamDevice == "x", "the last -t wins")
        #expect(a.pidFile == "/tmp/p" && a.noQuitDestroy)
        #expect(try TeamdCommandLine.parse(["-u"]).unixSocket == false)
        #expect(try TeamdCommandLine.parse(["-V"]).command == .version)
        #expect(try TeamdCommandLine.parse(["-k", "-t", "t"]).command == .kill)
        #expect(try TeamdCommandLine.parse(["-e"]).command == .check)
        #expect(try TeamdCommandLine.parse(["-l", "syslog"]).logOutput == "syslog")
    }

    @Test("errors: extra operands, unknown or incomplete options", arguments: [
        (["team0"], "Too many arguments"),
        (["-x"], "invalid option -- 'x'"),
        (["-t"], "option requires an argument -- 't'"),
        (["--bogus"], "unrecognized option '--bogus'"),
        (["--d"], "ambiguous"),
        (["--help=3"], "doesn't allow an argument"),
        (["-l", "file"], "stdout, stderr or syslog"),
    ])
    func errors(arguments: [String], message: String) {
        #expect {
            try TeamdCommandLine.parse(arguments)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}

@Suite("state items")
struct StateItemTests {
    let state: JSONValue = .object([
        "ports": .object([
            "Ethernet4": .object(["link": .object(["up": .bool(true)])]),
            "Ethernet40": .object(["link": .object(["up": .bool(false)])]),
            "eth0.100": .object(["link": .object(["speed": .integer(1000)])]),
        ]),
        "setup": .object(["runner_name": .string("activebackup"), "debug_level": .integer(0)]),
    ])
    let names = ["Ethernet4", "Ethernet40", "eth0.100"]

    @Test("a port name is matched whole: Ethernet4 never answers for Ethernet40 (a C teamd bug)")
    func exactPortNames() throws {
        #expect(try StateTree.itemValue("ports.Ethernet40.link.up", in: state, portNames: names) == "false")
        #expect(try StateTree.itemValue("ports.Ethernet4.link.up", in: state, portNames: names) == "true")
        #expect(try StateTree.itemValue("ports.eth0.100.link.speed", in: state, portNames: names) == "1000")
    }

    @Test("values print as teamd prints them; subtrees and unknown paths do not exist")
    func values() throws {
        #expect(try StateTree.itemValue("setup.runner_name", in: state, portNames: names) == "activebackup")
        #expect(try StateTree.itemValue("setup.debug_level", in: state, portNames: names) == "0")
        #expect(throws: StateTree.ItemError.pathDoesNotExist) {
            try StateTree.itemValue("setup", in: state, portNames: names)
        }
        #expect(throws: StateTree.ItemError.pathDoesNotExist) {
            try StateTree.itemValue("ports.Ethernet.link.up", in: state, portNames: names)
        }
    }
}
