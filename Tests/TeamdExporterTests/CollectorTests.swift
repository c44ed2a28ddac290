#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import TeamdControl
import TeamdExporter

@Suite("collector: teams at scrape time, restarts, errors")
struct CollectorTests {
    @Test("a changed pid between scrapes counts one restart; the same pid none")
    func restarts() {
        let source = FakeSource()
        source.answers = ["team0": .success(activeBackupDump(pid: 100)), "team1": .success(activeBackupDump(team: "team1", pid: 7))]
        let collector = TeamdCollector(source: source)
        #expect(collector.read().map(\.restarts) == [0, 0])
        #expect(collector.read().map(\.restarts) == [0, 0])
        source.answers["team0"] = .success(activeBackupDump(pid: 101))
        #expect(collector.read().map(\.restarts) == [1, 0])
        // Down for a scrape, then back with yet another pid: one more.
        source.answers["team0"] = .failure(TeamReadError("connect: Connection refused"))
        #expect(collector.read().map(\.restarts) == [1, 0])
        source.answers["team0"] = .success(activeBackupDump(pid: 102))
        let text = Exposition(collector.scrape())
        #expect(text.samples[#"teamd_restarts_total{team="team0"}"#] == 2)
        #expect(text.samples[#"teamd_restarts_total{team="team1"}"#] == 0)
    }

    @Test("an error is logged when it starts and when it ends, not at every scrape")
    func errorLog() {
        let source = FakeSource()
        source.answers = ["team0": .failure(TeamReadError("no reply from teamd in time"))]
        let collector = TeamdCollector(source: source)
        var lines: [String] = []
        _ = collector.read { lines.append($0) }
        _ = collector.read { lines.append($0) }
        source.answers["team0"] = .success("[]")
        _ = collector.read { lines.append($0) }
        source.answers["team0"] = .success(activeBackupDump())
        _ = collector.read { lines.append($0) }
        _ = collector.read { lines.append($0) }
        #expect(lines == ["team0: no reply from teamd in time", "team0: state dump: expected an object, got array",
                          "team0: teamd answers again"])
    }

    @Test("a team that is gone is not reported; nothing at all without teams")
    func gone() {
        let source = FakeSource()
        source.answers = ["team0": .success(activeBackupDump())]
        let collector = TeamdCollector(source: source)
        #expect(!collector.scrape().isEmpty)
        source.answers = [:]
        #expect(collector.scrape().isEmpty)
    }

    @Test("the control sockets: a real teamd control server answers, a stale socket is a team that is down")
    func controlSockets() throws {
        let directory = TemporaryDirectory(prefix: "teamd-exporter-test")
        let dump = activeBackupDump(team: "teamA", pid: 42)
        let server = try UnixControlServer(path: directory.path + "/teamA.sock")
        // Answers every StateDump with `dump`, as teamd would, until stopped.
        let serving = ServerThread(pollSet: { (server.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }, -1) },
                                   serve: { entries in
                                       for entry in entries where entry.revents != 0 {
                                           for case .request(_, let connection) in server.handleReadable(entry.fd) {
                                               try? server.send(.success(dump), to: connection)
                                           }
                                       }
                                   })
        // A socket file nobody listens on (a killed teamd), a file that is not a socket, a pid file.
        let stale = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let stalePath = directory.path + "/teamB.sock"
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in stalePath.utf8.enumerated() { raw[index] = byte }
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(stale)
        directory.write("notasocket.sock", "x")
        directory.write("teamA.pid", "42")

        let source = ControlSocketSource(runDirectory: directory.path, timeout: .seconds(5))
        #expect(source.teams() == ["teamA", "teamB"])
        let readings = TeamdCollector(source: source).read()
        serving.stop()
        #expect(readings.map(\.team) == ["teamA", "teamB"])
        #expect(try readings[0].state.get().pid == 42)
        guard case .failure(let error) = readings[1].state else { Issue.record("teamB answered"); return }
        #expect(error.description.contains("teamB.sock"))
        #expect(ControlSocketSource(runDirectory: directory.path + "/missing").teams().isEmpty)
    }
}
