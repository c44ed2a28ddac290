#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Packets
import TeamJSON

// The `link_watch` part of the config decoder (ConfigDecoder.swift): watchers, their timing and hosts.

// MARK: - Link watchers

/// `link_watch`: one watcher object, or an array of them.
func decodeLinkWatchers(_ value: JSONValue?, at path: JSONPath,
                                warnings: inout [ConfigWarning]) throws(ConfigError) -> [LinkWatcherConfig]
{
    switch value {
    case nil:
        return []
    case .object(let object)?:
        return [try decodeLinkWatcher(.object(object), at: path, warnings: &warnings)]
    case .array(let elements)?:
        var watchers: [LinkWatcherConfig] = []
        for (index, element) in elements.enumerated() {
            watchers.append(try decodeLinkWatcher(element, at: path.appending(index: index), warnings: &warnings))
        }
        return watchers
    case let other?:
        throw ConfigError(path: path, kind: .wrongType(expected: "an object or an array of objects",
                                                       found: other.typeName))
    }
}

private func decodeLinkWatcher(_ value: JSONValue, at path: JSONPath,
                               warnings: inout [ConfigWarning]) throws(ConfigError) -> LinkWatcherConfig
{
    var reader = try ObjectReader(value, at: path)
    guard let name = try reader.string("name") else {
        throw ConfigError(path: path.appending("name"), kind: .missingKey)
    }
    let watcher: LinkWatcherConfig
    switch name {
    case "ethtool":
        watcher = .ethtool(EthtoolWatcherConfig(delayUp: try reader.milliseconds("delay_up") ?? .zero,
                                                delayDown: try reader.milliseconds("delay_down") ?? .zero))
    case "arp_ping":
        let timing = try decodePingTiming(&reader)
        var source = HostSpecifier.address(IPv4Address.any)
        if let text = try reader.string("source_host") {
            source = try decodeHost(text, at: path.appending("source_host"))
        }
        guard let targetText = try reader.string("target_host") else {
            throw ConfigError(path: path.appending("target_host"), kind: .missingKey)
        }
        let target: HostSpecifier<IPv4Address> = try decodeHost(targetText, at: path.appending("target_host"))
        let validateActive = try reader.bool("validate_active") ?? false
        let validateInactive = try reader.bool("validate_inactive") ?? false
        let sendAlways = try reader.bool("send_always") ?? false
        let vlanID = try reader.integer("vlanid", in: 0...4095).map { UInt16($0) }
        watcher = .arpPing(ARPPingWatcherConfig(timing: timing, sourceHost: source, targetHost: target,
                                                validateActive: validateActive, validateInactive: validateInactive,
                                                sendAlways: sendAlways, vlanID: vlanID))
    case "nsna_ping":
        let timing = try decodePingTiming(&reader)
        guard let targetText = try reader.string("target_host") else {
            throw ConfigError(path: path.appending("target_host"), kind: .missingKey)
        }
        watcher = .nsnaPing(NSNAPingWatcherConfig(
            timing: timing, targetHost: try decodeHost(targetText, at: path.appending("target_host"))))
    case "tipc":
        guard let bearer = try reader.string("tipc_bearer") else {
            throw ConfigError(path: path.appending("tipc_bearer"), kind: .missingKey)
        }
        guard !bearer.isEmpty, bearer.utf8.count < 32, !bearer.utf8.contains(0) else {
            throw ConfigError(path: path.appending("tipc_bearer"), kind: .invalidValue(
                bearer, reason: "a TIPC bearer name has 1 to 31 bytes"))
        }
        watcher = .tipc(TIPCWatcherConfig(bearer: bearer))
    default:
        throw ConfigError(path: path.appending("name"), kind: .unknownValue(name, allowed: LinkWatcherConfig.names))
    }
    warnings += reader.unknownKeyWarnings(context: "the \(name) link watcher")
    return watcher
}

private func decodePingTiming(_ reader: inout ObjectReader) throws(ConfigError) -> PingTiming {
    let interval = try reader.milliseconds("interval") ?? .milliseconds(1000)
    let initialWait = try reader.milliseconds("init_wait") ?? .zero
    let missedMax = try reader.integer("missed_max", in: nonNegativeInt).map { Int($0) } ?? 3
    return PingTiming(interval: interval, initialWait: initialWait, missedMax: missedMax)
}

/// An address of one family as a host literal: inet_pton's family and length.
private protocol HostAddress: Sendable, Hashable, CustomStringConvertible {
    static var family: Int32 { get }
    static var length: Int { get }
    /// What `target_host` expects, for the error.
    static var expected: String { get }
    init?(bytes: [UInt8])
}

extension IPv4Address: HostAddress {
    static var family: Int32 { AF_INET }
    static var length: Int { 4 }
    static var expected: String { "an IPv4 address or a host name" }
}

extension IPv6Address: HostAddress {
    static var family: Int32 { AF_INET6 }
    static var length: Int { 16 }
    static var expected: String { "an IPv6 address or a host name" }
}

/// An address literal of the watcher's family, or a host name for getaddrinfo.
private func decodeHost<Address: HostAddress>(_ text: String, at path: JSONPath) throws(ConfigError) -> HostSpecifier<Address> {
    if let bytes = parseAddress(text, family: Address.family, length: Address.length), let address = Address(bytes: bytes) {
        return .address(address)
    }
    let ipv6 = Address.family == AF_INET6
    // A literal of the other family.
    if parseAddress(text, family: ipv6 ? AF_INET : AF_INET6, length: ipv6 ? 4 : 16) != nil {
        throw ConfigError(path: path, kind: .invalidValue(text, reason: "expected \(Address.expected)"))
    }
    // Host names (RFC 1123 letters, digits, '-', '.', plus '_' seen in the wild), and
    // for IPv6 a scoped literal such as fe80::1%eth0, both left to getaddrinfo.
    let allowed = text.utf8.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            return true
        case UInt8(ascii: ":"), UInt8(ascii: "%"):
            return ipv6
        default:
            return false
        }
    }
    guard !text.isEmpty, text.utf8.count <= 253, allowed else {
        throw ConfigError(path: path, kind: .invalidValue(text, reason: "expected \(Address.expected)"))
    }
    return .hostname(text)
}

/// inet_pton: a pure conversion of a literal, no lookup.
private func parseAddress(_ text: String, family: Int32, length: Int) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 16)
    let result = buffer.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
    return result == 1 ? Array(buffer[0..<length]) : nil
}
