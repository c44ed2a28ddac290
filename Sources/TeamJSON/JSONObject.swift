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
    private var indexByKey: [String: Int]

    public init() {
        members = []
        indexByKey = [:]
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
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func contains(key: String) -> Bool { indexByKey[key] != nil }

    /// Reading gives the member's value; writing a new key appends it, writing an
    /// existing key replaces the value in place, writing `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            indexByKey[key].map { members[$0].value }
        }
        set {
            if let newValue {
                if let index = indexByKey[key] {
                    members[index].value = newValue
                } else {
                    indexByKey[key] = members.count
                    members.append((key: key, value: newValue))
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = indexByKey.removeValue(forKey: key) else { return nil }
        let removed = members.remove(at: index).value
        for later in index..<members.count {
            indexByKey[members[later].key] = later
        }
        return removed
    }

    public mutating func removeAll() {
        members.removeAll()
        indexByKey.removeAll()
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
