/// A JSON object that keeps its members in insertion order.
///
/// Order matters to us: jansson (≥ 2.8) keeps insertion order, so an unsorted dump
/// of a config shows the keys as the user wrote them, and our dumps must be
/// reproducible. Equality follows JSON (and jansson's `json_equal`): two objects
/// are equal when they hold the same keys with equal values, in any order.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Member = (key: String, value: JSONValue)

    /// The members in insertion order.
    public private(set) var members: [Member]
    /// Positions by key, built only once an object grows past `indexThreshold` members: the objects
    /// teamd builds (state, config) have a handful of keys, where a linear search costs less than
    /// hashing every key (measured: the dictionary was a fifth of a StateDump's CPU).
    private var indexByKey: [String: Int]?

    /// Above this many members, lookups go through a dictionary, so a hostile document with many keys
    /// stays linear to build.
    static let indexThreshold = 16

    public init() {
        members = []
        indexByKey = nil
    }

    /// Builds an object from members in order; a repeated key keeps its first
    /// position and takes the last value (as repeated assignment would).
    public init(_ members: some Sequence<Member>) {
        self.init()
        for member in members {
            self[member.key] = member.value
        }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        members.reserveCapacity(elements.count)
        for (key, value) in elements {
            self[key] = value
        }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func contains(key: String) -> Bool { position(of: key) != nil }

    private func position(of key: String) -> Int? {
        if let indexByKey { return indexByKey[key] }
        return members.firstIndex { $0.key == key }
    }

    /// Reading gives the member's value; writing a new key appends it, writing an
    /// existing key replaces the value in place, writing `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            position(of: key).map { members[$0].value }
        }
        set {
            if let newValue {
                if let index = position(of: key) {
                    members[index].value = newValue
                } else {
                    members.append((key: key, value: newValue))
                    if indexByKey != nil {
                        indexByKey![key] = members.count - 1
                    } else if members.count > JSONObject.indexThreshold {
                        buildIndex()
                    }
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    private mutating func buildIndex() {
        var index: [String: Int] = [:]
        index.reserveCapacity(members.count * 2)
        for (position, member) in members.enumerated() {
            index[member.key] = position
        }
        indexByKey = index
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = position(of: key) else { return nil }
        let removed = members.remove(at: index).value
        if indexByKey != nil {
            if members.count > JSONObject.indexThreshold { buildIndex() } else { indexByKey = nil }
        }
        return removed
    }

    public mutating func removeAll() {
        members.removeAll()
        indexByKey = nil
    }

    /// The members sorted by key in byte order, as jansson's `JSON_SORT_KEYS` does.
    public var sortedMembers: [Member] {
        members.sorted { JSONObject.keyPrecedes($0.key, $1.key) }
    }

    /// jansson compares keys with memcmp and then by length: plain UTF-8 byte order.
    static func keyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }
}
