#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TeamdControl
@testable import DBusWire
@testable import ZMTP
@testable import TeamdctlCLI

@Suite("D-Bus names, call and reply mapping, introspection")
struct DBusControlTests {
    @Test("the bus name, object path and interface are teamd's")
    func names() {
        #expect(TeamdDBus.busName(teamDevice: "team0") == "org.libteam.teamd.team0")
        #expect(TeamdDBus.objectPath == "/org/libteam/teamd")
        #expect(TeamdDBus.interfaceName == "org.libteam.teamd")
    }

    static let codes: [ControlErrorCode] = [
        .invalidArguments, .noSuchDevice, .configUpdateFailed, .configDumpFailed, .configDumpActualFailed,
        .portAddFailed, .portRemoveFailed, .stateDumpFailed, .pathDoesNotExist, .itemValueGetFailed,
        .operationNotSupported, .itemValueSetFailed,
    ]

    @Test("error names are org.libteam.teamd.<Code>, and both that and the C teamd's form read back", arguments: codes)
    func errorNames(code: ControlErrorCode) {
        let name = TeamdDBus.errorName(code)
        #expect(name == "org.libteam.teamd." + code.rawValue)
        #expect(TeamdDBus.controlErrorCode(errorName: name) == code)
        // The C teamd leaves out the dot (TEAMD_DBUS_IFACE "%s").
        #expect(TeamdDBus.controlErrorCode(errorName: "org.libteam.teamd" + code.rawValue) == code)
    }

    @Test("the bus's own errors are not teamd's", arguments: [
        "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.UnknownMethod", "org.libteam.teamd",
        "org.libteam.teamd.", "org.libteam.teamdx.Foo", "org.libteam.teamd.team0.Foo",
    ])
    func foreignErrors(name: String) {
        #expect(TeamdDBus.controlErrorCode(errorName: name) == nil)
        #expect(TeamdControlError.busError(name: name, message: "x").controlError == nil)
    }

    @Test("a D-Bus error reply from teamd is a control error whichever form its name has")
    func clientErrorMapping() {
        let ours = TeamdControlError.busError(name: "org.libteam.teamd.NoSuchDev", message: "No such device.")
        let theirs = TeamdControlError.busError(name: "org.libteam.teamdNoSuchDev", message: "No such device.")
        #expect(ours.controlError == .noSuchDevice)
        #expect(theirs.controlError == .noSuchDevice)
        #expect(TeamdControlError.errorReply(.pathDoesNotExist).controlError == .pathDoesNotExist)
        #expect(ours.errno == EINVAL)
    }

    static let calls: [(String, [String], ControlRequest)] = [
        ("ConfigDump", [], .configDump),
        ("ConfigDumpActual", [], .configDumpActual),
        ("StateDump", [], .stateDump),
        ("PortAdd", ["eth1"], .portAdd(port: "eth1")),
        ("PortRemove", ["eth1"], .portRemove(port: "eth1")),
        ("PortConfigDump", ["eth1"], .portConfigDump(port: "eth1")),
        ("PortConfigUpdate", ["eth1", "{\n\"prio\": 3\n}"], .portConfigUpdate(port: "eth1", config: "{\n\"prio\": 3\n}")),
        ("StateItemValueGet", ["runner.active_port"], .stateItemValueGet(path: "runner.active_port")),
        ("StateItemValueSet", ["a\\b", "c"], .stateItemValueSet(path: "a\\b", value: "c")),
    ]

    @Test("a method call with its strings is the request, arguments as they are", arguments: calls)
    func methodCall(member: String, arguments: [String], request: ControlRequest) {
        let signature = String(repeating: "s", count: arguments.count)
        #expect(TeamdDBus.call(interface: "org.libteam.teamd", member: member, signature: signature,
                               arguments: arguments) == .control(request))
        // A call without an interface is dispatched by its member, as D-Bus allows.
        #expect(TeamdDBus.call(interface: nil, member: member, signature: signature, arguments: arguments)
            == .control(request))
    }

    @Test("wrong arguments get teamd's InvalidArgs error", arguments: [
        ("PortAdd", "", [String]()), ("PortAdd", "i", []), ("PortAdd", "ss", ["a", "b"]),
        ("ConfigDump", "s", ["x"]), ("StateItemValueSet", "s", ["a"]), ("PortConfigUpdate", "sas", []),
    ])
    func wrongArguments(member: String, signature: String, arguments: [String]) {
        #expect(TeamdDBus.call(interface: "org.libteam.teamd", member: member, signature: signature, arguments: arguments)
            == .error(DBusErrorReply(name: "org.libteam.teamd.InvalidArgs",
                                     message: "Did not receive correct message arguments.")))
    }

    @Test("an unknown method of teamd's interface gets the standard UnknownMethod error")
    func unknownMethod() {
        guard case .error(let error) = TeamdDBus.call(interface: "org.libteam.teamd", member: "Nope", signature: "",
                                                       arguments: [])
        else {
            Issue.record("not refused")
            return
        }
        #expect(error.name == "org.freedesktop.DBus.Error.UnknownMethod")
        #expect(error.message.contains("Nope"))
    }

    @Test("Introspect is answered; other interfaces are left to the bus library")
    func otherInterfaces() {
        #expect(TeamdDBus.call(interface: "org.freedesktop.DBus.Introspectable", member: "Introspect", signature: "",
                               arguments: []) == .introspect)
        #expect(TeamdDBus.call(interface: "org.freedesktop.DBus.Peer", member: "Ping", signature: "", arguments: [])
            == .notHandled)
        #expect(TeamdDBus.call(interface: "org.freedesktop.DBus.Properties", member: "GetAll", signature: "s",
                               arguments: ["org.libteam.teamd"]) == .notHandled)
        #expect(TeamdDBus.call(interface: "org.example.Other", member: "ConfigDump", signature: "", arguments: [])
            == .notHandled)
    }

    @Test("success replies carry one string only for the methods that return one", arguments: ControlMethod.allCases)
    func successReply(method: ControlMethod) {
        let reply = TeamdDBus.reply(to: method, with: .success("payload"))
        #expect(reply == .success(method.returnsValue ? "payload" : nil))
    }

    @Test("error replies carry teamd's name and message")
    func errorReply() {
        #expect(TeamdDBus.reply(to: .portAdd, with: .failure(.noSuchDevice))
            == .failure(DBusErrorReply(name: "org.libteam.teamd.NoSuchDev", message: "No such device.")))
        #expect(TeamdDBus.reply(to: .stateItemValueSet, with: .failure(.operationNotSupported))
            == .failure(DBusErrorReply(name: "org.libteam.teamd.OpNotSupp", message: "Operation not supported.")))
    }

    /// The methods of teamd's interface in the introspection data, each with its
    /// `(direction, name)` arguments in order.
    static func introspectedMethods() -> [String: [String]] {
        let lines = TeamdDBus.introspectionXML.split(separator: "\n").map { $0.trimmingPrefix(while: { $0 == " " }) }
        guard let start = lines.firstIndex(of: "<interface name=\"org.libteam.teamd\">") else { return [:] }
        var methods: [String: [String]] = [:]
        var current: String?
        for text in lines[(start + 1)...] {
            if text.hasPrefix("<method name=\""), let name = text.split(separator: "\"").dropFirst().first {
                current = String(name)
                methods[String(name), default: []] = []
            } else if text.hasPrefix("<arg "), let current {
                let fields = text.split(separator: "\"")
                // <arg type="s" name="N" direction="D"/>
                guard fields.count >= 6 else { continue }
                methods[current, default: []].append("\(fields[1]) \(fields[5]) \(fields[3])")
            } else if text.hasPrefix("</interface>") {
                break
            }
        }
        return methods
    }

    @Test("introspection lists every method with its in arguments and its result")
    func introspection() {
        let methods = Self.introspectedMethods()
        #expect(methods.count == ControlMethod.allCases.count)
        for method in ControlMethod.allCases {
            var expected = method.argumentNames.map { "s in \($0)" }
            if let result = method.resultName { expected.append("s out \(result)") }
            #expect(methods[method.name] == expected, "\(method.name)")
            #expect((method.resultName != nil) == method.returnsValue)
        }
        #expect(TeamdDBus.introspectionXML.contains("<interface name=\"org.freedesktop.DBus.Introspectable\">"))
        #expect(TeamdDBus.introspectionXML.hasPrefix("<!DOCTYPE node"))
    }
}
