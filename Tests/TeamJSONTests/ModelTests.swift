import Testing
import TeamJSON

@Suite struct ModelTests {
    @Test func objectKeepsInsertionOrderAndReplacesInPlace() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = "x"
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == "x")
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object["c"] == 3)
        object["a"] = 4
        #expect(object.keys == ["b", "c", "a"])
        #expect(object.removeValue(forKey: "b") == "x")
        #expect(object.removeValue(forKey: "b") == nil)
        #expect(object.keys == ["c", "a"])
        #expect(object["a"] == 4 && object["c"] == 3)
        object.removeAll()
        #expect(object.isEmpty)
    }

    @Test func objectEqualityIgnoresOrderLikeJansson() {
        let first: JSONValue = ["a": 1, "b": [true]]
        let second: JSONValue = ["b": [true], "a": 1]
        #expect(first == second)
        #expect(first != ["a": 1, "b": [false]])
        #expect(first != ["a": 1])
        #expect(JSONValue.integer(1) != .double(1))
    }

    @Test func pathAccessAndDescription() {
        let value: JSONValue = ["runner": ["tx_hash": ["eth", "ipv4"]], "ports": ["eth0.100": ["prio": 3]]]
        let hash = JSONPath.root.appending("runner").appending("tx_hash").appending(index: 1)
        #expect(hash.description == "$.runner.tx_hash[1]")
        #expect(value[hash] == "ipv4")
        let vlanPort = JSONPath.root.appending("ports").appending("eth0.100").appending("prio")
        #expect(vlanPort.description == #"$.ports["eth0.100"].prio"#)
        #expect(value[vlanPort] == 3)
        #expect(JSONPath.root.description == "$")
        #expect(JSONPath.root.appending("a b\"").description == #"$["a b\""]"#)
        #expect(JSONPath.root.appending("veth-a_1").description == "$.veth-a_1")
        #expect(value[JSONPath.root.appending("missing").appending(index: 0)] == nil)
    }

    @Test func typeNames() {
        let values: [JSONValue] = [nil, true, 1, 1.5, "s", [], [:]]
        #expect(values.map(\.typeName) == ["null", "boolean", "integer", "real", "string", "array", "object"])
    }
}
