/// One bonding option as the user or the kernel wrote it: a `BONDING_OPTS` word `name=value`, or a file
/// of `/sys/class/net/BOND/bonding/` with its contents.
public struct BondingOption: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Where the options came from. sysfs shows every option, set or not, so a default value there is no
/// setting; an option on the command line or in `BONDING_OPTS` is one even when it repeats the default.
public enum BondingOptionSource: Sendable, Equatable {
    case text
    case sysfs
}

/// The options of one bond, in the order given.
public struct BondingOptions: Sendable, Equatable {
    public let options: [BondingOption]
    public let source: BondingOptionSource
    /// The bond's slaves when the source knows them (sysfs `slaves`), else empty.
    public let slaves: [String]

    public init(_ options: [BondingOption], source: BondingOptionSource = .text, slaves: [String] = []) {
        self.options = options
        self.source = source
        self.slaves = slaves
    }

    /// `BONDING_OPTS` / `--bonding_opts` text: words `name=value` separated by white space
    /// (`arp_ip_target` takes a comma-separated list). A word without `=` is an error naming it.
    public init(parsing text: String) throws(ConversionError) {
        var options: [BondingOption] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw ConversionError(String(word), "expected name=value")
            }
            options.append(BondingOption(String(word[..<equals]), String(word[word.index(after: equals)...])))
        }
        self.init(options, source: .text)
    }

    /// The files of `/sys/class/net/BOND/bonding/` (name → contents, as read). The kernel prints
    /// enumerations as `name number` (`802.3ad 4`); only the name is kept. `slaves` becomes the slave
    /// list; `queue_id` (`eth0:0 eth1:2`) becomes one `queue_id` option per slave with a queue.
    public init(sysfs files: [String: String]) {
        var options: [BondingOption] = []
        var slaves: [String] = []
        for name in files.keys.sorted(by: Self.sysfsOrder) {
            let contents = files[name]!.trimmingWhiteSpace()
            switch name {
            case "slaves":
                slaves = contents.words
            case "queue_id":
                for pair in contents.words {
                    let parts = pair.split(separator: ":")
                    if parts.count == 2, parts[1] != "0" {
                        options.append(BondingOption("queue_id", "\(parts[0]):\(parts[1])"))
                    }
                }
            case "arp_ip_target", "ns_ip6_target":
                if !contents.isEmpty { options.append(BondingOption(name, contents.words.joined(separator: ","))) }
            default:
                let words = contents.words
                if BondOptionCatalog.enumerations[name] != nil, let first = words.first {
                    options.append(BondingOption(name, first))
                } else {
                    options.append(BondingOption(name, contents))
                }
            }
        }
        self.init(options, source: .sysfs, slaves: slaves)
    }

    /// mode first (it decides what the others mean), then the order of the catalog, then the rest by name:
    /// the same files give the same messages in the same order.
    static func sysfsOrder(_ lhs: String, _ rhs: String) -> Bool {
        let left = BondOptionCatalog.order.firstIndex(of: lhs) ?? Int.max
        let right = BondOptionCatalog.order.firstIndex(of: rhs) ?? Int.max
        return left != right ? left < right : lhs < rhs
    }
}

extension String {
    var words: [String] { split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) }

    func trimmingWhiteSpace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
