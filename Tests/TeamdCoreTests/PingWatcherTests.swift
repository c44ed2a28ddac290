import Packets
import Testing
import TeamJSON
import TeamWire
@testable import TeamdCore

// The team port the probes go out of, and the partner that answers 192.0.2.2 / 2001:db8::2.
private let portMAC = EthernetAddress(bytes: [0x8a, 0x82, 0x0f, 0x49, 0xdf, 0x2d])!
private let partnerMAC = EthernetAddress(bytes: [0x7e, 0xbc, 0x53, 0xa2, 0xd5, 0xf3])!
private let partner = IPv4Address(192, 0, 2, 2)
private let partner6 = IPv6Address(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])!
private let timer = TimerID.watcher(port: 3, instance: 0)

private func pingPort(enabled: Bool = false) -> TeamPort {
    TeamPort(name: "eth0", index: 3, originalAddress: portMAC, isEnabled: enabled)
}

/// The partner's answer to an ARP request: from `sender` to `target` (0.0.0.0 answers a probe).
private func arpReply(from sender: IPv4Address = partner, to target: IPv4Address = .any,
                      operation: ARPPacket.Operation = .reply, vlanID: UInt16? = nil) -> [UInt8] {
    ARPPacket(operation: operation, senderMACAddress: partnerMAC, senderAddress: sender,
              targetMACAddress: portMAC, targetAddress: target).frame(source: partnerMAC, destination: portMAC, vlanID: vlanID)
}

/// The partner's Neighbour Advertisement for `target`.
private func neighborAdvertisement(for target: IPv6Address = partner6, hopLimit: UInt8 = 255,
                                   withTargetMAC: Bool = true) -> [UInt8] {
    let message = NeighborDiscoveryMessage(
        type: ICMPv6.neighborAdvertisement, flags: 0x60, target: target,
        options: withTargetMAC ? [.linkLayerAddress(NeighborDiscoveryOption.targetLinkLayerAddress, partnerMAC)] : [])
    let source = partner6, destination = IPv6Address.linkLocal(macAddress: portMAC)
    let length = UInt16(message.encoded(source: source, destination: destination).count)
    return NeighborDiscoveryFrame(
        ethernet: TaggedEthernetHeader(destination: portMAC, source: partnerMAC, etherType: EtherType.ipv6),
        ip: IPv6Header(payloadLength: length, hopLimit: hopLimit, source: source, destination: destination),
        message: message).encoded()
}

/// One step of a watcher's life: an answer arrives, or its interval ends.
enum Step: CustomStringConvertible {
    case answer
    case tick(up: Bool, missed: Int)
    var description: String {
        switch self {
        case .answer: "answer"
        case .tick(let up, let missed): "tick → \(up ? "up" : "down"), missed \(missed)"
        }
    }
}

@Suite("ping watcher template (teamd_lw_psr)")
struct PingWatcherTemplateTests {
    static let cases: [(String, Int, [Step])] = [
        ("replies arrive, stop and come back", 2, [
            .tick(up: false, missed: 1), .answer, .tick(up: true, missed: 0), .answer, .tick(up: true, missed: 0),
            .tick(up: true, missed: 1), .tick(up: true, missed: 2), .tick(up: false, missed: 3),
            .tick(up: false, missed: 4), .answer, .tick(up: true, missed: 0),
        ]),
        ("missed_max 0: the first miss takes it down", 0, [
            .answer, .tick(up: true, missed: 0), .tick(up: false, missed: 1), .answer, .tick(up: true, missed: 0),
        ]),
        ("missed_max 3: three misses are tolerated, the fourth is not", 3, [
            .answer, .tick(up: true, missed: 0), .tick(up: true, missed: 1), .tick(up: true, missed: 2),
            .tick(up: true, missed: 3), .tick(up: false, missed: 4),
        ]),
        ("several answers in one interval count once", 1, [
            .answer, .answer, .answer, .tick(up: true, missed: 0), .tick(up: true, missed: 1), .tick(up: false, missed: 2),
        ]),
        ("a partner absent at start: down until it answers, then up", 3, [
            .tick(up: false, missed: 1), .tick(up: false, missed: 2), .tick(up: false, missed: 3),
            .tick(up: false, missed: 4), .tick(up: false, missed: 5), .answer, .tick(up: true, missed: 0),
        ]),
    ]

    @Test(arguments: cases)
    func rounds(name: String, missedMax: Int, steps: [Step]) {
        var watcher = PingWatcher(probe: ARPProbe(target: partner), interval: 100, missedMax: missedMax)
        let port = pingPort()
        _ = watcher.start(port: port, timer: timer)
        var downs = 0, wasUp = false
        for (i, step) in steps.enumerated() {
            switch step {
            case .answer:
                #expect(watcher.handle(.frame(arpReply()), port: port, timer: timer) == [], "\(name) step \(i)")
            case .tick(let up, let missed):
                let actions = watcher.handle(.timer, port: port, timer: timer)
                #expect(actions.last == .armTimer(timer, milliseconds: 100), "\(name) step \(i): re-armed for the next interval")
                #expect(watcher.isUp == up, "\(name) step \(i): \(step)")
                #expect(watcher.missed == missed, "\(name) step \(i): \(step)")
                if wasUp && !up { downs += 1 }
                wasUp = up
            }
        }
        #expect(watcher.downCount == downs, "\(name)")
    }

    @Test("start: user_linkup_enabled on, the first round after init_wait, then every interval")
    func initialWait() {
        var watcher = PingWatcher(probe: ARPProbe(target: partner), interval: 250, initialWait: 1200)
        #expect(watcher.start(port: pingPort(), timer: timer) == [
            .setOption(TeamOptionID(name: "user_linkup_enabled", portIndex: 3), .bool(true)),
            .armTimer(timer, milliseconds: 1200),
        ])
        #expect(watcher.handle(.timer, port: pingPort(), timer: timer) == [.armTimer(timer, milliseconds: 250)])
        var noWait = PingWatcher(probe: NSNAProbe(target: partner6))
        #expect(noWait.start(port: pingPort(), timer: timer).last == .armTimer(timer, milliseconds: 0))
    }

    @Test("interval 0: one round after init_wait and no more, as the C teamd's one-shot timer")
    func zeroInterval() {
        var watcher = PingWatcher(probe: ARPProbe(target: partner), interval: 0, initialWait: 50)
        #expect(watcher.start(port: pingPort(), timer: timer).last == .armTimer(timer, milliseconds: 50))
        #expect(watcher.handle(.timer, port: pingPort(), timer: timer) == [])
    }

    @Test("a probe goes out only while forced_send is on, or always with send_always")
    func whenToSend() {
        let port = pingPort()
        var watcher = PingWatcher(probe: ARPProbe(target: partner))
        _ = watcher.start(port: port, timer: timer)
        #expect(!watcher.handle(.timer, port: port, timer: timer).contains { if case .send = $0 { true } else { false } })
        _ = watcher.handle(.forcedSendChanged(true), port: port, timer: timer)
        let probe = ARPPacket.probe(from: portMAC, sender: .any, target: partner).frame(source: portMAC)
        #expect(watcher.handle(.timer, port: port, timer: timer).first == .send(port: 3, frame: probe))
        _ = watcher.handle(.forcedSendChanged(false), port: port, timer: timer)
        var always = PingWatcher(probe: ARPProbe(target: partner, sendsAlways: true))
        _ = always.start(port: port, timer: timer)
        #expect(always.handle(.timer, port: port, timer: timer).first == .send(port: 3, frame: probe))
    }

    @Test("the kernel's link flag does not move a ping watcher")
    func kernelLinkIgnored() {
        var watcher = PingWatcher(probe: ARPProbe(target: partner))
        _ = watcher.handle(.frame(arpReply()), port: pingPort(), timer: timer)
        _ = watcher.handle(.timer, port: pingPort(), timer: timer)
        #expect(watcher.handle(.kernelLinkChanged(false), port: pingPort(), timer: timer) == [])
        #expect(watcher.isUp)
    }
}

@Suite("arp_ping probe")
struct ARPProbeTests {
    @Test("the request: broadcast, from the port's MAC, who-has target tell source, tagged with vlanid")
    func request() throws {
        let probe = ARPProbe(source: IPv4Address(192, 0, 2, 1), target: partner, vlanID: 100)
        let (packet, header) = try ARPPacket.decode(frame: probe.request(from: pingPort()))
        #expect(header.destination == .broadcast && header.source == portMAC && header.vlanID == 100)
        #expect(packet == ARPPacket.probe(from: portMAC, sender: IPv4Address(192, 0, 2, 1), target: partner))
    }

    /// (what arrives, port enabled, validate_active, validate_inactive) → counted?
    static let validation: [(String, [UInt8], Bool, Bool, Bool, Bool)] = [
        ("the reply, no validation", arpReply(), true, false, false, true),
        ("a stranger's reply, no validation", arpReply(from: IPv4Address(10, 0, 0, 9)), true, false, false, true),
        ("a request heard through the switch, no validation", arpReply(from: IPv4Address(10, 0, 0, 9), operation: .request), false, false, false, true),
        ("the reply, active port validated", arpReply(), true, true, false, true),
        ("a stranger's reply, active port validated", arpReply(from: IPv4Address(10, 0, 0, 9)), true, true, false, false),
        ("a stranger's reply, only inactive ports validated, port active", arpReply(from: IPv4Address(10, 0, 0, 9)), true, false, true, true),
        ("a stranger's reply, inactive port validated", arpReply(from: IPv4Address(10, 0, 0, 9)), false, false, true, false),
        ("a request, inactive port validated", arpReply(operation: .request), false, false, true, false),
        ("our own request seen from the other side (source and target swapped)", arpReply(from: .any, to: partner), false, false, true, true),
        ("ARP op 3, never", arpReply(operation: ARPPacket.Operation(rawValue: 3)), true, false, false, false),
        ("truncated, never", Array(arpReply().prefix(30)), true, false, false, false),
        ("not ARP, never", neighborAdvertisement(), true, false, false, false),
        ("empty, never", [], true, false, false, false),
        ("tagged with another VLAN, never", arpReply(vlanID: 7), true, false, false, false),
    ]

    @Test(arguments: validation)
    func counts(name: String, frame: [UInt8], enabled: Bool, validateActive: Bool, validateInactive: Bool, counted: Bool) {
        let probe = ARPProbe(target: partner, validateActive: validateActive, validateInactive: validateInactive)
        #expect(probe.isReply(frame, on: pingPort(enabled: enabled)) == counted, "\(name)")
        var watcher = PingWatcher(probe: probe)
        _ = watcher.handle(.frame(frame), port: pingPort(enabled: enabled), timer: timer)
        #expect(watcher.answered == counted, "\(name)")
    }

    /// The C teamd's entry for {"name": "arp_ping", "source_host": "192.0.2.1", "target_host": "192.0.2.2",
    /// "interval": 500, "init_wait": 300, "validate_active": true, "validate_inactive": true,
    /// "send_always": true}, from lab/captures/ping-c-state-arpsrc.json.
    @Test("the state entry has the C teamd's keys and values")
    func state() throws {
        let cState = try JSONValue(parsing: #"""
            {"down_count":0,"init_wait":300,"interval":500,"missed":0,"missed_max":3,"name":"arp_ping",
             "send_always":true,"source_host":"192.0.2.1","target_host":"192.0.2.2","up":true,
             "validate_active":true,"validate_inactive":true}
            """#)
        let config = try TeamdConfig(parsing: #"""
            {"link_watch": {"name": "arp_ping", "source_host": "192.0.2.1", "target_host": "192.0.2.2",
             "interval": 500, "init_wait": 300, "validate_active": true, "validate_inactive": true,
             "send_always": true}}
            """#)
        let watch = try #require(config.linkWatchers(forPort: "eth0").first)
        var watcher = try #require(try PortRegistry.makeWatcher(watch, resolve: { _, _ in .unresolvable }))
        let port = pingPort(enabled: true)
        _ = watcher.handle(.frame(arpReply(to: IPv4Address(192, 0, 2, 1))), port: port, timer: timer)
        _ = watcher.handle(.timer, port: port, timer: timer)
        #expect(JSONValue.object(watcher.state()) == cState)
    }
}

@Suite("nsna_ping probe")
struct NSNAProbeTests {
    @Test("the solicitation: to the target's solicited-node group, from the port's link-local address and MAC")
    func request() throws {
        let ns = try NeighborDiscoveryFrame(decoding: NSNAProbe(target: partner6).request(from: pingPort()))
        #expect(ns.ethernet.destination.description == "33:33:ff:00:00:02")
        #expect(ns.ip.destination.description == "ff02::1:ff00:2")
        #expect(ns.ip.source.description == "fe80::8882:fff:fe49:df2d")
        #expect(ns.ip.hopLimit == 255)
        #expect(ns.message.type == ICMPv6.neighborSolicitation && ns.message.target == partner6)
        #expect(ns.message.linkLayerAddress(NeighborDiscoveryOption.sourceLinkLayerAddress) == portMAC)
    }

    static let answers: [(String, [UInt8], Bool)] = {
        var corrupted = neighborAdvertisement()
        corrupted[corrupted.count - 1] ^= 0xff
        return [
            ("the advertisement", neighborAdvertisement(), true),
            ("for another target", neighborAdvertisement(for: IPv6Address.linkLocal(macAddress: partnerMAC)), false),
            ("routed (hop limit 64)", neighborAdvertisement(hopLimit: 64), false),
            ("without the target's MAC", neighborAdvertisement(withTargetMAC: false), false),
            ("bad checksum", corrupted, false),
            ("cut short", Array(neighborAdvertisement().prefix(70)), false),
            ("an ARP reply", arpReply(), false),
        ]
    }()

    @Test(arguments: answers)
    func counts(name: String, frame: [UInt8], counted: Bool) {
        #expect(NSNAProbe(target: partner6).isReply(frame, on: pingPort()) == counted, "\(name)")
    }

    /// From lab/captures/ping-c-state-nsna.json.
    @Test("the state entry has the C teamd's keys and values")
    func state() throws {
        let cState = try JSONValue(parsing: #"""
            {"down_count":0,"init_wait":0,"interval":500,"missed":0,"missed_max":2,"name":"nsna_ping",
             "target_host":"2001:db8::2","up":true}
            """#)
        var watcher = PingWatcher(probe: NSNAProbe(target: partner6), interval: 500, missedMax: 2)
        _ = watcher.handle(.frame(neighborAdvertisement()), port: pingPort(), timer: timer)
        _ = watcher.handle(.timer, port: pingPort(), timer: timer)
        #expect(JSONValue.object(watcher.state()) == cState)
    }
}

@Suite("ping watchers in the engine")
struct PingWatcherEngineTests {
    func arpWatcher(missedMax: Int = 1) -> any LinkWatcher {
        PingWatcher(probe: ARPProbe(target: partner), interval: 100, missedMax: missedMax)
    }

    func sends(_ actions: [TeamAction]) -> [UInt32] {
        actions.compactMap { if case .send(let port, _) = $0 { port } else { nil } }
    }

    func answer(_ e: inout TeamEngine, _ port: UInt32) -> [TeamAction] {
        e.frameReceived(port: port, bytes: arpReply(), forWatcher: 0)
    }

    @Test("forced_send: every port probes while none is enabled, then only the enabled one")
    func forcedSend() {
        var e = TeamEngine(runner: ActiveBackupRunner(), teamAddress: teamMAC)
        _ = e.addPort(port("eth0", 3, prio: 10), watchers: [arpWatcher()])
        _ = e.addPort(port("eth1", 4), watchers: [arpWatcher()])
        #expect(sends(e.timerFired(.watcher(port: 3, instance: 0)) + e.timerFired(.watcher(port: 4, instance: 0))) == [3, 4])
        _ = answer(&e, 3)
        _ = answer(&e, 4)
        _ = e.timerFired(.watcher(port: 3, instance: 0))
        _ = e.timerFired(.watcher(port: 4, instance: 0))
        #expect(activePort(e) == "eth0")
        #expect(sends(e.timerFired(.watcher(port: 3, instance: 0)) + e.timerFired(.watcher(port: 4, instance: 0))) == [3])
    }

    @Test("activebackup: replies stop on the active port, the backup takes over after missed_max, and back")
    func failover() {
        var e = TeamEngine(runner: ActiveBackupRunner(), teamAddress: teamMAC)
        _ = e.addPort(port("eth0", 3, prio: 10), watchers: [arpWatcher(missedMax: 1)])
        _ = e.addPort(port("eth1", 4), watchers: [arpWatcher(missedMax: 1)])
        func round(answering: Set<UInt32>) -> [TeamAction] {
            for p in answering { _ = answer(&e, p) }
            return e.timerFired(.watcher(port: 3, instance: 0)) + e.timerFired(.watcher(port: 4, instance: 0))
        }
        _ = round(answering: [3, 4])
        #expect(activePort(e) == "eth0")
        _ = round(answering: [4]) // missed 1 = missed_max: still up
        #expect(activePort(e) == "eth0")
        let down = round(answering: [4])
        #expect(activePort(e) == "eth1")
        #expect(e.ports[name: "eth0"]?.isLinkUp == false)
        #expect(down.filter { if case .setOption = $0 { true } else { false } } == [
            .enable(4, true),
            .setOption(TeamOptionID(name: "activeport"), .u32(4)),
            .enable(3, false),
            .setOption(TeamOptionID(name: "user_linkup", portIndex: 3), .bool(false)),
        ], "the option writes of the failover, in order")
        #expect(sends(round(answering: [4])) == [4], "the down port is not enabled, so it is quiet")
        _ = round(answering: [3, 4])
        #expect(activePort(e) == "eth0", "eth0 answers again and has the higher prio")
        #expect(e.watcherStates(of: 3).first?["down_count"] == .integer(1))
    }

    @Test("a port may have a ping watcher and ethtool together; link_watch_policy combines them")
    func combined() {
        var any = TeamEngine(runner: BasicRunner(.roundrobin), teamAddress: teamMAC)
        _ = any.addPort(port("eth0", 3), watchers: [EthtoolWatcher(), arpWatcher()])
        #expect(any.ports[index: 3]?.isLinkUp == true, "any: ethtool says up")
        var all = TeamEngine(runner: BasicRunner(.roundrobin), teamAddress: teamMAC, linkWatchPolicy: .all)
        _ = all.addPort(port("eth0", 3), watchers: [EthtoolWatcher(), arpWatcher()])
        #expect(all.ports[index: 3]?.isLinkUp == false, "all: the ARP watcher has not heard anything yet")
        _ = all.frameReceived(port: 3, bytes: arpReply(), forWatcher: 1)
        _ = all.timerFired(.watcher(port: 3, instance: 1))
        #expect(all.ports[index: 3]?.isLinkUp == true)
        #expect(all.watcherStates(of: 3).map { $0["name"] } == [.string("ethtool"), .string("arp_ping")])
    }

    @Test("a frame for one watcher does not reach the port's other watchers")
    func framesGoToTheirWatcher() {
        var e = TeamEngine(runner: BasicRunner(.roundrobin), teamAddress: teamMAC)
        _ = e.addPort(port("eth0", 3), watchers: [arpWatcher(), arpWatcher()])
        _ = e.frameReceived(port: 3, bytes: arpReply(), forWatcher: 1)
        _ = e.timerFired(.watcher(port: 3, instance: 0))
        _ = e.timerFired(.watcher(port: 3, instance: 1))
        #expect(e.watcherStates(of: 3).map { $0["up"] } == [.bool(false), .bool(true)])
    }
}
