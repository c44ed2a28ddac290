import Testing
@testable import TeamdControl
import TeamTesting
@testable import DBusWire
@testable import ZMTP
@testable import TeamdctlCLI
import TestSupport

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("UNIX socket wire format")
struct WireCodecTests {
    // Byte vectors as the C libteamdctl writes them (libteamdctl/cli_usock.c:
    // "REQUEST\n<method>\n" then "<escaped arg>\n" per argument).
    static let requestVectors: [(ControlRequest, String)] = [
        (.configDump, "REQUEST\nConfigDump\n"),
        (.configDumpActual, "REQUEST\nConfigDumpActual\n"),
        (.stateDump, "REQUEST\nStateDump\n"),
        (.portAdd(port: "eth1"), "REQUEST\nPortAdd\neth1\n"),
        (.portRemove(port: "eth1"), "REQUEST\nPortRemove\neth1\n"),
        (.portConfigDump(port: "eth1"), "REQUEST\nPortConfigDump\neth1\n"),
        (.portConfigUpdate(port: "eth1", config: "{\n    \"prio\": 10\n}"),
         "REQUEST\nPortConfigUpdate\neth1\n{\\n    \"prio\": 10\\n}\n"),
        (.stateItemValueGet(path: "runner.active_port"), "REQUEST\nStateItemValueGet\nrunner.active_port\n"),
        (.stateItemValueSet(path: "setup.debug_level", value: "2"), "REQUEST\nStateItemValueSet\nsetup.debug_level\n2\n"),
        (.stateItemValueSet(path: "a\\b", value: "c\\nd"), "REQUEST\nStateItemValueSet\na\\\\b\nc\\\\nd\n"),
    ]

    @Test("requests encode to the C client's bytes and decode back", arguments: requestVectors)
    func requestVector(request: ControlRequest, wire: String) throws {
        #expect(request.encoded() == bytes(wire))
        #expect(try ControlRequest(decoding: bytes(wire)) == request)
    }

    @Test("every method has its argument count and D-Bus argument names")
    func methodTable() {
        #expect(ControlMethod.allCases.count == 9)
        let counts = Dictionary(uniqueKeysWithValues: ControlMethod.allCases.map { ($0.rawValue, $0.argumentCount) })
        #expect(counts == [
            "PortConfigUpdate": 2, "PortConfigDump": 1, "PortAdd": 1, "PortRemove": 1, "ConfigDump": 0,
            "ConfigDumpActual": 0, "StateDump": 0, "StateItemValueGet": 1, "StateItemValueSet": 2,
        ])
        #expect(ControlMethod.stateItemValueSet.argumentNames == ["state_item_path", "value"])
        #expect(ControlMethod.allCases.filter(\.returnsValue).map(\.rawValue).sorted()
            == ["ConfigDump", "ConfigDumpActual", "PortConfigDump", "StateDump", "StateItemValueGet"])
    }

    @Test("the decoder reads lines as teamd does: empty lines skipped, last newline optional")
    func teamdLineRules() throws {
        #expect(try ControlRequest(decoding: bytes("\n\nREQUEST\n\nPortAdd\n\neth0")) == .portAdd(port: "eth0"))
        #expect(try ControlRequest(decoding: bytes("REQUEST\nStateDump")) == .stateDump)
        // An empty argument is no argument at all: teamd answers InvalidArgs to it.
        #expect(throws: ControlRequestError.wrongArgumentCount(.portAdd, expected: 1, received: 0)) {
            try ControlRequest(decoding: bytes("REQUEST\nPortAdd\n\n"))
        }
        #expect(ControlRequest.portAdd(port: "").encoded() == bytes("REQUEST\nPortAdd\n\n"))
    }

    @Test("arguments with newlines and backslashes round-trip",
          arguments: ["", "plain", "two\nlines", "\\", "\\n", "a\\\\b\n\n", "\n", "ünïcödé ✓"])
    func escapingRoundTrip(text: String) throws {
        let request = ControlRequest.stateItemValueSet(path: "p", value: text.isEmpty ? "x" : text)
        let wire = request.encoded()
        // One line per argument: the escaped form never holds a raw newline.
        #expect(wire.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count == 5)
        #expect(try ControlRequest(decoding: wire) == request)
    }

    static let malformed: [(String, [UInt8], ControlRequestError, ControlErrorCode)] = [
        ("empty", [], .empty, .invalidRequest),
        ("only newlines", bytes("\n\n\n"), .empty, .invalidRequest),
        ("no REQUEST prefix", bytes("REPLY_SUCCESS\n{}"), .notARequest(firstLine: "REPLY_SUCCESS"), .invalidRequest),
        ("prefix is case-sensitive", bytes("request\nStateDump\n"), .notARequest(firstLine: "request"), .invalidRequest),
        ("method missing", bytes("REQUEST\n"), .missingMethod, .invalidRequest),
        ("unknown method", bytes("REQUEST\nFrobnicate\n"), .unknownMethod("Frobnicate"), .unknownMethod),
        ("method name case", bytes("REQUEST\nstatedump\n"), .unknownMethod("statedump"), .unknownMethod),
        ("too few arguments", bytes("REQUEST\nPortConfigUpdate\neth0\n"),
         .wrongArgumentCount(.portConfigUpdate, expected: 2, received: 1), .invalidArguments),
        ("too many arguments", bytes("REQUEST\nStateDump\nextra\n"),
         .wrongArgumentCount(.stateDump, expected: 0, received: 1), .invalidArguments),
        ("bad escape", bytes("REQUEST\nPortAdd\neth\\x0\n"), .invalidEscape(.portAdd, argument: 0), .invalidArguments),
        ("trailing backslash", bytes("REQUEST\nStateItemValueSet\npath\nvalue\\\n"),
         .invalidEscape(.stateItemValueSet, argument: 1), .invalidArguments),
        ("NUL byte", bytes("REQUEST\nPortAdd\neth") + [0] + bytes("0\n"), .containsNUL, .invalidRequest),
        ("invalid UTF-8 argument", bytes("REQUEST\nPortAdd\n") + [0xff, 0xfe, 0x0a],
         .invalidUTF8(.portAdd, argument: 0), .invalidArguments),
        ("invalid UTF-8 method", bytes("REQUEST\n") + [0xc3, 0x28], .unknownMethod("\u{FFFD}("), .unknownMethod),
    ]

    @Test("malformed requests give typed errors and the matching error reply", arguments: malformed)
    func malformedRequest(name: String, wire: [UInt8], error: ControlRequestError, code: ControlErrorCode) {
        #expect(throws: error, "\(name)") { try ControlRequest(decoding: wire) }
        guard case .failure(let reply) = error.reply else {
            Issue.record("\(name): reply is not an error")
            return
        }
        #expect(reply.code == code, "\(name)")
        // The reply must itself be a valid one-line-per-field error message.
        #expect(throws: Never.self) { try ControlReply(decoding: error.reply.encoded()) }
    }

    @Test("argument errors get the C teamd's InvalidArgs reply")
    func invalidArgsReplyText() {
        let error = ControlRequestError.invalidEscape(.portAdd, argument: 0)
        #expect(error.reply.encoded() == bytes("REPLY_ERROR\nInvalidArgs\nDid not receive correct message arguments.\n"))
    }

    @Test("a 1 MiB request is refused without being parsed")
    func oversizedRequest() {
        var wire = bytes("REQUEST\nPortConfigUpdate\neth0\n")
        wire += [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        wire.append(UInt8(ascii: "\n"))
        #expect(throws: ControlRequestError.tooLarge(size: wire.count, limit: ControlRequest.maximumEncodedSize)) {
            try ControlRequest(decoding: wire)
        }
        // The largest accepted request is still accepted.
        var config = "\""
        config += String(repeating: "y", count: ControlRequest.maximumEncodedSize - 40)
        config += "\""
        let largest = ControlRequest.portConfigUpdate(port: "eth0", config: config)
        #expect(largest.encoded().count <= ControlRequest.maximumEncodedSize)
        #expect(throws: Never.self) { try ControlRequest(decoding: largest.encoded()) }
    }

    @Test("init(method:arguments:) checks the argument count")
    func requestFromParts() throws {
        #expect(try ControlRequest(method: .portConfigUpdate, arguments: ["eth0", "{}"])
            == .portConfigUpdate(port: "eth0", config: "{}"))
        #expect(throws: ControlRequestError.wrongArgumentCount(.portAdd, expected: 1, received: 2)) {
            try ControlRequest(method: .portAdd, arguments: ["a", "b"])
        }
        for method in ControlMethod.allCases {
            let request = try ControlRequest(method: method, arguments: method.argumentNames)
            #expect(request.method == method)
            #expect(request.arguments == method.argumentNames)
        }
    }

    // Replies as the C teamd writes them (teamd/teamd_usock.c usock_op_reply_*).
    static let replyVectors: [(ControlReply, String)] = [
        (.success(""), "REPLY_SUCCESS\n"),
        (.success("{\n    \"device\": \"team0\"\n}"), "REPLY_SUCCESS\n{\n    \"device\": \"team0\"\n}"),
        (.success("tp0"), "REPLY_SUCCESS\ntp0"),
        (.failure(.noSuchDevice), "REPLY_ERROR\nNoSuchDev\nNo such device.\n"),
        (.failure(.pathDoesNotExist), "REPLY_ERROR\nPathDoesNotExist\nItem path does not exist.\n"),
        (.failure(.operationNotSupported), "REPLY_ERROR\nOpNotSupp\nOperation not supported.\n"),
        (.failure(.portRemoveFailed), "REPLY_ERROR\nPortRemoveFail\nFailed to del port.\n"),
    ]

    @Test("replies encode to the C teamd's bytes and decode back", arguments: replyVectors)
    func replyVector(reply: ControlReply, wire: String) throws {
        #expect(reply.encoded() == bytes(wire))
        #expect(try ControlReply(decoding: bytes(wire)) == reply)
    }

    @Test("a success payload keeps its newlines, blank lines included")
    func successPayloadVerbatim() throws {
        let payload = "\n\nline\n\n\nend\n"
        #expect(try ControlReply(decoding: ControlReply.success(payload).encoded()) == .success(payload))
        // No newline after the prefix: an empty payload (the C client would crash).
        #expect(try ControlReply(decoding: bytes("REPLY_SUCCESS")) == .success(""))
    }

    @Test("an error message with a newline stays one line on the wire")
    func errorMessageNewline() throws {
        let reply = ControlReply.failure(ControlError(code: "Odd\nCode", message: "two\nlines"))
        #expect(reply.encoded() == bytes("REPLY_ERROR\nOdd Code\ntwo lines\n"))
    }

    static let badReplies: [(String, [UInt8], ControlReplyError)] = [
        ("empty", [], .empty),
        ("a request", bytes("REQUEST\nStateDump\n"), .unsupportedType("REQUEST")),
        ("error without code", bytes("REPLY_ERROR\n"), .missingErrorCode),
        ("error without message", bytes("REPLY_ERROR\nNoSuchDev\n"), .missingErrorMessage(code: .noSuchDevice)),
        ("payload not UTF-8", bytes("REPLY_SUCCESS\n") + [0xff], .invalidUTF8),
    ]

    @Test("malformed replies give typed errors", arguments: badReplies)
    func badReply(name: String, wire: [UInt8], error: ControlReplyError) {
        #expect(throws: error, "\(name)") { try ControlReply(decoding: wire) }
    }

    @Test("random and mutated messages never trap the decoders; what decodes re-encodes the same")
    func fuzz() {
        var generator = SeededGenerator(seed: 0x7ea3d)
        let alphabet = bytes("REQUESTPLY_\\n\nPortAdConfigDumpStateItemValue") + [0, 0xff, 0xc3]
        // Random letters alone almost never form a message: half the rounds mutate real ones.
        let seeds = Self.requestVectors.map { bytes($0.1) }
            + [ControlReply.success("{\n}").encoded(), ControlReply.failure(ControlError(code: .noSuchDevice, message: "m")).encoded()]
        var requests = 0
        var replies = 0
        for round in 0..<5000 {
            let message = round % 2 == 0
                ? (0..<generator.below(80)).map { _ in alphabet[generator.below(alphabet.count)] }
                : generator.mutate(seeds[(round / 2) % seeds.count])
            if let request = try? ControlRequest(decoding: message) {
                requests += 1
                // Whatever decodes must re-encode to something that decodes the same.
                #expect((try? ControlRequest(decoding: request.encoded())) == request)
            }
            if let reply = try? ControlReply(decoding: message) {
                replies += 1
                #expect((try? ControlReply(decoding: reply.encoded())) == reply)
            }
        }
        #expect(requests >= 80, "decoded requests: \(requests)")
        #expect(replies >= 40, "decoded replies: \(replies)")
    }
}
