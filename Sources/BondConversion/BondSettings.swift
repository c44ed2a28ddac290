#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bond's options checked and made canonical: enumerations by name, integers in range, addresses
/// parsed. Unknown options and bad values are errors naming them; the last value of a repeated option
/// wins, as when the kernel is given them one after the other.
struct BondSettings {
    /// Canonical values of the options given, by name.
    private(set) var values: [String: String] = [:]
    /// The options in the order first given.
    private(set) var order: [String] = []
    /// `arp_ip_target`: IPv4 addresses, in order, without repeats.
    private(set) var arpTargets: [String] = []
    /// `ns_ip6_target`: IPv6 addresses.
    private(set) var nsTargets: [String] = []
    /// `queue_id`: per slave.
    private(set) var queueIDs: [(port: String, queue: Int)] = []
    /// Files of a newer kernel's `bonding/` that this converter does not know (sysfs only; given as text,
    /// an unknown option is an error).
    private(set) var unknown: Set<String> = []
    /// Of miimon and arp_interval, the last given above 0: the bonding driver turns the other off.
    private(set) var lastMonitor: String?
    let source: BondingOptionSource

    init(_ options: BondingOptions) throws(ConversionError) {
        source = options.source
        for option in options.options {
            try take(option)
        }
    }

    private mutating func take(_ option: BondingOption) throws(ConversionError) {
        let name = option.name, value = option.value
        let canonical: String
        if BondOptionCatalog.enumerations[name] != nil {
            guard let known = BondOptionCatalog.enumerationName(name, value) else {
                let names = BondOptionCatalog.enumerations[name]!.map(\.name).joined(separator: ", ")
                throw ConversionError("\(name)=\(value)", "unknown value, expected one of \(names) (or its number)")
            }
            canonical = known
        } else if let range = BondOptionCatalog.integers[name] {
            guard let number = Int(value), range.contains(number) else {
                throw ConversionError("\(name)=\(value)",
                                      "expected an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            canonical = String(number)
            if (name == "miimon" || name == "arp_interval") && number > 0 { lastMonitor = name }
        } else {
            canonical = try takeOther(name, value)
        }
        if values[name] == nil { order.append(name) }
        values[name] = canonical
    }

    /// Addresses, names and the per-slave queue: the options that are neither enumerations nor integers.
    private mutating func takeOther(_ name: String, _ value: String) throws(ConversionError) -> String {
        switch name {
        case "arp_ip_target":
            for text in Self.addressList(value) {
                guard let address = Self.canonicalAddress(text, family: AF_INET) else {
                    throw ConversionError("arp_ip_target=\(value)", "\"\(text)\" is not an IPv4 address")
                }
                if !arpTargets.contains(address) { arpTargets.append(address) }
            }
        case "ns_ip6_target":
            for text in Self.addressList(value) {
                guard let address = Self.canonicalAddress(text, family: AF_INET6) else {
                    throw ConversionError("ns_ip6_target=\(value)", "\"\(text)\" is not an IPv6 address")
                }
                if !nsTargets.contains(address) { nsTargets.append(address) }
            }
        case "queue_id":
            let parts = value.split(separator: ":")
            guard parts.count == 2, let queue = Int(parts[1]), (0...65535).contains(queue) else {
                throw ConversionError("queue_id=\(value)", "expected SLAVE:QUEUE")
            }
            queueIDs.removeAll { $0.port == parts[0] }
            queueIDs.append((String(parts[0]), queue))
        case "ad_actor_system":
            guard Self.isMACAddress(value) else { throw ConversionError("ad_actor_system=\(value)", "not a MAC address") }
        case "primary", "active_slave":
            guard value.utf8.count < 16, !value.contains("/"), !value.contains(" ") else {
                throw ConversionError("\(name)=\(value)", "not an interface name")
            }
        default:
            guard source == .sysfs else { throw ConversionError("\(name)=\(value)", "unknown bonding option") }
            unknown.insert(name)
        }
        return value
    }

    // MARK: Reading

    func string(_ name: String) -> String? { values[name] }

    func integer(_ name: String) -> Int? { values[name].flatMap { Int($0) } }

    /// The value in force: the one given, else the kernel's default.
    func effective(_ name: String) -> String { values[name] ?? BondOptionCatalog.defaults[name] ?? "" }

    func effectiveInteger(_ name: String) -> Int { Int(effective(name)) ?? 0 }

    /// Given, and (for a source that shows every option) not the kernel's default: a setting someone made.
    func isSet(_ name: String) -> Bool {
        guard let value = values[name] else { return false }
        if name == "arp_ip_target" { return !arpTargets.isEmpty }
        if name == "ns_ip6_target" { return !nsTargets.isEmpty }
        return source == .text || !BondOptionCatalog.isDefault(name, value)
    }

    // MARK: Helpers

    /// `a,b`, `+a` (the sysfs write syntax), or several words.
    private static func addressList(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.hasPrefix("+") ? String($0.dropFirst()) : String($0) }
    }

    /// The address in its usual text form, or nil when `text` is not one of `family`.
    static func canonicalAddress(_ text: String, family: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &buffer) == 1 else { return nil }
        var output = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, buffer, &output, socklen_t(output.count)) != nil else { return nil }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isMACAddress(_ text: String) -> Bool {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        return groups.count == 6 && groups.allSatisfy { (1...2).contains($0.count) && UInt8($0, radix: 16) != nil }
    }
}
