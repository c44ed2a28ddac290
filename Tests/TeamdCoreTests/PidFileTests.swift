import Foundation
import Glibc
import Testing
@testable import TeamdCore

@Suite("pid file: exclusive, locked, verified")
struct PidFileTests {
    /// A fresh directory for one test's pid file.
    private func scratchPath() -> String {
        var template = Array("/tmp/pidfile-test-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return dir + "/team0.pid"
    }

    private func contents(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func refusal(_ result: Result<PidFile, PidFile.AcquireError>) -> PidFile.AcquireError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    private let teamd = PidFile.ProcessIdentity(comm: "teamd", arguments: ["/usr/bin/teamd", "-d", "-t", "team0"])

    @Test("a teamd is recognised by its name and the device its command line names")
    func identity() {
        #expect(PidFile.isTeamd(teamd, device: "team0"))
        #expect(!PidFile.isTeamd(teamd, device: "team1"))
        #expect(PidFile.isTeamd(.init(comm: "teamd", arguments: ["teamd", "--team-dev=team1"]), device: "team1"))
        #expect(PidFile.isTeamd(.init(comm: "teamd", arguments: ["teamd", "-tteam1", "-d"]), device: "team1"))
        #expect(PidFile.isTeamd(.init(comm: "teamd", arguments: ["teamd", "-f", "/etc/teamd/a.conf"]), device: "team1"))
        #expect(!PidFile.isTeamd(.init(comm: "sleep", arguments: ["sleep", "1000"]), device: "team0"))
        #expect(!PidFile.isTeamd(.init(comm: "sh", arguments: ["sh", "-c", "teamd -t team0"]), device: "team0"))
    }

    @Test("a locked file names its holder; an unlocked one only a live teamd for the team")
    func decision() {
        let none: (pid_t) -> PidFile.ProcessIdentity? = { _ in nil }
        let sleeper: (pid_t) -> PidFile.ProcessIdentity? = { _ in .init(comm: "sleep", arguments: ["sleep", "100"]) }
        #expect(PidFile.decide(lockHolder: .some(77), filePID: 5, device: "team0", identify: none) == .running(77))
        #expect(PidFile.decide(lockHolder: .some(nil), filePID: 5, device: "team0", identify: none) == .running(5))
        #expect(PidFile.decide(lockHolder: nil, filePID: 5, device: "team0", identify: none) == .notRunning)
        #expect(PidFile.decide(lockHolder: nil, filePID: 5, device: "team0", identify: sleeper) == .notRunning)
        #expect(PidFile.decide(lockHolder: nil, filePID: 5, device: "team0", identify: { _ in teamd }) == .running(5))
        #expect(PidFile.decide(lockHolder: nil, filePID: nil, device: "team0", identify: { _ in teamd }) == .notRunning)
    }

    @Test("the first acquirer holds the file; the second is refused and leaves it alone; release removes it")
    func exclusive() throws {
        let path = scratchPath()
        let first = try PidFile.acquire(path, device: "team0").get()
        #expect(contents(path) == "\(getpid())")
        #expect(PidFile.status(path, device: "team0") == .running(getpid()))
        #expect(refusal(PidFile.acquire(path, device: "team0")) == .running(getpid()))
        #expect(contents(path) == "\(getpid())", "the loser touched the winner's file")
        first.release()
        #expect(access(path, F_OK) != 0)
        #expect(PidFile.status(path, device: "team0") == .notRunning)
    }

    @Test("a stale file naming a live process that is not this team's teamd is taken over, not obeyed")
    func staleFileTakenOver() throws {
        let path = scratchPath()
        try "\(getppid())\n".write(toFile: path, atomically: false, encoding: .utf8)  // alive, not a teamd
        #expect(PidFile.status(path, device: "team0") == .notRunning)
        let held = try PidFile.acquire(path, device: "team0").get()
        #expect(contents(path) == "\(getpid())")
        held.release()
        // The same file naming this team's (unlocked, older) teamd is obeyed.
        try "4242\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(refusal(PidFile.acquire(path, device: "team0", identify: { _ in teamd })) == .running(4242))
        #expect(PidFile.status(path, device: "team0", identify: { _ in teamd }) == .running(4242))
        #expect(contents(path) == "4242")
    }

    @Test("of many threads acquiring at once, exactly one wins, every round")
    func concurrent() throws {
        let path = scratchPath()
        final class Outcomes: @unchecked Sendable {
            let lock = NSLock()
            var held: [PidFile] = []
            var refused = 0
        }
        for _ in 0..<50 {
            let outcomes = Outcomes()
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                let result = PidFile.acquire(path, device: "team0")
                outcomes.lock.withLock {
                    switch result {
                    case .success(let file): outcomes.held.append(file)
                    case .failure: outcomes.refused += 1
                    }
                }
            }
            #expect(outcomes.held.count == 1 && outcomes.refused == 3)
            #expect(contents(path) == "\(getpid())")
            outcomes.held.forEach { $0.release() }
            #expect(access(path, F_OK) != 0)
        }
    }
}

