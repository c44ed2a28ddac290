import Testing
import TeamJSON
@testable import TeamdCore
import TestSupport
import Packets

@Suite struct ConfigDecodingTests {
    @Test func emptyConfigGetsEveryDefault() throws {
        let config = try TeamdConfig(parsing: "{}")
        #expect(config.device == nil)
        #expect(config.hardwareAddress == nil)
        #expect(config.debugLevel == 0)
        #expect(config.runner == .roundRobin)
        #expect(config.runner.kernelMode == "roundrobin")
        #expect(config.notifyPeers == PeerNotificationConfig(count: nil, interval: nil))
        #expect(config.multicastRejoin == PeerNotificationConfig(count: nil, interval: nil))
        #expect(config.linkWatchPolicy == .any)
        #expect(config.linkWatchers.isEmpty)
        #expect(config.ports.isEmpty)
        #expect(config.zeroMQAddress == nil)
        #expect(config.warnings.isEmpty)
        // With no watcher anywhere, a port runs one ethtool watcher without delays.
        #expect(config.linkWatchers(forPort: "eth0") == [.ethtool(EthtoolWatcherConfig(delayUp: .zero, delayDown: .zero))])
        let port = config.port(named: "eth9")
        #expect(port == PortConfig(name: "eth9", settings: PortSettings(priority: 0, queueID: nil, isSticky: false,
                                                                          lacpPriority: 255, lacpKey: 0),
                                   linkWatchers: []))
    }

    /// The man page's activebackup example.
    @Test func activeBackupExample() throws {
        let config = try TeamdConfig(parsing: """
            {
              "device": "team0",
              "runner": {"name": "activebackup"},
              "link_watch": {"name": "ethtool"},
              "ports": {
                "eth1": {
                  "prio": -10,
                  "sticky": true
                },
                "eth2": {
                  "prio": 100
                }
              }
            }
            """)
        #expect(config.device == "team0")
        #expect(config.runner == .activeBackup(ActiveBackupConfig(hardwareAddressPolicy: .sameAll)))
        // activebackup announces a failover once unless told otherwise.
        #expect(config.notifyPeers == PeerNotificationConfig(count: 1, interval: nil))
        #expect(config.multicastRejoin == PeerNotificationConfig(count: 1, interval: nil))
        #expect(config.ports.map(\.name) == ["eth1", "eth2"])
        #expect(config.port(named: "eth1").settings.priority == -10)
        #expect(config.port(named: "eth1").settings.isSticky)
        #expect(config.port(named: "eth2").settings.priority == 100)
        #expect(!config.port(named: "eth2").settings.isSticky)
        #expect(config.linkWatchers(forPort: "eth2") == [.ethtool(EthtoolWatcherConfig())])
        #expect(config.warnings.isEmpty)
    }

    @Test func activeBackupPoliciesAndExplicitAnnouncements() throws {
        for policy in HardwareAddressPolicy.allCases {
            let config = try TeamdConfig(parsing: #"""
                {"runner": {"name": "activebackup", "hwaddr_policy": "\#(policy.rawValue)"},
                 "notify_peers": {"count": 0, "interval": 100}, "mcast_rejoin": {"interval": 50}}
                """#)
            #expect(config.runner == .activeBackup(ActiveBackupConfig(hardwareAddressPolicy: policy)))
            #expect(config.notifyPeers == PeerNotificationConfig(count: 0, interval: 100))
            #expect(config.multicastRejoin == PeerNotificationConfig(count: 1, interval: 50))
        }
    }

    @Test func basicRunners() throws {
        for (name, runner) in [("broadcast", RunnerConfig.broadcast), ("roundrobin", .roundRobin), ("random", .random)] {
            let config = try TeamdConfig(parsing: #"{"runner": {"name": "\#(name)"}}"#)
            #expect(config.runner == runner)
            #expect(config.runner.name == name)
            #expect(config.runner.kernelMode == name)
            #expect(config.notifyPeers.count == nil)
        }
    }

    @Test func loadBalanceDefaultsAndBalancer() throws {
        let plain = try TeamdConfig(parsing: #"{"runner": {"name": "loadbalance"}}"#)
        #expect(plain.runner == .loadBalance(LoadBalanceConfig(txHash: [.eth, .ipv4, .ipv6], txBalancer: nil)))

        let balanced = try TeamdConfig(parsing: #"""
            {"runner": {"name": "loadbalance", "tx_hash": ["l3", "l4", "vlan"],
                        "tx_balancer": {"name": "basic", "balancing_interval": 10}}}
            """#)
        #expect(balanced.runner == .loadBalance(LoadBalanceConfig(
            txHash: [.l3, .l4, .vlan], txBalancer: TxBalancerConfig(kind: .basic, balancingInterval: 10))))

        let defaultInterval = try TeamdConfig(parsing: #"{"runner": {"name": "loadbalance", "tx_balancer": {"name": "basic"}}}"#)
        #expect(defaultInterval.runner == .loadBalance(LoadBalanceConfig(txBalancer: TxBalancerConfig(balancingInterval: 50))))

        // An empty hash is allowed: everything goes to one port, as with the C teamd.
        let empty = try TeamdConfig(parsing: #"{"runner": {"name": "loadbalance", "tx_hash": []}}"#)
        #expect(empty.runner == .loadBalance(LoadBalanceConfig(txHash: [])))
    }

    @Test func lacpEveryKey() throws {
        let config = try TeamdConfig(parsing: #"""
            {"runner": {"name": "lacp", "active": false, "fast_rate": true, "sys_prio": 0, "min_ports": 1024,
                        "agg_select_policy": "port_config", "tx_hash": ["eth"]},
             "ports": {"eth1": {"lacp_prio": 0, "lacp_key": 65535, "sticky": true}, "eth2": {}}}
            """#)
        #expect(config.runner == .lacp(LACPConfig(active: false, fastRate: true, systemPriority: 0, minimumPorts: 1024,
                                                  aggregatorSelectPolicy: .portConfig,
                                                  loadBalance: LoadBalanceConfig(txHash: [.eth]))))
        #expect(config.runner.kernelMode == "loadbalance")
        #expect(config.port(named: "eth1").settings.lacpPriority == 0)
        #expect(config.port(named: "eth1").settings.lacpKey == 65535)
        #expect(config.port(named: "eth1").settings.isSticky)
        #expect(config.port(named: "eth2").settings.lacpPriority == 255)
        #expect(config.port(named: "eth2").settings.lacpKey == 0)
        #expect(config.notifyPeers.count == nil)

        let defaults = try TeamdConfig(parsing: #"{"runner": {"name": "lacp"}}"#)
        #expect(defaults.runner == .lacp(LACPConfig(active: true, fastRate: false, systemPriority: 65535,
                                                    minimumPorts: 1, aggregatorSelectPolicy: .lacpPriority,
                                                    loadBalance: LoadBalanceConfig(txHash: [.eth, .ipv4, .ipv6]))))
        // SONiC's keys (libteam patches 0003, 0020, 0015).
        let sonic = try TeamdConfig(parsing: #"""
            {"runner": {"name": "lacp", "fallback": true, "fallback_method": "static", "enable_retry_count": false,
                        "retry_count": 5}}
            """#)
        #expect(sonic.runner == .lacp(LACPConfig(fallback: true, fallbackMethod: .static, enableRetryCount: false,
                                                 retryCount: 5)))
        for policy in AggregatorSelectPolicy.allCases {
            let chosen = try TeamdConfig(parsing: #"{"runner": {"name": "lacp", "agg_select_policy": "\#(policy.rawValue)"}}"#)
            guard case .lacp(let lacp) = chosen.runner else { Issue.record("not lacp"); continue }
            #expect(lacp.aggregatorSelectPolicy == policy)
        }
    }

    @Test func globalSettings() throws {
        let config = try TeamdConfig(parsing: #"""
            {"device": "team7", "hwaddr": "0:1A:2b:3:4:5", "debug_level": 2, "link_watch_policy": "all",
             "runner": {"name": "roundrobin", "addr": "tcp://127.0.0.1:5555"}}
            """#)
        #expect(config.device == "team7")
        #expect(config.hardwareAddress == EthernetAddress(bytes: [0x00, 0x1A, 0x2B, 0x03, 0x04, 0x05]))
        #expect(config.hardwareAddress?.description == "00:1a:2b:03:04:05")
        #expect(config.debugLevel == 2)
        #expect(config.linkWatchPolicy == .all)
        #expect(config.zeroMQAddress == "tcp://127.0.0.1:5555")
        #expect(config.warnings.isEmpty)
    }

    @Test func watchersOfEveryKind() throws {
        let config = try TeamdConfig(parsing: #"""
            {"link_watch": [
               {"name": "ethtool", "delay_up": 2500, "delay_down": 1000},
               {"name": "arp_ping", "interval": 100, "init_wait": 1000, "missed_max": 30,
                "source_host": "192.168.23.2", "target_host": "gateway.example", "validate_active": true,
                "validate_inactive": true, "send_always": true, "vlanid": 4095},
               {"name": "nsna_ping", "interval": 200, "missed_max": 15, "target_host": "fe80::210:18ff:feaa:bbcc"},
               {"name": "tipc", "tipc_bearer": "eth:eth1"}
             ]}
            """#)
        #expect(config.linkWatchers == [
            .ethtool(EthtoolWatcherConfig(delayUp: .milliseconds(2500), delayDown: .milliseconds(1000))),
            .arpPing(ARPPingWatcherConfig(
                timing: PingTiming(interval: .milliseconds(100), initialWait: .milliseconds(1000), missedMax: 30),
                sourceHost: .address(IPv4Address(192, 168, 23, 2)), targetHost: .hostname("gateway.example"),
                validateActive: true, validateInactive: true, sendAlways: true, vlanID: 4095)),
            .nsnaPing(NSNAPingWatcherConfig(
                timing: PingTiming(interval: .milliseconds(200), initialWait: .zero, missedMax: 15),
                targetHost: .address(IPv6Address(bytes: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x10, 0x18, 0xff, 0xfe, 0xaa, 0xbb, 0xcc])!))),
            .tipc(TIPCWatcherConfig(bearer: "eth:eth1")),
        ])
        #expect(config.linkWatchers.map(\.name) == ["ethtool", "arp_ping", "nsna_ping", "tipc"])
        #expect(config.warnings.isEmpty)
    }

    @Test func arpPingDefaults() throws {
        let config = try TeamdConfig(parsing: #"{"link_watch": {"name": "arp_ping", "target_host": "10.0.0.1"}}"#)
        #expect(config.linkWatchers == [.arpPing(ARPPingWatcherConfig(
            timing: PingTiming(interval: .milliseconds(1000), initialWait: .zero, missedMax: 3),
            sourceHost: .address(.any), targetHost: .address(IPv4Address(10, 0, 0, 1)),
            validateActive: false, validateInactive: false, sendAlways: false, vlanID: nil))])
    }

    @Test func portWatchersComeBeforeGlobalOnes() throws {
        let config = try TeamdConfig(parsing: #"""
            {"link_watch": {"name": "ethtool", "delay_down": 10},
             "ports": {"eth1": {"link_watch": {"name": "arp_ping", "target_host": "10.0.0.1"}},
                       "eth2": {"link_watch": []}, "eth3": {}}}
            """#)
        #expect(config.linkWatchers(forPort: "eth1").map(\.name) == ["arp_ping", "ethtool"])
        #expect(config.linkWatchers(forPort: "eth2") == [.ethtool(EthtoolWatcherConfig(delayDown: .milliseconds(10)))])
        #expect(config.linkWatchers(forPort: "eth3") == config.linkWatchers)
        #expect(config.linkWatchers(forPort: "eth4") == config.linkWatchers)
        #expect(config.port(named: "eth1").linkWatchers.count == 1)
        #expect(config.hasPort(named: "eth3"))
        #expect(!config.hasPort(named: "eth4"))
    }

    @Test func portSettings() throws {
        let config = try TeamdConfig(parsing: #"""
            {"ports": {"eth0.100": {"prio": -2147483648, "queue_id": 3},
                       "veth-b": {"prio": 2147483647, "queue_id": 0}}}
            """#)
        #expect(config.ports == [
            PortConfig(name: "eth0.100", settings: PortSettings(priority: .min, queueID: 3)),
            PortConfig(name: "veth-b", settings: PortSettings(priority: .max, queueID: 0)),
        ])
    }

    @Test func unknownKeysAreWarnedAboutNotRefused() throws {
        let config = try TeamdConfig(parsing: #"""
            {"devcie": "team0",
             "runner": {"name": "activebackup", "tx_hash": ["eth"], "sys_prio": 5, "colour": "blue"},
             "link_watch": {"name": "ethtool", "interval": 100},
             "notify_peers": {"cnt": 3},
             "ports": {"eth0": {"priority": 5, "link_watch": {"name": "nsna_ping", "target_host": "::1", "vlanid": 3}}}}
            """#)
        #expect(config.warnings.map(\.description) == [
            "$.devcie: unknown key",
            "$.runner.tx_hash: not used by the activebackup runner",
            "$.runner.sys_prio: not used by the activebackup runner",
            "$.runner.colour: unknown key",
            "$.notify_peers.cnt: unknown key",
            "$.link_watch.interval: unknown key for the ethtool link watcher",
            "$.ports.eth0.link_watch.vlanid: unknown key for the nsna_ping link watcher",
            "$.ports.eth0.priority: unknown key",
        ])
        // Keys of other runners are not validated: the C teamd never reads them.
        let other = try TeamdConfig(parsing: #"{"runner": {"name": "broadcast", "min_ports": 0, "hwaddr_policy": 3}}"#)
        #expect(other.warnings.count == 2)
    }

    @Test func hostNamesAndScopedAddressesAreKeptForResolution() throws {
        let config = try TeamdConfig(parsing: #"""
            {"link_watch": [{"name": "nsna_ping", "target_host": "fe80::1%eth0"},
                            {"name": "nsna_ping", "target_host": "router6.lan"},
                            {"name": "arp_ping", "target_host": "127.1"}]}
            """#)
        let targets = config.linkWatchers.map { watcher -> String? in
            switch watcher {
            case .nsnaPing(let ping): if case .hostname(let name) = ping.targetHost { return name }
            case .arpPing(let ping): if case .hostname(let name) = ping.targetHost { return name }
            default: break
            }
            return nil
        }
        #expect(targets == ["fe80::1%eth0", "router6.lan", "127.1"])
    }

    @Test func interfaceNameLimits() throws {
        _ = try TeamdConfig(parsing: #"{"device": "abcdefghijklmno"}"#)  // 15 bytes
        #expect(throws: ConfigError.self) { try TeamdConfig(parsing: #"{"device": "abcdefghijklmnop"}"#) }
        #expect(throws: ConfigError.self) { try TeamdConfig(parsing: #"{"device": ".."}"#) }
        #expect(throws: ConfigError.self) { try TeamdConfig(parsing: #"{"device": "team:0"}"#) }
        #expect(throws: ConfigError.self) { try TeamdConfig(parsing: #"{"device": "team%d"}"#) }
        // 15 bytes of UTF-8 are fine, 16 are not, whatever the character count.
        _ = try TeamdConfig(parsing: #"{"device": "tëam0123456789"}"#)
        #expect(throws: ConfigError.self) { try TeamdConfig(parsing: #"{"device": "tëëam0123456789"}"#) }
    }

    @Test func sourceKeepsTheConfigAsWritten() throws {
        let text = #"{"ports": {"b": {}, "a": {}}, "runner": {"name": "random"}, "x": [1, 2.5]}"#
        let config = try TeamdConfig(parsing: text)
        #expect(JSONValue.object(config.source).serialized() == text)
        #expect(config.ports.map(\.name) == ["b", "a"])
    }
}

/// Mutated configs must give a config or a ConfigError, never a trap.
@Suite struct ConfigFuzzTests {
    static let seed = #"""
        {"device": "team0", "hwaddr": "00:11:22:33:44:55", "runner": {"name": "lacp", "sys_prio": 100,
         "min_ports": 2, "tx_hash": ["eth", "l4"], "tx_balancer": {"name": "basic"}},
         "link_watch": [{"name": "arp_ping", "target_host": "10.0.0.1", "vlanid": 7}, {"name": "ethtool"}],
         "ports": {"eth1": {"prio": 5, "lacp_prio": 9, "sticky": false}}}
        """#

    @Test func mutatedConfigsNeverTrap() throws {
        _ = try TeamdConfig(parsing: Self.seed)
        let alphabet = Array(#"{}[]":,-0123456789 aelrstu"#.utf8)
        var random = SeededGenerator(seed: 0x636F_6E66)
        var decoded = 0
        for _ in 0..<3000 {
            var bytes = Array(Self.seed.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                let byte = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                if Bool.random(using: &random) { bytes[at] = byte } else { bytes.insert(byte, at: at) }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let config = try? TeamdConfig(parsing: text) {
                decoded += 1
                var document = ConfigDocument(config: config, deviceName: "team0")
                document.portAdded("eth1")
                _ = document.dump().serialized(.teamdControl)
            }
        }
        #expect(decoded >= 300, "decoded: \(decoded)")
    }
}
