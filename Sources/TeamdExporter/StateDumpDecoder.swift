import TeamJSON

extension TeamSnapshot {
    /// Reads the state dump `text` of the teamd controlling `team` (the name its control socket has).
    public init(team: String, stateDump text: String) throws(StateDumpError) {
        let document: JSONValue
        do throws(JSONParseError) {
            document = try JSONValue(parsing: text)
        } catch {
            throw StateDumpError(path: "", reason: "not JSON (\(error))")
        }
        guard let root = document.objectValue else {
            throw StateDumpError(path: "", reason: "expected an object, got \(document.typeName)")
        }
        let top = Fields(root, path: "")
        let setup = try top.object("setup")
        var snapshot = TeamSnapshot(team: team)
        snapshot.pid = try setup?.integer("pid")
        snapshot.runner = try setup?.string("runner_name")
        snapshot.kernelTeamMode = try setup?.string("kernel_team_mode_name")
        snapshot.activePort = try top.object("runner")?.string("active_port")
        if let ports = try top.object("ports") {
            snapshot.ports = try ports.members.map { (name, value) throws(StateDumpError) in
                try PortSnapshot(name: name, ports.fields(of: value, key: name))
            }.sorted { $0.name < $1.name }
        }
        self = snapshot
    }
}

extension PortSnapshot {
    fileprivate init(name: String, _ port: Fields) throws(StateDumpError) {
        self.init(name: name)
        linkUp = try port.object("link")?.bool("up")
        if let watches = try port.object("link_watches") {
            up = try watches.bool("up")
            if let list = try watches.object("list") {
                self.watches = try list.members.map { (key, value) throws(StateDumpError) in
                    try LinkWatchSnapshot(key: key, list.fields(of: value, key: key))
                }.sorted { $0.key < $1.key }
            }
        }
        if let runner = try port.object("runner"), runner.has("actor_lacpdu_info") || runner.has("aggregator") {
            lacp = try LACPPortSnapshot(runner)
        }
    }
}

extension LinkWatchSnapshot {
    fileprivate init(key: String, _ watch: Fields) throws(StateDumpError) {
        self.init(key: key, name: try watch.string("name") ?? "")
        up = try watch.bool("up")
        downCount = try watch.integer("down_count")
        missed = try watch.integer("missed")
    }
}

extension LACPPortSnapshot {
    fileprivate init(_ runner: Fields) throws(StateDumpError) {
        self.init()
        let actor = try runner.object("actor_lacpdu_info")
        let partner = try runner.object("partner_lacpdu_info")
        let aggregator = try runner.object("aggregator")
        actorState = try actor?.octet("state")
        partnerState = try partner?.octet("state")
        partnerSystem = try partner?.string("system")
        partnerKey = try partner?.integer("key")
        selected = try runner.bool("selected")
        aggregatorID = try aggregator?.integer("id")
        aggregatorSelected = try aggregator?.bool("selected")
        receiveState = try runner.string("state")
        if let counters = try runner.object("statistics") {
            let values = try LACPStatistics.keys.map { key throws(StateDumpError) in try counters.integer(key) }
            statistics = LACPStatistics(inPackets: values[0], outPackets: values[1], receiveErrors: values[2],
                                        markers: values[3], partnerChurns: values[4])
        }
    }
}

/// The members of one JSON object with the path that leads to it, so that a wrongly typed field is
/// named in the error ("ports.tp0.link.up: expected a boolean, got string").
private struct Fields {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    var members: [JSONObject.Member] { object.members }

    func has(_ key: String) -> Bool { object.contains(key: key) }

    private func pathOf(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The member `key` as an object, the same way as `object(_:)` but for a value already in hand.
    func fields(of value: JSONValue, key: String) throws(StateDumpError) -> Fields {
        guard let inner = value.objectValue else { throw mistyped(key, value, expected: "an object") }
        return Fields(inner, path: pathOf(key))
    }

    func object(_ key: String) throws(StateDumpError) -> Fields? {
        guard let value = object[key], !value.isNull else { return nil }
        return try fields(of: value, key: key)
    }

    func bool(_ key: String) throws(StateDumpError) -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let bool = value.boolValue else { throw mistyped(key, value, expected: "a boolean") }
        return bool
    }

    func integer(_ key: String) throws(StateDumpError) -> Int64? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let integer = value.integerValue else { throw mistyped(key, value, expected: "an integer") }
        return integer
    }

    /// An integer that fits an octet (the LACP state flags).
    func octet(_ key: String) throws(StateDumpError) -> Int64? {
        guard let integer = try integer(key) else { return nil }
        guard (0...255).contains(integer) else {
            throw StateDumpError(path: pathOf(key), reason: "expected an integer from 0 to 255, got \(integer)")
        }
        return integer
    }

    func string(_ key: String) throws(StateDumpError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw mistyped(key, value, expected: "a string") }
        return string
    }

    private func mistyped(_ key: String, _ value: JSONValue, expected: String) -> StateDumpError {
        StateDumpError(path: pathOf(key), reason: "expected \(expected), got \(value.typeName)")
    }
}
