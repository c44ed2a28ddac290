import Testing
import NetlinkCodec
import TeamWire
import TeamTesting
import TestSupport
@testable import TeamKit

/// change_event batches the fake kernel would never send: random options and ports, for this
/// team or another, in one datagram, split over several, or as lone messages, some mutated.
/// Whatever arrives, `drainEvents` never traps; a batch that is valid comes out as exactly the
/// events it carried, and the caches hold what it said last.
@Suite struct TeamDeviceFuzzTests {
    static let names = ["mode", "activeport", "enabled", "priority", "queue_id", "user_linkup", "lb_port_stats"]

    static func option(_ random: inout SeededGenerator) -> TeamOption {
        let value: TeamOptionValue = switch random.below(5) {
        case 0: .u32(UInt32(truncatingIfNeeded: random.next()))
        case 1: .s32(Int32(truncatingIfNeeded: random.next()))
        case 2: .string(["activebackup", "loadbalance", "", "x"][random.below(4)])
        case 3: .bool(random.next() % 2 == 0)
        default: .binary((0..<random.below(12)).map { _ in random.byte() })
        }
        return TeamOption(name: names[random.below(names.count)],
                          portIndex: random.below(3) == 0 ? nil : UInt32(2 + random.below(3)),
                          arrayIndex: random.below(4) == 0 ? UInt32(random.below(4)) : nil, value: value,
                          isChanged: random.next() % 2 == 0, isRemoved: random.below(5) == 0)
    }

    static func port(_ random: inout SeededGenerator) -> TeamPortStatus {
        TeamPortStatus(index: UInt32(2 + random.below(4)), isLinkUp: random.next() % 2 == 0,
                       speed: [0, 100, 10000][random.below(3)], duplex: UInt8(random.below(2)),
                       isChanged: random.next() % 2 == 0, isRemoved: random.below(5) == 0)
    }

    /// The events one batch gives: its ports, then its options, each only when it has some.
    static func events(of batch: [TeamMessage]) -> [TeamEvent] {
        let ports = batch.filter { $0.command == .getPorts }
        let options = batch.filter { $0.command == .getOptions }
        return (ports.isEmpty ? [] : [.portsChanged(ports.flatMap { $0.ports ?? [] })])
            + (options.isEmpty ? [] : [.optionsChanged(options.flatMap { $0.options ?? [] })])
    }

    @Test("fuzz: random event batches never trap; valid ones arrive whole and the caches follow them")
    func eventBatches() throws {
        let lab = try Lab(mode: "activebackup")
        let transport = lab.kernel.makeTransport(.generic)
        let device = try TeamDevice(teamIndex: lab.team, commandTransport: lab.kernel.makeTransport(.generic),
                                    eventTransport: transport)
        var random = SeededGenerator(seed: 0xe7e47)
        var checked = 0
        var mutatedDecoded = 0
        for _ in 0..<1500 {
            var sent: [TeamMessage] = []
            var mutated = false
            var netlink: [NetlinkMessage] = []
            let lone = random.below(4) == 0
            for _ in 0..<(1 + random.below(3)) {
                let team = random.below(8) == 0 ? lab.team + 100 : lab.team
                let message = random.next() % 2 == 0
                    ? TeamMessage(command: .getPorts, teamIndex: team, ports: (0..<random.below(4)).map { _ in Self.port(&random) })
                    : TeamMessage(command: .getOptions, teamIndex: team,
                                  options: (0..<random.below(5)).map { _ in Self.option(&random) })
                var encoded = try message.message(family: device.family.id, flags: lone ? [] : .multi)
                if random.below(6) == 0 {
                    encoded.payload = random.mutate(encoded.payload, headerBias: 24)
                    mutated = true
                    if (try? TeamMessage.decode(encoded)) != nil { mutatedDecoded += 1 }
                } else if team == lab.team {
                    sent.append(try TeamMessage.decode(encoded))
                }
                netlink.append(encoded)
            }
            if lone {
                for message in netlink { transport.deliver([message]) }
            } else if random.next() % 2 == 0 {
                transport.deliver(netlink + [NetlinkDone().encode(sequence: 0)])
            } else {
                // The batch split over datagrams: the device holds it until NLMSG_DONE.
                for message in netlink { transport.deliver([message]) }
                #expect(try device.drainEvents().isEmpty)
                transport.deliver([NetlinkDone().encode(sequence: 0)])
            }
            let events = try device.drainEvents()
            guard !mutated else { continue }
            checked += 1
            let batches = lone ? sent.map { [$0] } : [sent]
            #expect(events == batches.flatMap(Self.events(of:)))
            // The caches hold the last word on every instance the round named, flagged changed
            // only by the last batch of its kind. A removed port stays, flagged, until the next
            // port batch; a removed option goes at once.
            var options: [TeamOptionID: TeamOption?] = [:]
            var ports: [UInt32: TeamPortStatus?] = [:]
            for batch in batches {
                if batch.contains(where: { $0.command == .getPorts }) {
                    ports = ports.mapValues { port in port.flatMap { $0.isRemoved ? nil : $0.with(isChanged: false) } }
                }
                if batch.contains(where: { $0.command == .getOptions }) {
                    options = options.mapValues { option in option.map { $0.with(isChanged: false) } }
                }
                for port in batch.flatMap({ $0.ports ?? [] }) { ports[port.index] = port }
                for option in batch.flatMap({ $0.options ?? [] }) { options[option.id] = option.isRemoved ? .some(nil) : option }
            }
            for (id, option) in options { #expect(device.option(id) == option) }
            for (index, port) in ports { #expect(device.ports().first { $0.index == index } == port) }
        }
        #expect(checked >= 900, "checked rounds: \(checked)")
        #expect(mutatedDecoded >= 40, "mutated messages that still decoded: \(mutatedDecoded)")
    }
}

private extension TeamOption {
    func with(isChanged: Bool) -> TeamOption { var copy = self; copy.isChanged = isChanged; return copy }
}

private extension TeamPortStatus {
    func with(isChanged: Bool) -> TeamPortStatus { var copy = self; copy.isChanged = isChanged; return copy }
}
