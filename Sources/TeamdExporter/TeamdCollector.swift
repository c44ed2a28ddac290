import Glibc
import Synchronization
import SystemSupport
import TeamdControl

/// Where the teams' states come from: the running teamds, or a fixed set in the tests.
public protocol TeamStateSource: Sendable {
    /// The teams that have a teamd now, by name, sorted.
    func teams() -> [String]
    /// The team's `StateDump` (JSON text).
    func stateDump(of team: String) throws(TeamReadError) -> String
}

/// Every teamd on this machine: each has a control socket `DEV.sock` in teamd's run directory (the C
/// teamd's too), and answers `StateDump` on it. A socket file with nobody behind it (teamd was killed)
/// is a team whose teamd is down.
public struct ControlSocketSource: TeamStateSource {
    public var runDirectory: String
    /// How long one teamd may take to answer.
    public var timeout: Duration

    public static let socketSuffix = ".sock"

    public init(runDirectory: String = UnixControlServer.runDirectory, timeout: Duration = .seconds(2)) {
        self.runDirectory = runDirectory
        self.timeout = timeout
    }

    private func path(of name: String) -> String {
        runDirectory.hasSuffix("/") ? runDirectory + name : runDirectory + "/" + name
    }

    public func teams() -> [String] {
        // No run directory: no teamd has run since boot.
        guard let names = Directory.names(at: runDirectory) else { return [] }
        var teams: [String] = []
        for name in names {
            guard name.hasSuffix(Self.socketSuffix), name.count > Self.socketSuffix.count else { continue }
            var info = stat()
            guard stat(path(of: name), &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else { continue }
            teams.append(String(name.dropLast(Self.socketSuffix.count)))
        }
        return teams.sorted()
    }

    public func stateDump(of team: String) throws(TeamReadError) -> String {
        do throws(TeamdControlError) {
            let transport = try UnixControlTransport(path: path(of: team + Self.socketSuffix), timeout: timeout)
            defer { transport.close() }
            return try TeamdControlClient(transport: transport).stateDump()
        } catch {
            throw TeamReadError(error.description)
        }
    }
}

/// Reads every team at each scrape (no polling in between) and keeps what one scrape cannot see
/// alone: each team's last teamd pid, to count restarts, and its last error, to log a change once.
public final class TeamdCollector: Sendable {
    public let source: any TeamStateSource
    private let memory = Mutex(Memory())

    private struct Memory {
        var pids: [String: Int64] = [:]
        var restarts: [String: Int64] = [:]
        var errors: [String: String] = [:]
    }

    public init(source: any TeamStateSource) {
        self.source = source
    }

    /// Reads every team. `log` gets a line when a team's state cannot be read, and when it can again;
    /// not at every scrape.
    public func read(log: (String) -> Void = { _ in }) -> [TeamReading] {
        let results = source.teams().map { team -> (String, Result<TeamSnapshot, TeamReadError>) in
            do throws(TeamReadError) {
                let text = try source.stateDump(of: team)
                do throws(StateDumpError) {
                    return (team, .success(try TeamSnapshot(team: team, stateDump: text)))
                } catch {
                    return (team, .failure(TeamReadError(error.description)))
                }
            } catch {
                return (team, .failure(error))
            }
        }
        return memory.withLock { memory in
            results.map { team, state in
                switch state {
                case .success(let snapshot):
                    if let pid = snapshot.pid {
                        if let last = memory.pids[team], last != pid { memory.restarts[team, default: 0] += 1 }
                        memory.pids[team] = pid
                    }
                    if memory.errors.removeValue(forKey: team) != nil { log("\(team): teamd answers again") }
                case .failure(let error):
                    if memory.errors[team] != error.description { log("\(team): \(error)") }
                    memory.errors[team] = error.description
                }
                return TeamReading(team: team, state: state, restarts: memory.restarts[team] ?? 0)
            }
        }
    }

    /// One scrape: every team read now, as exposition text.
    public func scrape(log: (String) -> Void = { _ in }) -> String {
        let writer = SampleWriter()
        for reading in read(log: log) { writer.add(reading) }
        return writer.exposition()
    }
}
