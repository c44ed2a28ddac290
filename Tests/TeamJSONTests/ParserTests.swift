import Testing
import TeamJSON

@Suite struct ParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue(parsing: #" {"n": null, "t": true, "f": false, "i": -12, "r": 2.5e1, "s": "x", "a": [1, "2"], "o": {}} "#)
        #expect(value["n"] == .null)
        #expect(value["t"]?.boolValue == true)
        #expect(value["f"]?.boolValue == false)
        #expect(value["i"]?.integerValue == -12)
        #expect(value["r"]?.doubleValue == 25)
        #expect(value["r"]?.integerValue == nil)
        #expect(value["i"]?.numberValue == -12)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?[1]?.stringValue == "2")
        #expect(value["a"]?[2] == nil)
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value.objectValue?.keys == ["n", "t", "f", "i", "r", "s", "a", "o"])
    }

    @Test func integerAndRealAreDistinct() throws {
        #expect(try JSONValue(parsing: "1") == .integer(1))
        #expect(try JSONValue(parsing: "1.0") == .double(1))
        #expect(try JSONValue(parsing: "1e0") == .double(1))
        #expect(try JSONValue(parsing: "-0") == .integer(0))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .integer(.min))
    }

    @Test func stringEscapes() throws {
        let value = try JSONValue(parsing: #"["\"\\\/\b\f\n\r\t", "\u00e9\u00E9", "\ud83d\ude00", "é😀"]"#)
        #expect(value == ["\"\\/\u{8}\u{c}\n\r\t", "éé", "😀", "é😀"])
    }

    @Test func keyOrderIsKept() throws {
        let value = try JSONValue(parsing: #"{"z": 1, "a": 2, "m": 3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.serialized() == #"{"z": 1, "a": 2, "m": 3}"#)
    }

    @Test func parsesBytes() throws {
        let bytes: [UInt8] = Array(#"{"é": [true]}"#.utf8)
        #expect(try JSONValue(parsingUTF8: bytes) == ["é": [true]])
    }

    @Test func duplicateKeyNamesItsPath() {
        let text = """
            {
              "device": "team0",
              "ports": {"eth0": {}, "eth1": {}, "eth0": {"prio": 1}}
            }
            """
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        #expect(error?.kind == .duplicateKey("eth0"))
        #expect(error?.path.description == "$.ports.eth0")
        #expect(error?.line == 3)
        #expect(error?.column == 37)
    }

    @Test func duplicateKeyInsideArrayNamesIndex() {
        let error = #expect(throws: JSONParseError.self) {
            try JSONValue(parsing: #"{"link_watch": [{"name": "a"}, {"name": "b", "name": "c"}]}"#)
        }
        #expect(error?.kind == .duplicateKey("name"))
        #expect(error?.path.description == "$.link_watch[1].name")
    }

    @Test func duplicateTopLevelKey() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: #"{"a": 1, "a": 1}"#) }
        #expect(error?.path.description == "$.a")
    }

    struct BadText: Sendable, CustomTestStringConvertible {
        let text: String
        let kind: JSONParseError.Kind
        let line: Int
        let column: Int
        let path: String
        var testDescription: String { text }
    }

    @Test(arguments: [
        BadText(text: "", kind: .unexpectedEndOfInput, line: 1, column: 1, path: "$"),
        BadText(text: "   ", kind: .unexpectedEndOfInput, line: 1, column: 4, path: "$"),
        BadText(text: "{", kind: .unexpectedEndOfInput, line: 1, column: 2, path: "$"),
        BadText(text: "{\"a\" 1}", kind: .unexpectedCharacter(expected: "':'"), line: 1, column: 6, path: "$"),
        BadText(text: "{\"a\": }", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 7, path: "$.a"),
        BadText(text: "{\"a\": 1,}", kind: .unexpectedCharacter(expected: "'\"' (an object key)"), line: 1, column: 9, path: "$"),
        BadText(text: "{\"a\": 1 \"b\": 2}", kind: .unexpectedCharacter(expected: "',' or '}'"), line: 1, column: 9, path: "$"),
        BadText(text: "[1 2]", kind: .unexpectedCharacter(expected: "',' or ']'"), line: 1, column: 4, path: "$"),
        BadText(text: "[1,]", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 4, path: "$[1]"),
        BadText(text: "{\"a\": [1, {\"b\": tru}]}", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 17, path: "$.a[1].b"),
        BadText(text: "[1] x", kind: .trailingCharacters, line: 1, column: 5, path: "$"),
        BadText(text: "{} {}", kind: .trailingCharacters, line: 1, column: 4, path: "$"),
        BadText(text: "[01]", kind: .invalidNumber, line: 1, column: 2, path: "$[0]"),
        BadText(text: "[1.]", kind: .invalidNumber, line: 1, column: 2, path: "$[0]"),
        BadText(text: "[.5]", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 2, path: "$[0]"),
        BadText(text: "[-]", kind: .invalidNumber, line: 1, column: 2, path: "$[0]"),
        BadText(text: "[1e]", kind: .invalidNumber, line: 1, column: 2, path: "$[0]"),
        BadText(text: "[+1]", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 2, path: "$[0]"),
        BadText(text: "[9223372036854775808]", kind: .integerOutOfRange, line: 1, column: 2, path: "$[0]"),
        BadText(text: "[1e400]", kind: .realOutOfRange, line: 1, column: 2, path: "$[0]"),
        BadText(text: "[\"a\\x\"]", kind: .invalidEscape, line: 1, column: 4, path: "$[0]"),
        BadText(text: "[\"\\u12G4\"]", kind: .invalidUnicodeEscape, line: 1, column: 3, path: "$[0]"),
        BadText(text: "[\"\\ud800\"]", kind: .invalidUnicodeEscape, line: 1, column: 3, path: "$[0]"),
        BadText(text: "[\"\\ud800\\u0041\"]", kind: .invalidUnicodeEscape, line: 1, column: 3, path: "$[0]"),
        BadText(text: "[\"\\udc00\"]", kind: .invalidUnicodeEscape, line: 1, column: 3, path: "$[0]"),
        BadText(text: "[\"\\u0000\"]", kind: .invalidUnicodeEscape, line: 1, column: 3, path: "$[0]"),
        BadText(text: "[\"a\tb\"]", kind: .controlCharacterInString, line: 1, column: 4, path: "$[0]"),
        BadText(text: "[\"abc", kind: .unexpectedEndOfInput, line: 1, column: 6, path: "$[0]"),
        BadText(text: "nul", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 1, path: "$"),
        BadText(text: "{'a': 1}", kind: .unexpectedCharacter(expected: "'\"' (an object key)"), line: 1, column: 2, path: "$"),
        BadText(text: "{\n  \"a\": 1,\n  \"b\": [\n    x\n  ]\n}", kind: .unexpectedCharacter(expected: "a value"), line: 4, column: 5, path: "$.b[0]"),
        BadText(text: "[\"é\", x]", kind: .unexpectedCharacter(expected: "a value"), line: 1, column: 7, path: "$[1]"),
    ])
    func rejectsInvalidText(_ bad: BadText) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: bad.text) }
        #expect(error?.kind == bad.kind)
        #expect(error?.line == bad.line)
        #expect(error?.column == bad.column)
        #expect(error?.path.description == bad.path)
    }

    @Test(arguments: [
        [0x5B, 0x22, 0xFF, 0x22, 0x5D] as [UInt8],  // 0xFF never appears in UTF-8
        [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D],        // overlong "/"
        [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D],  // encoded surrogate
        [0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D],  // above U+10FFFF
        [0x5B, 0x22, 0xE2, 0x82, 0x22, 0x5D],        // truncated sequence
        [0x5B, 0x22, 0xE2],                          // truncated at end of input
    ])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsingUTF8: bytes) }
        #expect(error?.kind == .invalidUTF8)
    }

    @Test func depthLimitStopsHostileNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        #expect(error?.kind == .tooDeep(limit: 512))
        #expect(error?.column == 513)

        let objects = String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)
        let objectError = #expect(throws: JSONParseError.self) { try JSONValue(parsing: objects) }
        #expect(objectError?.kind == .tooDeep(limit: 512))
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let text = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        let value = try JSONValue(parsing: text, options: JSONParseOptions(maximumDepth: 8))
        #expect(value.serialized(.init(compact: true)) == text)
        #expect(throws: JSONParseError.self) {
            try JSONValue(parsing: "[" + text + "]", options: JSONParseOptions(maximumDepth: 8))
        }
    }

    @Test func errorDescriptionNamesPathAndPosition() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: "{\"a\": [1,\n 2, }]}") }
        #expect(error?.description == "unexpected character, expected a value at $.a[2] (line 2, column 5)")
    }
}
