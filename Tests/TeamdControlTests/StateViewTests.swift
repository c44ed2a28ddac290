import Testing
import TeamJSON
import TeamdControl
import TeamdctlCLI

/// The fixtures in Fixtures/StateView: `c-*.json` are state dumps of the C teamd 1.31 in
/// the lab (config in `c-*.config.txt`), `s-*.json` are edited copies that probe the
/// view's checks. Every `.out`/`.err` beside them is what the real C teamdctl 1.31
/// printed for that dump (Fixtures/tools/regenerate.sh).
@Suite("state view and dumps against the C teamdctl's output")
struct StateViewTests {
    static let fixtures = Fixtures.list("StateView", suffix: ".json").map { String($0.dropLast(5)) }

    @Test("fixtures are present")
    func fixturesPresent() {
        // Every runner and watcher of the C tool's view is covered by a real dump.
        for name in ["c-activebackup", "c-roundrobin", "c-broadcast", "c-random", "c-loadbalance", "c-lacp",
                     "c-watchers", "c-tipc", "c-noports"] {
            #expect(Self.fixtures.contains(name))
        }
        #expect(Self.fixtures.count >= 30)
    }

    @Test("the renderer prints what the C teamdctl prints", arguments: fixtures, [0, 1])
    func renderer(name: String, verbosity: Int) throws {
        let suffix = verbosity == 0 ? "view" : "view-v"
        let json = try #require(Fixtures.read("StateView/\(name).json"))
        let expectedOut = try #require(Fixtures.read("StateView/\(name).\(suffix).out"))
        let expectedErr = try #require(Fixtures.read("StateView/\(name).\(suffix).err"))
        let state = try JSONValue(parsing: json)
        let rendering = StateView.render(state, verbosity: verbosity)
        #expect(rendering.text == expectedOut)
        if expectedErr.isEmpty {
            #expect(rendering.failure == nil)
        } else {
            #expect(rendering.failure.map { $0 + "\n" + "command call failed (Invalid argument)\n" } == expectedErr)
        }
    }

    @Test("teamdctl state view, -v state view: same streams and status as C", arguments: fixtures, [0, 1])
    func tool(name: String, verbosity: Int) throws {
        let suffix = verbosity == 0 ? "view" : "view-v"
        let json = try #require(Fixtures.read("StateView/\(name).json"))
        let expectedOut = try #require(Fixtures.read("StateView/\(name).\(suffix).out"))
        let expectedErr = try #require(Fixtures.read("StateView/\(name).\(suffix).err"))
        let transport = FakeTransport(device: "lo", state: json)
        let flags = verbosity == 0 ? [] : ["-v"]
        let run = runTeamdctl(flags + ["lo", "state", "view"], transport: transport)
        #expect(run.out == expectedOut)
        #expect(run.err == expectedErr)
        #expect(run.status == (expectedErr.isEmpty ? 0 : 1))
        // libteamdctl's connect fetches the three dumps; the view uses the cached state.
        #expect(transport.requests == [.configDump, .configDumpActual, .stateDump])
    }

    static let realDumps = fixtures.filter { $0.hasPrefix("c-") }

    @Test("teamdctl state dump and -o state dump print what C prints", arguments: realDumps)
    func dumps(name: String) throws {
        let json = try #require(Fixtures.read("StateView/\(name).json"))
        for (flags, suffix) in [([String](), "dump"), (["-o"], "dump-o")] {
            let expected = try #require(Fixtures.read("StateView/\(name).\(suffix).out"))
            let run = runTeamdctl(flags + ["lo", "state", "dump"], transport: FakeTransport(device: "lo", state: json))
            #expect(run.out == expected)
            #expect(run.err == "")
            #expect(run.status == 0)
        }
    }

    @Test("the plain view hides the details the verbose one shows")
    func verbosityLevels() throws {
        let json = try #require(Fixtures.read("StateView/c-lacp.json"))
        let state = try JSONValue(parsing: json)
        let plain = StateView.render(state, verbosity: 0).text
        let verbose = StateView.render(state, verbosity: 1).text
        #expect(!plain.contains("actor LACPDU info:"))
        #expect(verbose.contains("    actor LACPDU info:\n"))
        // Every plain line is in the verbose view, in the same order.
        var verboseLines = verbose.split(separator: "\n")[...]
        for line in plain.split(separator: "\n") {
            guard let index = verboseLines.firstIndex(of: line) else {
                Issue.record("missing \(line)")
                break
            }
            verboseLines = verboseLines[(index + 1)...]
        }
        // -vv prints nothing more than -v: the C tool has no level-3 lines.
        #expect(StateView.render(state, verbosity: 3).text == verbose)
    }
}
