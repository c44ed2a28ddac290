import Testing
import TeamJSON

/// Expected texts below were produced by Debian bookworm's libjansson 2.14 (`json_loads`
/// with JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, then `json_dumps` with the flags named
/// in each case), the library the C teamd and teamdctl link.
@Suite struct SerializerTests {
    static let sample = #"""
        {"b": [1, 2.5, [], {}], "a": {"x": "é/\u0001\ud83d\ude00"}, "B": 1e20, "c": 0.1, "d": 100.0, "e": 1e-5, "f": -0.0}
        """#

    @Test func defaultFlagsKeepOrderAndUTF8() throws {
        let value = try JSONValue(parsing: Self.sample)
        #expect(value.serialized() == #"""
            {"b": [1, 2.5, [], {}], "a": {"x": "é/\u0001😀"}, "B": 1e20, "c": 0.10000000000000001, "d": 100.0, "e": 1.0000000000000001e-5, "f": -0.0}
            """#)
    }

    @Test func compactFlag() throws {
        let value = try JSONValue(parsing: Self.sample)
        #expect(value.serialized(.init(compact: true)) == #"""
            {"b":[1,2.5,[],{}],"a":{"x":"é/\u0001😀"},"B":1e20,"c":0.10000000000000001,"d":100.0,"e":1.0000000000000001e-5,"f":-0.0}
            """#)
    }

    @Test func compactWithEscapedSlash() throws {
        let value = try JSONValue(parsing: Self.sample)
        #expect(value.serialized(.init(compact: true, escapeSlash: true)) == #"""
            {"b":[1,2.5,[],{}],"a":{"x":"é\/\u0001😀"},"B":1e20,"c":0.10000000000000001,"d":100.0,"e":1.0000000000000001e-5,"f":-0.0}
            """#)
    }

    /// TEAMD_JSON_DUMPS_FLAGS and teamdctl's default output.
    @Test func teamdControlFlags() throws {
        let value = try JSONValue(parsing: Self.sample)
        let expected = #"""
            {
                "B": 1e20,
                "a": {
                    "x": "\u00E9/\u0001\uD83D\uDE00"
                },
                "b": [
                    1,
                    2.5,
                    [],
                    {}
                ],
                "c": 0.10000000000000001,
                "d": 100.0,
                "e": 1.0000000000000001e-5,
                "f": -0.0
            }
            """#
        #expect(value.serialized(.teamdControl) == expected)
        #expect(value.serialized(.teamdctl) == expected)
    }

    /// teamdctl -o: JSON_INDENT(0) | JSON_ENSURE_ASCII | JSON_SORT_KEYS.
    @Test func teamdctlOneLine() throws {
        let value = try JSONValue(parsing: Self.sample)
        #expect(value.serialized(.teamdctlOneLine) == #"""
            {"B": 1e20, "a": {"x": "\u00E9/\u0001\uD83D\uDE00"}, "b": [1, 2.5, [], {}], "c": 0.10000000000000001, "d": 100.0, "e": 1.0000000000000001e-5, "f": -0.0}
            """#)
    }

    @Test func indentedCompactSeparators() throws {
        let value = try JSONValue(parsing: Self.sample)
        let text = value.serialized(.init(indent: 4, compact: true))
        #expect(text.hasPrefix("{\n    \"b\":[\n        1,\n        2.5,"))
        #expect(text.contains("\n    \"a\":{\n        \"x\":\"é/\\u0001😀\"\n    },\n"))
    }

    @Test func indentTwoNestsEmptyContainersInline() throws {
        let value = try JSONValue(parsing: #"[[1],{"a":{}}]"#)
        #expect(value.serialized(.init(indent: 2, sortKeys: true)) == "[\n  [\n    1\n  ],\n  {\n    \"a\": {}\n  }\n]")
    }

    @Test func sortKeysUsesByteOrder() throws {
        let value = try JSONValue(parsing: #"{"é": 1, "z": 2, "Z": 3, "ab": 4, "a": 5, "": 6, "ä": 7}"#)
        #expect(value.serialized(.init(sortKeys: true)) == #"{"": 6, "Z": 3, "a": 5, "ab": 4, "z": 2, "ä": 7, "é": 1}"#)
    }

    @Test(arguments: [
        (0.5, "0.5"),
        (1.5e300, "1.5000000000000001e300"),
        (-2.25e-300, "-2.25e-300"),
        (123456789012345678.0, "1.2345678901234568e17"),
        (Double.leastNonzeroMagnitude, "4.9406564584124654e-324"),
        (1.7976931348623157e308, "1.7976931348623157e308"),
        (3.0, "3.0"),
        (1e16, "10000000000000000.0"),
        (1e17, "1e17"),
        (0.001, "0.001"),
        (0.0001, "0.0001"),
        (12345.678, "12345.678"),
        (-1e-7, "-9.9999999999999995e-8"),
        (100.0, "100.0"),
        (9007199254740993.0, "9007199254740992.0"),
    ])
    func realsPrintLikeJansson(value: Double, expected: String) {
        #expect(JSONValue.double(value).serialized() == expected)
    }

    @Test func integersPrintInFull() {
        #expect(JSONValue.integer(.min).serialized() == "-9223372036854775808")
        #expect(JSONValue.integer(.max).serialized() == "9223372036854775807")
    }

    @Test func controlCharactersAndDeleteEscaping() throws {
        let value = try JSONValue(parsing: "[\"\u{7f}\", \"\\u001f\\u00ff\\b\\f\\n\\r\\t\\\"\\\\\"]")
        #expect(value.serialized(.init(ensureASCII: true)) == #"["\#u{7f}", "\u001F\u00FF\b\f\n\r\t\"\\"]"#)
    }

    @Test func nonFiniteRealsPrintAsNull() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity)]).serialized() == "[null, null]")
    }

    @Test func scalarsAtTopLevel() {
        #expect(JSONValue.null.serialized() == "null")
        #expect(JSONValue.bool(false).serialized(.teamdctl) == "false")
        #expect(JSONValue.string("a/b").serialized(.teamdctl) == "\"a/b\"")
    }

    @Test func serializedTextParsesBackToTheSameValue() throws {
        let value = try JSONValue(parsing: Self.sample)
        for options in [JSONSerializationOptions(), .teamdControl, .teamdctlOneLine,
                        .init(indent: 3, compact: true, escapeSlash: true)] {
            #expect(try JSONValue(parsing: value.serialized(options)) == value)
        }
    }
}
