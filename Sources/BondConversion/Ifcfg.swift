/// A network-scripts ifcfg file (`/etc/sysconfig/network-scripts/ifcfg-NAME`): shell assignments
/// `KEY=value`, values optionally quoted, `#` comments. Lines are kept as written so that a converted
/// file changes only what the conversion is about.
public struct IfcfgFile: Sendable, Equatable {
    public private(set) var lines: [String]

    public init(lines: [String]) {
        self.lines = lines
    }

    public init(text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        self.init(lines: lines)
    }

    /// The last value assigned to `key`, unquoted.
    public func value(_ key: String) -> String? {
        var found: String?
        for line in lines {
            if let (name, value) = Self.assignment(line), name == key { found = value }
        }
        return found
    }

    /// The key and unquoted value of an assignment line, or nil for a comment, a blank or other line.
    static func assignment(_ line: String) -> (String, String)? {
        let trimmed = line.trimmingWhiteSpace()
        guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
        let key = String(trimmed[..<equals])
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        var value = Substring(trimmed[trimmed.index(after: equals)...])
        if let quote = value.first, quote == "\"" || quote == "'" {
            value = value.dropFirst()
            if let end = value.firstIndex(of: quote) { value = value[..<end] }
        } else if let comment = value.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "#" }) {
            value = value[..<comment]
        }
        return (key, String(value))
    }

    /// Without the assignments of these keys (and of keys starting with `TEAM_`).
    public func removing(_ keys: Set<String>) -> IfcfgFile {
        IfcfgFile(lines: lines.filter { line in
            guard let (key, _) = Self.assignment(line) else { return true }
            return !keys.contains(key) && !key.hasPrefix("TEAM_")
        })
    }

    /// `KEY=value` replaced where assigned, appended otherwise.
    public func setting(_ key: String, _ value: String) -> IfcfgFile {
        var copy = self
        let line = "\(key)=\(Self.quoted(value))"
        if let index = lines.lastIndex(where: { Self.assignment($0)?.0 == key }) {
            copy.lines[index] = line
        } else {
            copy.lines.append(line)
        }
        return copy
    }

    /// Shell quoting: plain words as they are, the rest in single quotes.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || "_-.:+/@,%=".contains($0) }
        if plain { return value }
        return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public var text: String { lines.map { $0 + "\n" }.joined() }

    /// The keys of a bond and its slaves that a team's files must not keep.
    public static let bondingKeys: Set<String> = [
        "BONDING_OPTS", "BONDING_MASTER", "MASTER", "SLAVE", "TYPE", "DEVICETYPE",
    ]
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) { return index..<self.index(index, offsetBy: target.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
