/// A location inside a JSON document, printed in the JSONPath style used by
/// error messages: `$`, `$.ports.eth0`, `$.runner.tx_hash[1]`, `$.ports["eth0.100"]`.
///
/// Errors about configs and control requests name the offending value by its
/// path so that a user can find it in a file of any size.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// `$`, the document itself.
    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath {
        JSONPath(components + [.key(key)])
    }

    public func appending(index: Int) -> JSONPath {
        JSONPath(components + [.index(index)])
    }

    public var description: String {
        var text = "$"
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key):
                if Self.isPlainKey(key) {
                    text += "." + key
                } else {
                    // Keys with dots, spaces or quotes would be ambiguous after a dot.
                    text += "[" + JSONValue.string(key).serialized(.init(indent: 0)) + "]"
                }
            }
        }
        return text
    }

    /// Interface names such as `eth0`, `veth-a` or `tx_hash` print after a dot.
    private static func isPlainKey(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        return key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
