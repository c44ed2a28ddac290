import Testing
import TeamJSON
@testable import TeamdCore

/// Broken configs: each must be refused with the path of the offending value and
/// the kind of mistake, so that teamd can exit 1 with one clear message.
@Suite struct ConfigErrorTests {
    enum Category: Sendable, Equatable {
        case invalidJSON, duplicateKey, wrongType, outOfRange, missingKey, unknownValue, invalidValue
    }

    struct BrokenConfig: Sendable, CustomTestStringConvertible {
        let text: String
        let path: String
        let category: Category
        init(_ text: String, _ path: String, _ category: Category) {
            self.text = text
            self.path = path
            self.category = category
        }
        var testDescription: String { text }
    }

    static func category(of kind: ConfigError.Kind) -> Category {
        switch kind {
        case .invalidJSON(let error):
            if case .duplicateKey = error.kind { return .duplicateKey }
            return .invalidJSON
        case .wrongType: return .wrongType
        case .outOfRange: return .outOfRange
        case .missingKey: return .missingKey
        case .unknownValue: return .unknownValue
        case .invalidValue: return .invalidValue
        }
    }

    static let broken: [BrokenConfig] = [
        // JSON itself
        .init(#"{"#, "$", .invalidJSON),
        .init(#"{"hwaddr": "00:11:22:33:44:55""#, "$", .invalidJSON),
        .init(#"{"device": "team0",}"#, "$", .invalidJSON),
        .init(#"{"runner": {"name": 'lacp'}}"#, "$.runner.name", .invalidJSON),
        .init(#"{"runner": {"name": "lacp"}, "runner": {}}"#, "$.runner", .duplicateKey),
        .init(#"{"ports": {"eth0": {}, "eth0": {"prio": 1}}}"#, "$.ports.eth0", .duplicateKey),
        .init(#"{"link_watch": [{"name": "ethtool", "name": "arp_ping"}]}"#, "$.link_watch[0].name", .duplicateKey),
        // Top level
        .init(#"[]"#, "$", .wrongType),
        .init(#"{"device": 5}"#, "$.device", .wrongType),
        .init(#"{"device": "averyveryverylong"}"#, "$.device", .invalidValue),
        .init(#"{"device": "team/0"}"#, "$.device", .invalidValue),
        .init(#"{"device": ""}"#, "$.device", .invalidValue),
        .init(#"{"hwaddr": "00:11:22:33:44"}"#, "$.hwaddr", .invalidValue),
        .init(#"{"hwaddr": "00:11:22:33:44:zz"}"#, "$.hwaddr", .invalidValue),
        .init(#"{"hwaddr": "01:00:5e:00:00:01"}"#, "$.hwaddr", .invalidValue),
        .init(#"{"hwaddr": 1}"#, "$.hwaddr", .wrongType),
        .init(#"{"debug_level": -1}"#, "$.debug_level", .outOfRange),
        .init(#"{"debug_level": "1"}"#, "$.debug_level", .wrongType),
        .init(#"{"notify_peers": {"count": -1}}"#, "$.notify_peers.count", .outOfRange),
        .init(#"{"notify_peers": 1}"#, "$.notify_peers", .wrongType),
        .init(#"{"mcast_rejoin": {"interval": 1.5}}"#, "$.mcast_rejoin.interval", .wrongType),
        .init(#"{"link_watch_policy": "most"}"#, "$.link_watch_policy", .unknownValue),
        // Runner
        .init(#"{"runner": "activebackup"}"#, "$.runner", .wrongType),
        .init(#"{"runner": {"name": "bond"}}"#, "$.runner.name", .unknownValue),
        .init(#"{"runner": {"name": 1}}"#, "$.runner.name", .wrongType),
        .init(#"{"runner": {"addr": 5}}"#, "$.runner.addr", .wrongType),
        .init(#"{"runner": {"name": "activebackup", "hwaddr_policy": "first"}}"#, "$.runner.hwaddr_policy", .unknownValue),
        .init(#"{"runner": {"name": "loadbalance", "tx_hash": ["eth", "ipx"]}}"#, "$.runner.tx_hash[1]", .unknownValue),
        .init(#"{"runner": {"name": "loadbalance", "tx_hash": "eth"}}"#, "$.runner.tx_hash", .wrongType),
        .init(#"{"runner": {"name": "lacp", "tx_hash": ["eth", 4]}}"#, "$.runner.tx_hash[1]", .wrongType),
        .init(#"{"runner": {"name": "loadbalance", "tx_balancer": {"name": "smart"}}}"#, "$.runner.tx_balancer.name", .unknownValue),
        .init(#"{"runner": {"name": "loadbalance", "tx_balancer": {"balancing_interval": -5}}}"#, "$.runner.tx_balancer.balancing_interval", .outOfRange),
        .init(#"{"runner": {"name": "loadbalance", "tx_balancer": []}}"#, "$.runner.tx_balancer", .wrongType),
        .init(#"{"runner": {"name": "lacp", "sys_prio": 65536}}"#, "$.runner.sys_prio", .outOfRange),
        .init(#"{"runner": {"name": "lacp", "sys_prio": -1}}"#, "$.runner.sys_prio", .outOfRange),
        .init(#"{"runner": {"name": "lacp", "min_ports": 0}}"#, "$.runner.min_ports", .outOfRange),
        .init(#"{"runner": {"name": "lacp", "min_ports": 1025}}"#, "$.runner.min_ports", .outOfRange),
        .init(#"{"runner": {"name": "lacp", "active": "yes"}}"#, "$.runner.active", .wrongType),
        .init(#"{"runner": {"name": "lacp", "fast_rate": 1}}"#, "$.runner.fast_rate", .wrongType),
        .init(#"{"runner": {"name": "lacp", "agg_select_policy": "port_options"}}"#, "$.runner.agg_select_policy", .unknownValue),
        // SONiC's keys. retry_count below 3: SONiC logs and uses 3; ours refuses the config.
        .init(#"{"runner": {"name": "lacp", "fallback": "true"}}"#, "$.runner.fallback", .wrongType),
        .init(#"{"runner": {"name": "lacp", "fallback_method": "all"}}"#, "$.runner.fallback_method", .unknownValue),
        .init(#"{"runner": {"name": "lacp", "enable_retry_count": 1}}"#, "$.runner.enable_retry_count", .wrongType),
        .init(#"{"runner": {"name": "lacp", "retry_count": 2}}"#, "$.runner.retry_count", .outOfRange),
        .init(#"{"runner": {"name": "lacp", "retry_count": 256}}"#, "$.runner.retry_count", .outOfRange),
        // Link watchers
        .init(#"{"link_watch": "ethtool"}"#, "$.link_watch", .wrongType),
        .init(#"{"link_watch": {"name": "miimon"}}"#, "$.link_watch.name", .unknownValue),
        .init(#"{"link_watch": {"delay_up": 10}}"#, "$.link_watch.name", .missingKey),
        .init(#"{"link_watch": [{"name": "ethtool"}, 7]}"#, "$.link_watch[1]", .wrongType),
        .init(#"{"link_watch": [{"name": "ethtool"}, {"name": "arp_ping"}]}"#, "$.link_watch[1].target_host", .missingKey),
        .init(#"{"link_watch": {"name": "ethtool", "delay_down": -1}}"#, "$.link_watch.delay_down", .outOfRange),
        .init(#"{"link_watch": {"name": "ethtool", "delay_up": "100"}}"#, "$.link_watch.delay_up", .wrongType),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "10.0.0.1", "vlanid": 4096}}"#, "$.link_watch.vlanid", .outOfRange),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "fe80::1"}}"#, "$.link_watch.target_host", .invalidValue),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": 167772161}}"#, "$.link_watch.target_host", .wrongType),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "1.2.3.4", "source_host": "::1"}}"#, "$.link_watch.source_host", .invalidValue),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "1.2.3.4", "validate_active": "true"}}"#, "$.link_watch.validate_active", .wrongType),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "1.2.3.4", "send_always": 1}}"#, "$.link_watch.send_always", .wrongType),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "1.2.3.4", "missed_max": -3}}"#, "$.link_watch.missed_max", .outOfRange),
        .init(#"{"link_watch": {"name": "arp_ping", "target_host": "1.2.3.4", "interval": 2147483648}}"#, "$.link_watch.interval", .outOfRange),
        .init(#"{"link_watch": {"name": "nsna_ping"}}"#, "$.link_watch.target_host", .missingKey),
        .init(#"{"link_watch": {"name": "nsna_ping", "target_host": "10.0.0.1"}}"#, "$.link_watch.target_host", .invalidValue),
        .init(#"{"link_watch": {"name": "tipc"}}"#, "$.link_watch.tipc_bearer", .missingKey),
        .init(#"{"link_watch": {"name": "tipc", "tipc_bearer": "eth:0123456789012345678901234567890"}}"#, "$.link_watch.tipc_bearer", .invalidValue),
        // Ports
        .init(#"{"ports": []}"#, "$.ports", .wrongType),
        .init(#"{"ports": {"eth0": 1}}"#, "$.ports.eth0", .wrongType),
        .init(#"{"ports": {"this-name-is-too-long": {}}}"#, "$.ports.this-name-is-too-long", .invalidValue),
        .init(#"{"ports": {"eth 0": {}}}"#, #"$.ports["eth 0"]"#, .invalidValue),
        .init(#"{"ports": {"eth0": {"prio": "high"}}}"#, "$.ports.eth0.prio", .wrongType),
        .init(#"{"ports": {"eth0": {"prio": 2147483648}}}"#, "$.ports.eth0.prio", .outOfRange),
        .init(#"{"ports": {"eth0": {"queue_id": -1}}}"#, "$.ports.eth0.queue_id", .outOfRange),
        .init(#"{"ports": {"eth0": {"sticky": 0}}}"#, "$.ports.eth0.sticky", .wrongType),
        .init(#"{"ports": {"eth0": {"lacp_prio": 65536}}}"#, "$.ports.eth0.lacp_prio", .outOfRange),
        .init(#"{"ports": {"eth0": {"lacp_key": -1}}}"#, "$.ports.eth0.lacp_key", .outOfRange),
        .init(#"{"ports": {"eth0": {"link_watch": [{"name": "arp_ping", "target_host": "bad host"}]}}}"#, "$.ports.eth0.link_watch[0].target_host", .invalidValue),
        .init(#"{"ports": {"eth0.100": {"link_watch": {"name": "ethtool", "delay_up": 1.0}}}}"#, #"$.ports["eth0.100"].link_watch.delay_up"#, .wrongType),
    ]

    @Test(arguments: broken)
    func brokenConfigIsRefusedWithItsPath(_ config: BrokenConfig) {
        let error = #expect(throws: ConfigError.self) { try TeamdConfig(parsing: config.text) }
        #expect(error?.path.description == config.path)
        #expect(error.map { Self.category(of: $0.kind) } == config.category)
    }

    @Test func tableIsLargeEnough() {
        #expect(Self.broken.count >= 30)
    }

    @Test func messagesNameThePathAndWhatWasExpected() throws {
        func message(_ text: String) -> String? {
            #expect(throws: ConfigError.self) { try TeamdConfig(parsing: text) }.map { "\($0)" }
        }
        #expect(message(#"{"runner": {"name": "loadbalance", "tx_hash": ["eth", "ipx"]}}"#)
            == #"$.runner.tx_hash[1]: unknown value "ipx", expected one of "eth", "vlan", "ipv4", "ipv6", "ip", "l3", "l4", "tcp", "udp", "sctp""#)
        #expect(message(#"{"runner": {"name": "lacp", "sys_prio": 65536}}"#)
            == "$.runner.sys_prio: expected an integer in 0...65535, found 65536")
        #expect(message(#"{"ports": {"eth0": {"sticky": "yes"}}}"#)
            == "$.ports.eth0.sticky: expected a boolean (true or false), found string")
        #expect(message(#"{"link_watch": {"name": "arp_ping"}}"#)
            == "$.link_watch.target_host: required key is missing")
        #expect(message("{\n  \"ports\": {\"eth0\": {}, \"eth0\": {}}\n}")
            == #"$.ports.eth0: invalid JSON: duplicate key "eth0" (line 2, column 25)"#)
        #expect(message(#"{"hwaddr": "01:02:03:04:05:06"}"#)
            == #"$.hwaddr: invalid value "01:02:03:04:05:06": a device address cannot be multicast or all zeros"#)
    }
}
