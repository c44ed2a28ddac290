#if canImport(Glibc)
import Glibc
#endif
import TeamdExporter

/// State dumps: ours in Fixtures/ (recorded in the lab by lab/scenarios/teamd-exporter-prometheus.sh),
/// and the C teamd's that TeamdControlTests keeps in its Fixtures/StateView.
enum Fixtures {
    static let directory: String = {
        let file = #filePath
        return String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
    }()

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Our teamd's dump `Fixtures/NAME.json`.
    static func ours(_ name: String) -> String? { read(directory + "/Fixtures/" + name + ".json") }

    /// The C teamd's dump `NAME.json` of TeamdControlTests.
    static func cTeamd(_ name: String) -> String? {
        read(directory + "/../TeamdControlTests/Fixtures/StateView/" + name + ".json")
    }
}

/// An exposition read back: the samples by series (`name{labels}` as written), and each family's HELP
/// and TYPE; `problems` lists what breaks the text format's rules (a sample before its family's TYPE,
/// a family split in two, a HELP or TYPE twice, a line that is none of these).
struct Exposition {
    var samples: [String: Double] = [:]
    var help: [String: String] = [:]
    var type: [String: String] = [:]
    var problems: [String] = []

    init(_ text: String) {
        var finished: Set<String> = []
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { problems.append("bad line: \(line)"); continue }
                let isHelp = line.hasPrefix("# HELP ")
                if (isHelp ? help[parts[0]] : type[parts[0]]) != nil { problems.append("\(parts[0]): second \(isHelp ? "HELP" : "TYPE")") }
                if isHelp { help[parts[0]] = parts[1] } else { type[parts[0]] = parts[1] }
                if current != parts[0] { if let current { finished.insert(current) }; current = parts[0] }
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                problems.append("bad line: \(line)")
                continue
            }
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            if type[name] == nil { problems.append("\(name): sample before TYPE") }
            if finished.contains(name) { problems.append("\(name): family split") }
            if current != name { if let current { finished.insert(current) }; current = name }
            if samples.updateValue(value, forKey: series) != nil { problems.append("\(series): twice") }
        }
    }

    /// The samples of one family.
    func family(_ name: String) -> [String: Double] {
        samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
    }
}

/// A fixed set of teams for the collector, with a pid and an answer per team that a test can change.
final class FakeSource: TeamStateSource, @unchecked Sendable {
    var answers: [String: Result<String, TeamReadError>] = [:]

    func teams() -> [String] { answers.keys.sorted() }

    func stateDump(of team: String) throws(TeamReadError) -> String {
        guard let answer = answers[team] else { throw TeamReadError("no such team") }
        return try answer.get()
    }
}

/// A minimal state dump of an activebackup team whose ports are up or down as given.
func activeBackupDump(team: String = "team0", pid: Int = 100, active: String = "tp0",
                      ports: [(String, Bool)] = [("tp0", true), ("tp1", true)]) -> String {
    let portText = ports.map { name, up in
        """
        "\(name)": {"link": {"up": \(up)}, "link_watches": {"list": {"link_watch_0": {"name": "ethtool", \
        "up": \(up), "down_count": \(up ? 0 : 1), "delay_up": 0, "delay_down": 0}}, "up": \(up)}}
        """
    }.joined(separator: ", ")
    return """
        {"ports": {\(portText)}, "runner": {"active_port": "\(active)"}, \
        "setup": {"pid": \(pid), "runner_name": "activebackup", "kernel_team_mode_name": "activebackup"}, \
        "team_device": {"ifinfo": {"ifname": "\(team)"}}}
        """
}
