import NetlinkCodec
import TeamKit
import TeamWire
import Packets

/// An in-memory kernel that answers the team generic netlink family, nlctrl and the
/// rtnetlink link subset at message level, following drivers/net/team/team_core.c:
/// option instances in the kernel's order, per-port and array options, mode changes only
/// without ports, change_event multicasts after every change, ports that must be down to
/// be enslaved, original MAC and down state restored on release.
///
/// Tests drive it through `makeTransport(_:)` with the real TeamKit code on top, and
/// through helpers (`addLink`, `setCarrier`) that stand for what happens outside netlink.
public final class FakeKernel {
    public static let teamFamilyID: UInt16 = 0x1b
    public static let changeEventGroup: UInt32 = 7
    public static let modes = ["broadcast", "roundrobin", "random", "activebackup", "loadbalance"]
    /// real_num_tx_queues of a team device (TEAM_DEFAULT_NUM_TX_QUEUES).
    public static let teamTransmitQueues: UInt32 = 16

    /// Every link, by index.
    public internal(set) var links: [UInt32: Link] = [:]
    /// Every request any transport sent, in order.
    public private(set) var requests: [NetlinkMessage] = []
    /// Whether the team module is "loaded" (the family is registered).
    public var teamFamilyRegistered = true
    /// Whether the bonding module is "loaded" (kind "bond" can be created).
    public var bondingAvailable = true
    /// Each bond's ports in the order enslaved (FakeKernel+Bonding.swift).
    var bondPorts: [UInt32: [UInt32]] = [:]
    var bondOriginalAddress: [UInt32: EthernetAddress?] = [:]
    /// Option writes refused with this errno (e.g. ENODEV, as for a port that vanished meanwhile).
    public var failingOptionWrites: [TeamOptionID: Int32] = [:]
    /// Teams made from now on have the per-port `rx_enabled` and `tx_enabled` options of newer kernels
    /// (receive and transmit enabled apart); Debian 12's 6.1, the default here, has only `enabled`.
    public var separatesRxTx = false

    private var teams: [UInt32: TeamState] = [:]
    private var transports: [FakeTransport] = []
    var transportsForTesting: [FakeTransport] { transports }
    private var nextIndex: UInt32 = 2
    private var nextPortID: UInt32 = 1000
    private var nextAddress: UInt8 = 1

    public init() {
        links[1] = Link(index: 1, name: "lo", flags: [.up, .loopback, .running, .lowerUp], type: 772,
                        address: .zero, mtu: 65536, operationalState: .unknown)
    }

    public func makeTransport(_ netlinkProtocol: NetlinkProtocol) -> FakeTransport {
        nextPortID += 1
        let transport = FakeTransport(kernel: self, protocol: netlinkProtocol, portID: nextPortID)
        transports.append(transport)
        return transport
    }

    // MARK: Helpers standing for the world outside netlink

    /// Adds an Ethernet link (a veth end: speed 10000, full duplex), down, with a locally
    /// administered MAC.
    @discardableResult
    public func addLink(name: String, kind: String = "veth", address: [UInt8]? = nil, carrier: Bool = true) -> UInt32 {
        let index = nextIndex
        nextIndex += 1
        nextAddress &+= 1
        let link = Link(index: index, name: name, flags: [.broadcast, .multicast],
                        address: EthernetAddress(bytes: address ?? [0x02, 0x00, 0x00, 0x00, 0x00, nextAddress]), mtu: 1500,
                        carrier: carrier, operationalState: .down, kind: kind)
        links[index] = link
        linkEvent(link)
        return index
    }

    public func index(of name: String) -> UInt32? { links.values.first { $0.name == name }?.index }

    /// The link's carrier as its driver sees it (a veth whose peer went down). A team port
    /// reports the change through change_event, as team_device_event does.
    public func setCarrier(_ carrier: Bool, index: UInt32) {
        guard var link = links[index] else { return }
        link.carrier = carrier
        link = refreshed(link)
        links[index] = link
        linkEvent(link)
        if link.master != 0, teams[link.master] != nil {
            portChangeCheck(team: link.master, port: index)
        }
    }

    /// The team's option instances as the kernel would list them.
    public func options(ofTeam team: UInt32) -> [TeamOption] { teams[team]?.options ?? [] }

    /// The team's ports as the kernel would list them.
    public func ports(ofTeam team: UInt32) -> [TeamPortStatus] {
        guard let state = teams[team] else { return [] }
        return state.ports.map { state.portStatus[$0]! }
    }

    /// Sets a read-only option's value as the driver would (e.g. lb statistics), without
    /// an event.
    public func setKernelValue(team: UInt32, _ id: TeamOptionID, _ value: TeamOptionValue) {
        guard let i = teams[team]?.options.firstIndex(where: { $0.id == id }) else { return }
        teams[team]!.options[i].value = value
    }

    // MARK: Dispatch

    func handle(_ request: NetlinkMessage, from transport: FakeTransport) {
        requests.append(request)
        var replies: [NetlinkMessage] = []
        let result: Int32
        switch (transport.netlinkProtocol, request.header.type) {
        case (.generic, GenericNetlinkController.familyID):
            result = handleController(request, replies: &replies)
        case (.generic, Self.teamFamilyID) where teamFamilyRegistered:
            result = handleTeam(request, replies: &replies)
        case (.route, RouteMessageType.getLink):
            result = handleGetLink(request, replies: &replies)
        case (.route, RouteMessageType.newLink), (.route, RouteMessageType.setLink):
            result = handleSetLink(request)
        case (.route, RouteMessageType.deleteLink):
            result = handleDeleteLink(request)
        default:
            result = 95 // EOPNOTSUPP
        }
        let sequence = request.header.sequence
        let port = transport.portID
        if !replies.isEmpty {
            for i in replies.indices {
                replies[i].header.sequence = sequence
                replies[i].header.portID = port
            }
            let isDump = request.header.flags.contains(.dump) && request.header.type == RouteMessageType.getLink
            let multipart = replies.count > 1 || isDump || replies[0].header.flags.contains(.multi)
            if multipart {
                replies.append(NetlinkDone().encode(sequence: sequence, portID: port))
            }
            transport.deliver(replies)
            // rtnetlink dumps end at NLMSG_DONE and get no ACK.
            if isDump { return }
        }
        if result != 0 || request.header.flags.contains(.ack) {
            let ack = NetlinkAcknowledgement(errno: result, request: request.header)
            transport.deliver([ack.encode(portID: port)])
        }
    }

    @discardableResult
    private func multicast(_ datagram: [NetlinkMessage], protocol netlinkProtocol: NetlinkProtocol, group: UInt32) -> Bool {
        var delivered = false
        for transport in transports where transport.netlinkProtocol == netlinkProtocol && transport.groups.contains(group) {
            transport.deliver(datagram)
            delivered = true
        }
        return delivered
    }

    // MARK: nlctrl

    private func handleController(_ request: NetlinkMessage, replies: inout [NetlinkMessage]) -> Int32 {
        guard let genl = try? GenericNetlinkMessage.decode(request),
              genl.header.command == GenericNetlinkController.Command.getFamily else { return 22 }
        var reader = genl.attributeReader
        var name: String?
        while reader.next() {
            if reader.type == GenericNetlinkController.Attribute.familyName { name = reader.string() }
        }
        guard name == TeamFamily.name, teamFamilyRegistered else { return 2 }
        let family = GenericNetlinkFamily(id: Self.teamFamilyID, name: TeamFamily.name, version: 1, maxAttribute: 3,
                                          multicastGroups: [.init(name: TeamFamily.changeEventGroup, id: Self.changeEventGroup)])
        replies.append(try! GenericNetlinkController.familyReply(family)
            .message(family: GenericNetlinkController.familyID, flags: []))
        return 0
    }

    // MARK: Team family

    private func handleTeam(_ request: NetlinkMessage, replies: inout [NetlinkMessage]) -> Int32 {
        guard let message = try? TeamMessage.decode(request) else { return 22 }
        guard let teamIndex = message.teamIndex, teams[teamIndex] != nil else {
            return message.command == .noop ? 0 : 22   // team_nl_team_get fails: -EINVAL
        }
        switch message.command {
        case .noop:
            return 0
        case .getOptions:
            replies.append(try! TeamMessage(command: .getOptions, teamIndex: teamIndex, options: teams[teamIndex]!.reportOptions(nil))
                .message(family: Self.teamFamilyID, flags: [.multi, .ack]))
            return 0
        case .getPorts:
            replies.append(try! TeamMessage(command: .getPorts, teamIndex: teamIndex, ports: ports(ofTeam: teamIndex).map {
                var port = $0
                port.isChanged = false
                return port
            }).message(family: Self.teamFamilyID, flags: [.multi, .ack]))
            return 0
        case .setOptions:
            guard let items = message.options, !items.isEmpty else { return 22 }
            for item in items {
                let result = setOption(team: teamIndex, item)
                if result != 0 { return result }
            }
            return 0
        }
    }

    /// team_nl_options_set_doit for one item: find the instance with the same type, name,
    /// port and array index; run its setter; report it changed.
    private func setOption(team teamIndex: UInt32, _ item: TeamOption) -> Int32 {
        if let failure = failingOptionWrites[item.id] { return failure }
        guard var state = teams[teamIndex] else { return 22 }
        if case .unknown = item.value { return 22 }
        if case .string(let text) = item.value, text.utf8.count + 1 > TeamFamily.stringMaxLength { return 22 }
        guard let i = state.options.firstIndex(where: {
            $0.id == item.id && $0.value.typeNumber == item.value.typeNumber
        }) else { return 2 }
        let name = item.name
        switch name {
        case "mode":
            guard case .string(let mode) = item.value else { return 2 }
            guard state.ports.isEmpty else { return 16 }                       // EBUSY
            guard mode != state.mode, Self.modes.contains(mode) else { return 22 }
            let removed = state.setMode(mode)
            teams[teamIndex] = state
            if !removed.isEmpty { optionsEvent(teamIndex, removed) }
            teams[teamIndex]!.markChanged(TeamOptionID(name: "mode"))
            optionsEvent(teamIndex, teams[teamIndex]!.reportOptions { $0.isChanged })
            return 0
        case "lb_hash_stats", "lb_port_stats":
            return 95                                                          // no setter
        case "activeport", "lb_tx_hash_to_port_mapping":
            guard case .u32(let port) = item.value, state.ports.contains(port) else {
                return name == "activeport" ? 2 : 19
            }
        case "lb_tx_method":
            guard case .string(let method) = item.value, ["hash", "hash_to_port_mapping"].contains(method) else { return 22 }
        case "queue_id":
            guard case .u32(let queue) = item.value, queue < Self.teamTransmitQueues else { return 22 }
        case "bpf_hash_func":
            guard case .binary(let program) = item.value, program.count % 8 == 0 else { return 22 }
        default:
            break
        }
        state.options[i].value = item.value
        state.options[i].isChanged = true
        if name == "enabled", let port = item.portIndex, case .bool(let on) = item.value {
            state.portEnabled[port] = on
        }
        teams[teamIndex] = state
        // team_nl_options_set_doit returns the multicast's error: ESRCH without listeners.
        return optionsEvent(teamIndex, teams[teamIndex]!.reportOptions { $0.id == item.id }) ? 0 : 3
    }

    /// Multicasts an options event; false when nobody listens (the kernel's -ESRCH).
    @discardableResult
    private func optionsEvent(_ team: UInt32, _ options: [TeamOption]) -> Bool {
        guard !options.isEmpty else { return true }
        let message = try! TeamMessage(command: .getOptions, teamIndex: team, options: options)
            .message(family: Self.teamFamilyID, flags: .multi)
        return multicast([message, NetlinkDone().encode(sequence: 0)], protocol: .generic, group: Self.changeEventGroup)
    }

    private func portEvent(_ team: UInt32, _ port: TeamPortStatus) {
        let message = try! TeamMessage(command: .getPorts, teamIndex: team, ports: [port])
            .message(family: Self.teamFamilyID, flags: .multi)
        multicast([message, NetlinkDone().encode(sequence: 0)], protocol: .generic, group: Self.changeEventGroup)
    }

    /// __team_port_change_check: report a port whose link state changed.
    private func portChangeCheck(team: UInt32, port: UInt32) {
        guard let link = links[port], var status = teams[team]?.portStatus[port] else { return }
        let up = link.isUp && link.carrier == true
        guard status.isLinkUp != up else { return }
        status.isLinkUp = up
        status.speed = up ? 10000 : 0
        status.duplex = up ? Duplex.full : Duplex.half
        status.isChanged = true
        teams[team]!.portStatus[port] = status
        portEvent(team, status)
        carrierCheck(team: team)
    }

    /// __team_carrier_check: the team has carrier while any port is up, unless user space
    /// took over the carrier.
    private func carrierCheck(team: UInt32) {
        guard let state = teams[team], !state.userCarrier, var link = links[team] else { return }
        let carrier = state.ports.contains { state.portStatus[$0]?.isLinkUp == true }
        guard link.carrier != carrier else { return }
        link.carrier = carrier
        link = refreshed(link)
        links[team] = link
        linkEvent(link)
    }

    // MARK: rtnetlink

    func linkEvent(_ link: Link, removed: Bool = false) {
        let message = try! link.message.message(type: removed ? RouteMessageType.deleteLink : RouteMessageType.newLink, flags: [])
        multicast([message], protocol: .route, group: RouteGroup.link)
    }

    /// Recomputes the flags and operational state that follow from up and carrier.
    func refreshed(_ link: Link) -> Link {
        var link = link
        let running = link.isUp && link.carrier != false
        if running { link.flags.formUnion([.running, .lowerUp]) } else { link.flags.subtract([.running, .lowerUp]) }
        if link.index != 1 { link.operationalState = running ? .up : (link.isUp ? .lowerLayerDown : .down) }
        return link
    }

    private func handleGetLink(_ request: NetlinkMessage, replies: inout [NetlinkMessage]) -> Int32 {
        guard let message = try? LinkMessage.decode(request) else { return 22 }
        if request.header.flags.contains(.dump) {
            for index in links.keys.sorted() {
                replies.append(try! links[index]!.message.message(type: RouteMessageType.newLink, flags: .multi))
            }
            return 0
        }
        let link = message.info.index != 0 ? links[message.info.index] : links.values.first { $0.name == message.name }
        guard let link else { return 19 }                                     // ENODEV
        replies.append(try! link.message.message(type: RouteMessageType.newLink, flags: []))
        return 0
    }

    private func handleSetLink(_ request: NetlinkMessage) -> Int32 {
        guard let message = try? LinkMessage.decode(request) else { return 22 }
        let existing = message.info.index != 0 ? links[message.info.index]
            : message.name.flatMap { name in links.values.first { $0.name == name } }
        if request.header.type == RouteMessageType.newLink, request.header.flags.contains(.create) {
            if existing != nil { return request.header.flags.contains(.excl) ? 17 : 0 }   // EEXIST
            return createLink(message)
        }
        guard var link = existing else { return 19 }
        if request.header.type == RouteMessageType.newLink, message.attribute(LinkAttribute.linkInfo) != nil {
            return changeLinkInfo(message, of: link)
        }
        if let address = message.address {
            guard address.count == 6 else { return 22 }
            guard address[0] & 1 == 0, address != [0, 0, 0, 0, 0, 0] else { return 99 }  // EADDRNOTAVAIL
            link.address = EthernetAddress(bytes: address)
            links[link.index] = link
            if let state = teams[link.index], state.mode != "activebackup", state.mode != TeamState.noMode {
                for port in state.ports { links[port]?.address = link.address; linkEvent(links[port]!) }
            }
        }
        if message.info.change.contains(.up) {
            let up = message.info.flags.contains(.up)
            if up { link.flags.insert(.up) } else { link.flags.remove(.up) }
            link = refreshed(link)
            links[link.index] = link
            if link.master != 0 { portChangeCheck(team: link.master, port: link.index) }
        }
        if let carrier = message.carrier {
            guard var state = teams[link.index] else { return 95 }            // only the team has ndo_change_carrier
            state.userCarrier = true
            teams[link.index] = state
            link.carrier = carrier
            link = refreshed(link)
            links[link.index] = link
        }
        linkEvent(links[link.index]!)
        if let master = message.master {
            if master == 0, let bond = links[link.index]?.master, bondPorts[bond] != nil { return releaseFromBond(link.index) }
            if bondPorts[master] != nil { return enslaveToBond(port: link.index, bond: master) }
            return master == 0 ? releasePort(link.index) : enslave(port: link.index, team: master)
        }
        return 0
    }

    private func createLink(_ message: LinkMessage) -> Int32 {
        guard let name = message.name, !name.isEmpty, name.utf8.count < 16 else { return 22 }
        guard let kind = message.kind else { return 22 }
        if kind == "bond" { return bondingAvailable ? createBond(message) : 95 }
        guard ["team", "dummy", "veth"].contains(kind) else { return 95 }
        if kind == "team" && !teamFamilyRegistered { return 95 }
        if let address = message.address {
            guard address.count == 6 else { return 22 }
            guard address[0] & 1 == 0, address != [0, 0, 0, 0, 0, 0] else { return 99 }
        }
        let index = addLink(name: name, kind: kind, address: message.address ?? [0x02, 0x7e, 0xa4, 0, 0, UInt8(nextIndex & 0xff)],
                            carrier: kind != "team")
        if kind == "team" {
            teams[index] = TeamState(separatesRxTx: separatesRxTx)
            links[index]!.carrier = false
            links[index]!.mtu = 1500
        }
        return 0
    }

    private func handleDeleteLink(_ request: NetlinkMessage) -> Int32 {
        guard let message = try? LinkMessage.decode(request) else { return 22 }
        let index = message.info.index != 0 ? message.info.index : (message.name.flatMap { self.index(of: $0) } ?? 0)
        guard let link = links[index] else { return 19 }
        if let state = teams[index] {
            for port in state.ports { _ = releasePort(port) }
            teams[index] = nil
        }
        if let ports = bondPorts[index] {
            for port in ports { _ = releaseFromBond(port) }
            bondPorts[index] = nil
        }
        if link.master != 0 { _ = bondPorts[link.master] != nil ? releaseFromBond(index) : releasePort(index) }
        links[index] = nil
        linkEvent(link, removed: true)
        return 0
    }

    /// team_port_add
    private func enslave(port: UInt32, team: UInt32) -> Int32 {
        guard var link = links[port] else { return 19 }
        guard var state = teams[team] else { return 95 }                      // not a team: no ndo_add_slave
        if port == team { return 22 }
        if link.master == team { return 0 }
        if link.master != 0 || teams[port] != nil && link.master != 0 { return 16 }
        if link.isUp { return 16 }                                             // "Set it down before adding it"
        state.originalAddress[port] = link.address
        state.ports.append(port)
        state.portEnabled[port] = true
        if state.mode != "activebackup" && state.mode != TeamState.noMode { link.address = links[team]!.address }
        link.master = team
        link.slaveKind = "team"
        link.flags.insert(.up)                                                 // dev_open
        link = refreshed(link)
        links[port] = link
        let up = link.carrier == true
        state.portStatus[port] = TeamPortStatus(index: port, isLinkUp: up, speed: up ? 10000 : 0,
                                                duplex: up ? Duplex.full : Duplex.half, isChanged: true)
        state.addPortOptions(port)
        teams[team] = state
        linkEvent(link)
        portEvent(team, state.portStatus[port]!)
        optionsEvent(team, teams[team]!.reportOptions { $0.isChanged })
        carrierCheck(team: team)
        return 0
    }

    /// team_port_del
    private func releasePort(_ port: UInt32) -> Int32 {
        guard var link = links[port], link.master != 0 else { return 0 }
        let team = link.master
        guard var state = teams[team] else { return 0 }
        let removedOptions = state.removePortOptions(port)
        var status = state.portStatus.removeValue(forKey: port) ?? TeamPortStatus(index: port)
        state.ports.removeAll { $0 == port }
        state.portEnabled[port] = nil
        if let original = state.originalAddress.removeValue(forKey: port) { link.address = original }
        teams[team] = state
        optionsEvent(team, removedOptions)
        status.isRemoved = true
        status.isChanged = true
        status.isLinkUp = false
        status.speed = 0
        status.duplex = Duplex.half
        portEvent(team, status)
        link.master = 0
        link.slaveKind = nil
        link.flags.remove(.up)                                                 // dev_close
        link = refreshed(link)
        links[port] = link
        linkEvent(link)
        carrierCheck(team: team)
        return 0
    }
}

/// One team's driver state.
struct TeamState {
    static let noMode = "*NOMODE*"
    var mode = TeamState.noMode
    var options: [TeamOption] = [
        TeamOption(name: "mode", value: .string(TeamState.noMode)),
        TeamOption(name: "notify_peers_count", value: .u32(0)),
        TeamOption(name: "notify_peers_interval", value: .u32(0)),
        TeamOption(name: "mcast_rejoin_count", value: .u32(0)),
        TeamOption(name: "mcast_rejoin_interval", value: .u32(0)),
    ]
    var ports: [UInt32] = []
    var portStatus: [UInt32: TeamPortStatus] = [:]
    var portEnabled: [UInt32: Bool] = [:]
    var originalAddress: [UInt32: EthernetAddress?] = [:]
    var userCarrier = false
    var separatesRxTx = false

    /// Per-port option templates: the core's, then the mode's.
    var perPortTemplates: [TeamOption] {
        var templates = [
            TeamOption(name: "enabled", value: .bool(true)),
            TeamOption(name: "user_linkup", value: .bool(false)),
            TeamOption(name: "user_linkup_enabled", value: .bool(false)),
            TeamOption(name: "priority", value: .s32(0)),
            TeamOption(name: "queue_id", value: .u32(0)),
        ]
        if separatesRxTx {
            templates += [TeamOption(name: "rx_enabled", value: .bool(true)), TeamOption(name: "tx_enabled", value: .bool(true))]
        }
        if mode == "loadbalance" { templates.append(TeamOption(name: "lb_port_stats", value: .binary(Array(repeating: 0, count: 8)))) }
        return templates
    }

    /// Options a mode registers (team_mode_activebackup.c, team_mode_loadbalance.c).
    static func modeOptions(_ mode: String) -> [TeamOption] {
        switch mode {
        case "activebackup":
            return [TeamOption(name: "activeport", value: .u32(0))]
        case "loadbalance":
            return [TeamOption(name: "bpf_hash_func", value: .binary([])),
                    TeamOption(name: "lb_tx_method", value: .string("hash"))]
                + (0..<256).map { TeamOption(name: "lb_tx_hash_to_port_mapping", arrayIndex: UInt32($0), value: .u32(0)) }
                + (0..<256).map { TeamOption(name: "lb_hash_stats", arrayIndex: UInt32($0), value: .binary(Array(repeating: 0, count: 8))) }
                + [TeamOption(name: "lb_stats_refresh_interval", value: .u32(0))]
        default:
            return []
        }
    }

    /// Changes the mode; returns the old mode's instances marked removed.
    mutating func setMode(_ newMode: String) -> [TeamOption] {
        let oldNames = Set(Self.modeOptions(mode).map(\.name))
        var removed = options.filter { oldNames.contains($0.name) }
        for i in removed.indices { removed[i].isRemoved = true; removed[i].isChanged = true }
        options.removeAll { oldNames.contains($0.name) }
        mode = newMode
        options[0].value = .string(newMode)
        options.append(contentsOf: Self.modeOptions(newMode).map { var o = $0; o.isChanged = true; return o })
        return removed
    }

    mutating func markChanged(_ id: TeamOptionID) {
        if let i = options.firstIndex(where: { $0.id == id }) { options[i].isChanged = true }
    }

    mutating func addPortOptions(_ port: UInt32) {
        for template in perPortTemplates {
            var option = template
            option.id.portIndex = port
            option.isChanged = true
            options.append(option)
        }
    }

    mutating func removePortOptions(_ port: UInt32) -> [TeamOption] {
        var removed = options.filter { $0.portIndex == port }
        for i in removed.indices { removed[i].isRemoved = true; removed[i].isChanged = true }
        options.removeAll { $0.portIndex == port }
        return removed
    }

    /// The instances matching `filter` (all when nil) with their changed flags, which the
    /// kernel clears once it has reported them.
    mutating func reportOptions(_ filter: ((TeamOption) -> Bool)?) -> [TeamOption] {
        var result: [TeamOption] = []
        for i in options.indices where filter?(options[i]) ?? true {
            result.append(options[i])
            options[i].isChanged = false
        }
        return result
    }
}

extension FakeKernel {
    /// Makes every transport joined to change_event overflow: queued events are lost and
    /// the next receive fails with ENOBUFS, as when a burst exceeds the socket buffer.
    public func transportsDropEvents() {
        for transport in transportsForTesting where transport.groups.contains(Self.changeEventGroup) {
            transport.simulateOverrun()
        }
    }

    /// How many team event datagrams wait, unread, on the transports joined to change_event.
    public var queuedTeamEvents: Int {
        transportsForTesting.filter { $0.groups.contains(Self.changeEventGroup) }.reduce(0) { $0 + $1.queue.count }
    }

    /// Makes every rtnetlink socket joined to RTNLGRP_LINK overflow: its queued link events are lost and
    /// the next receive fails with ENOBUFS.
    public func linkEventsDropped() {
        for transport in transportsForTesting
        where transport.netlinkProtocol == .route && transport.groups.contains(RouteGroup.link) {
            transport.simulateOverrun()
        }
    }

    /// Link events past `limit` unread datagrams are dropped on every socket joined to RTNLGRP_LINK, the
    /// queued ones kept, as the kernel does when a socket's buffer is full (nil: no limit).
    public func limitLinkEventQueues(to limit: Int?) {
        for transport in transportsForTesting
        where transport.netlinkProtocol == .route && transport.groups.contains(RouteGroup.link) {
            transport.queueLimit = limit
        }
    }
}
