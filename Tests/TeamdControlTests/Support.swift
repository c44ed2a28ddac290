#if canImport(Glibc)
import Glibc
#endif
import TeamTesting
import TeamdControl
import TeamdctlCLI

/// Reads the fixtures that live next to this file.
enum Fixtures {
    static let directory = FixtureDirectory(besides: #filePath)

    static func read(_ relativePath: String) -> String? { directory.text(relativePath) }

    /// File names in a fixture subdirectory, sorted.
    static func list(_ subdirectory: String, suffix: String) -> [String] {
        directory.list(subdirectory, suffix: suffix)
    }
}

/// Collects what teamdctl writes.
struct RecordedOutput: TeamdctlOutput {
    var out = ""
    var err = ""
    mutating func standardOutput(_ text: String) { out += text }
    mutating func standardError(_ text: String) { err += text }
}

/// A transport that answers from a closure and records the requests.
final class FakeTransport: TeamdControlTransport {
    let name: String
    var requests: [ControlRequest] = []
    let answer: (ControlRequest) -> Result<String, TeamdControlError>

    init(name: String = "usock", answer: @escaping (ControlRequest) -> Result<String, TeamdControlError>) {
        self.name = name
        self.answer = answer
    }

    /// A teamd for `device` with the given dumps; other methods succeed with nothing.
    convenience init(device: String, state: String, config: String? = nil, actual: String? = nil) {
        self.init { request in
            switch request {
            case .configDump: return .success(config ?? "{\"device\": \"\(device)\"}")
            case .configDumpActual: return .success(actual ?? config ?? "{\"device\": \"\(device)\"}")
            case .stateDump: return .success(state)
            default: return .success("")
            }
        }
    }

    func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        requests.append(request)
        return try answer(request).get()
    }

    /// The event stream, when the test gives one: each event, then the end of the stream.
    var events: [String]?

    func subscribe(_ onEvent: (String) -> Void) throws(TeamdControlError) {
        guard let events else { throw .invalidArgument("the \(name) transport carries no event stream") }
        for event in events { onEvent(event) }
    }
}

/// Runs teamdctl against a fake system: every device in `devices` exists, and
/// connecting gives `transport` (or the error).
func runTeamdctl(_ arguments: [String], transport: FakeTransport?, devices: Set<String> = ["lo", "team0"],
                 connectError: TeamdControlError = .connectFailed(path: "/var/run/teamd/lo.sock", errno: ENOENT),
                 posixlyCorrect: Bool = false) -> (status: Int32, out: String, err: String, kinds: [TeamdControlTransportKind])
{
    var kinds: [TeamdControlTransportKind] = []
    let system = TeamdctlSystem(
        interfaceIndex: { devices.contains($0) ? .index(1) : .notFound },
        connect: { (_, kind) throws(TeamdControlError) -> any TeamdControlTransport in
            kinds.append(kind)
            guard kind == .unixSocket, let transport else { throw connectError }
            return transport
        },
        posixlyCorrect: posixlyCorrect)
    var output = RecordedOutput()
    let status = Teamdctl.run(arguments: ["teamdctl"] + arguments, system: system, output: &output)
    return (status, output.out, output.err, kinds)
}

/// Runs teamdctl with every transport compiled in; `connect` decides what each kind gives.
func runTeamdctl(_ arguments: [String], devices: Set<String> = ["lo", "team0"],
                 connect: @escaping (TeamdControlTransportKind) throws(TeamdControlError) -> FakeTransport)
    -> (status: Int32, out: String, err: String, kinds: [TeamdControlTransportKind])
{
    var kinds: [TeamdControlTransportKind] = []
    let system = TeamdctlSystem(
        interfaceIndex: { devices.contains($0) ? .index(1) : .notFound },
        connect: { (_, kind) throws(TeamdControlError) -> any TeamdControlTransport in
            kinds.append(kind)
            return try connect(kind)
        },
        dbusAvailable: true, zeroMQAvailable: true)
    var output = RecordedOutput()
    let status = Teamdctl.run(arguments: ["teamdctl"] + arguments, system: system, output: &output)
    return (status, output.out, output.err, kinds)
}

extension FakeTransport {
    /// The teamd of Fixtures/tools/faketeamd.py, answer for answer.
    static func cliTeamd(state: String, config: String, actual: String) -> FakeTransport {
        FakeTransport { request in
            switch request {
            case .stateDump: return .success(state)
            case .configDump: return .success(config)
            case .configDumpActual: return .success(actual)
            case .stateItemValueGet(let path):
                if path.hasPrefix("nope") { return .failure(.errorReply(.pathDoesNotExist)) }
                if path == "garbage" { return .failure(.malformedReply(.unsupportedType("HELLO"))) }
                if path == "incomplete" { return .failure(.malformedReply(.missingErrorMessage(code: "SomeCode"))) }
                return .success("value-of:" + path)
            case .stateItemValueSet(let path, _):
                return path == "setup.pid" ? .failure(.errorReply(.operationNotSupported)) : .success("")
            case .portAdd("nosuchdev"), .portRemove("nosuchdev"), .portConfigDump("nosuchdev"):
                return .failure(.errorReply(.noSuchDevice))
            case .portConfigDump:
                return .success("{\"prio\": 5, \"queue_id\": 1}")
            default:
                return .success("")
            }
        }
    }
}

/// Splits a command line the way the fixture generator's shell does, for the quoting the
/// fixtures use: words separated by spaces, single quotes around a word or part of one.
func shellWords(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quoted = false
    for character in line {
        if quoted {
            if character == "'" { quoted = false } else { current.append(character) }
        } else if character == "'" {
            quoted = true
            inWord = true
        } else if character == " " {
            if inWord { words.append(current) }
            current = ""
            inWord = false
        } else {
            current.append(character)
            inWord = true
        }
    }
    if inWord { words.append(current) }
    return words
}
