import TeamJSON

/// Why a config (or a port config update) was refused: one value, named by its JSON
/// path, and what was expected there. teamd prints it and exits 1 before touching
/// any device.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not JSON, or an object repeats a key.
        case invalidJSON(JSONParseError)
        /// A value of the wrong JSON type.
        case wrongType(expected: String, found: String)
        /// An integer outside the range the key allows.
        case outOfRange(value: Int64, range: ClosedRange<Int64>)
        /// A required key is absent; the path names the key.
        case missingKey
        /// A name that is not one of the allowed values (runner, watcher, policy, hash).
        case unknownValue(String, allowed: [String])
        /// A string of the right type but unusable: a MAC, an interface name, a host.
        case invalidValue(String, reason: String)
    }

    /// Where: e.g. `$.runner.tx_hash[1]`. For invalid JSON, the place the parser stopped
    /// (for a duplicate key, the key's path).
    public let path: JSONPath
    public let kind: Kind

    public init(path: JSONPath, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .invalidJSON(let error):
            return "\(path): invalid JSON: \(error.reason) (line \(error.line), column \(error.column))"
        case .wrongType(let expected, let found):
            return "\(path): expected \(expected), found \(found)"
        case .outOfRange(let value, let range):
            return "\(path): expected an integer in \(range.lowerBound)...\(range.upperBound), found \(value)"
        case .missingKey:
            return "\(path): required key is missing"
        case .unknownValue(let value, let allowed):
            let quoted = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(path): unknown value \"\(value)\", expected one of \(quoted)"
        case .invalidValue(let value, let reason):
            return "\(path): invalid value \"\(value)\": \(reason)"
        }
    }
}

/// Something in a config that teamd accepts but does not use, reported for logging.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public let path: JSONPath
    public let message: String

    public init(path: JSONPath, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
