import Glibc
import Logging
import Synchronization
import Testing
import TeamKit
import TeamTesting
import TestSupport
import TeamdControl
@testable import TeamdCore

/// Keeps what is logged, for the tests to read.
private struct RecordingLogHandler: LogHandler {
    let box: LinesBox
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    final class LinesBox: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    init(_ box: LinesBox) {
        self.box = box
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        box.lines.withLock { $0.append("\(event.level): \(event.message)") }
    }
}

@Suite("many teams in one process (--config-dir)")
struct TeamRunTests {
    @Test("two teams in one loop: one whose device goes is finished and left out, the other still served; SIGTERM ends the loop with it")
    func twoTeamsOneLoop() throws {
        let h = try DaemonHarness(activeBackup, ports: ["eth0", "eth1", "eth2", "eth3"])
        try h.start()
        let second = try h.another(#"{"runner":{"name":"activebackup"},"ports":{"eth2":{},"eth3":{}}}"#,
                                   DaemonOptions(deviceName: "team1"))
        h.pump()
        pumpUntilQuiet(second, h.kernel)
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let request = WaitingRequest(signal: fds[1], queuedEvents: { 0 })
        defer { request.close() }
        var teams = [TeamRun(device: "team0", daemon: h.daemon, transports: [], pidFile: nil),
                     TeamRun(device: "team1", daemon: second, transports: [request], pidFile: nil)]
        try RouteClient(transport: h.kernel.makeTransport(.route)).deleteLink(index: h.team)
        let (status, ending) = TeamdProcess.runLoop(teams: &teams, signalFD: fds[0], log: Logger(label: "test"))
        #expect(status == 0 && ending == .terminate)
        #expect(h.daemon.shouldQuit)
        #expect(teams.map(\.device) == ["team1"], "team0 was finished in the loop, team1 is left for SIGTERM's ending")
        guard case .success(let state)? = request.reply else {
            Issue.record("team1's request was not answered: \(String(describing: request.reply))")
            return
        }
        #expect(state.contains("\"eth2\"") && !state.contains("\"eth0\""), "team1's own state")
        #expect(h.kernel.index(of: "team1") != nil)
    }

    @Test("--config-dir: each *.conf a team named by its device or file; a bad file is logged with its path and left out")
    func teamsFromDirectory() throws {
        let directory = TemporaryDirectory()
        directory.write("a.conf", #"{"device":"team7","runner":{"name":"activebackup"}}"#)
        directory.write("team2.conf", #"{"runner":{"name":"roundrobin"}}"#)
        directory.write("broken.conf", #"{"runner":{"name":"nosuchrunner"}}"#)
        directory.write("twin.conf", #"{"device":"team7"}"#)
        directory.write("much-too-long-name.conf", "{}")
        directory.write("README", "not a config")
        let box = RecordingLogHandler.LinesBox()
        let log = Logger(label: "test") { _ in RecordingLogHandler(box) }
        let commandLine = try TeamdCommandLine.parse(["--config-dir", directory.path, "-N"])
        let teams = TeamdProcess.teamsInDirectory(directory.path, commandLine: commandLine, argv0: "teamd",
                                                  logOutput: "stderr", log: log)
        #expect(teams.map(\.device) == ["team7", "team2"])
        #expect(teams.map(\.pidFile) == ["/var/run/teamd/team7.pid", "/var/run/teamd/team2.pid"])
        #expect(teams.allSatisfy { $0.commandLine.noQuitDestroy && $0.commandLine.configDirectory == nil })
        #expect(teams[0].origin == directory.file("a.conf") + ": ")
        let errors = box.all.filter { $0.hasPrefix("error") }
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.contains { $0.contains(directory.file("broken.conf") + ": Failed to load config") && $0.contains("runner.name") })
        #expect(errors.contains { $0.contains(directory.file("twin.conf") + ": team device team7 is already the team of "
                                             + directory.file("a.conf")) })
        #expect(errors.contains { $0.contains(directory.file("much-too-long-name.conf")) && $0.contains("at most 15") })

        let empty = TemporaryDirectory()
        #expect(TeamdProcess.teamsInDirectory(empty.path, commandLine: commandLine, argv0: "teamd", logOutput: nil, log: log).isEmpty)
        #expect(box.all.last?.contains("no *.conf file in \(empty.path)") == true)
    }

    @Test("--config-dir does not go with the options that name one team")
    func commandLine() throws {
        #expect(try TeamdCommandLine.parse(["--config-dir=/etc/teamd", "-D", "-o"]).configDirectory == "/etc/teamd")
        for clash in [["-t", "team0"], ["-f", "x.conf"], ["-c", "{}"], ["-p", "x.pid"], ["-Z", "ipc://@x"], ["-k"], ["-e"]] {
            #expect(throws: TeamdCommandLine.ParseError(
                message: "--config-dir: \(clash[0]) cannot be used with it (each file names its own team)")) {
                try TeamdCommandLine.parse(["--config-dir", "/etc/teamd"] + clash)
            }
        }
    }
}
