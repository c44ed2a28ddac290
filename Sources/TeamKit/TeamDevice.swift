import NetlinkCodec
import TeamWire

/// What the change_event socket delivered, one case per kernel batch (a multipart
/// message ended by NLMSG_DONE).
public enum TeamEvent: Hashable, Sendable {
    /// Option instances that changed or were removed, as the kernel listed them.
    case optionsChanged([TeamOption])
    /// Ports that changed (link, speed, duplex), were added, or were removed.
    case portsChanged([TeamPortStatus])
    /// The kernel dropped events (ENOBUFS); the caches were refetched from scratch and
    /// anything derived from earlier events must be recomputed.
    case resynced
}

/// One team device over the team generic netlink family, with libteam's caches.
///
/// Single-threaded and poll-friendly: put `eventDescriptor` in your poll set and call
/// `drainEvents()` when it is readable; it never blocks.
///
/// The caches follow libteam: an entry's `isChanged` tells whether the last batch of its
/// kind changed it; ports the kernel reported removed stay, flagged, until the next port
/// batch; removed option instances go at once. Lists are in the order first seen, which
/// on a fresh dump is the kernel's order (libteam prepends, so it lists them reversed).
public final class TeamDevice {
    public let teamIndex: UInt32
    public let family: GenericNetlinkFamily
    private let connection: NetlinkConnection
    private let events: (any NetlinkTransport)?
    private var optionCache: [TeamOption] = []
    private var portCache: [TeamPortStatus] = []
    private var pendingBatch: [NetlinkMessage] = []

    /// Opens real sockets: one for requests and, when `listening`, one joined to
    /// change_event.
    public convenience init(teamIndex: UInt32, listening: Bool = true) throws {
        let commands = try NetlinkSocket(protocol: .generic)
        let events = listening ? try NetlinkSocket(protocol: .generic) : nil
        try self.init(teamIndex: teamIndex, commandTransport: commands, eventTransport: events)
    }

    /// Resolves the family, joins change_event on `eventTransport` (before fetching, so
    /// that no change falls between the fetch and the subscription), then fetches ports
    /// and options.
    public init(teamIndex: UInt32, commandTransport: any NetlinkTransport,
                eventTransport: (any NetlinkTransport)? = nil) throws {
        self.teamIndex = teamIndex
        connection = NetlinkConnection(transport: commandTransport)
        family = try connection.resolveFamily(named: TeamFamily.name)
        events = eventTransport
        if let eventTransport {
            guard let group = family.multicastGroup(named: TeamFamily.changeEventGroup) else {
                throw NetlinkError(.notFound, operation: "team multicast group \(TeamFamily.changeEventGroup)")
            }
            try eventTransport.joinGroup(group)
        }
        try refresh()
    }

    // MARK: Reading

    /// The cached options.
    public func options() -> [TeamOption] { optionCache }

    /// The cached option instance with exactly this id (name, port, array index).
    public func option(_ id: TeamOptionID) -> TeamOption? { optionCache.first { $0.id == id } }

    /// Convenience for `option(TeamOptionID(...))`.
    public func option(named name: String, port: UInt32? = nil, arrayIndex: UInt32? = nil) -> TeamOption? {
        option(TeamOptionID(name: name, portIndex: port, arrayIndex: arrayIndex))
    }

    /// The cached ports.
    public func ports() -> [TeamPortStatus] { portCache }

    /// Refetches ports, then options (libteam's order), replacing the caches.
    public func refresh() throws {
        try refreshPorts()
        try refreshOptions()
    }

    /// TEAM_CMD_PORT_LIST_GET into the cache.
    @discardableResult
    public func refreshPorts() throws -> [TeamPortStatus] {
        let request = try TeamMessage.getPorts(teamIndex: teamIndex).message(family: family.id, flags: [])
        let answer = try connection.request(request, operation: "PORT_LIST_GET team \(teamIndex)")
        var fresh: [TeamPortStatus] = []
        for message in try decodeOwn(answer) { fresh.append(contentsOf: message.ports ?? []) }
        portCache = []
        applyPorts(fresh)
        return portCache
    }

    /// TEAM_CMD_OPTIONS_GET into the cache.
    @discardableResult
    public func refreshOptions() throws -> [TeamOption] {
        let request = try TeamMessage.getOptions(teamIndex: teamIndex).message(family: family.id, flags: [])
        let answer = try connection.request(request, operation: "OPTIONS_GET team \(teamIndex)")
        var fresh: [TeamOption] = []
        for message in try decodeOwn(answer) { fresh.append(contentsOf: message.options ?? []) }
        optionCache = []
        applyOptions(fresh)
        return optionCache
    }

    // MARK: Writing

    /// TEAM_CMD_OPTIONS_SET for one option, waiting for the kernel's ACK; then the cache
    /// holds the new value, marked changed, as libteam does.
    public func setOption(_ id: TeamOptionID, to value: TeamOptionValue) throws {
        // A netlink attribute holds at most 65,535 bytes with its header and the option's nests; a value
        // that cannot fit is refused here (E2BIG), before the codec is asked to write it.
        let size: Int
        switch value {
        case .string(let text): size = text.utf8.count + 1
        case .binary(let bytes): size = bytes.count
        default: size = 0
        }
        guard size + id.name.utf8.count <= Self.maximumValueSize else {
            throw NetlinkError(.system(errno: 7 /* E2BIG */), operation: "OPTIONS_SET \(id): a \(size)-byte value")
        }
        let request = try TeamMessage.setOption(teamIndex: teamIndex, id: id, value: value).message(family: family.id, flags: [])
        do {
            try connection.request(request, operation: "OPTIONS_SET \(id)")
        } catch let error as NetlinkError where error.code == .kernel(errno: 3) {
            // ESRCH: the kernel set the option, then failed to multicast the change
            // because nobody listens to change_event (team_nl_options_set_doit returns
            // the multicast's error). libteam never sees this as it always listens.
        }
        cacheWritten(id, value)
    }

    private func cacheWritten(_ id: TeamOptionID, _ value: TeamOptionValue) {
        if let index = optionCache.firstIndex(where: { $0.id == id }) {
            optionCache[index].value = value
            optionCache[index].isChanged = true
        } else {
            optionCache.append(TeamOption(id: id, value: value, isChanged: true))
        }
    }

    /// Several small options in one TEAM_CMD_OPTIONS_SET each `perMessage` of them (the kernel sets them
    /// in order and acknowledges once): the 256 `lb_tx_hash_to_port_mapping` entries cost a few round
    /// trips instead of 256. Values must be small (no binary blobs); the first refusal throws.
    public func setOptions(_ options: [TeamOption], perMessage: Int = 64) throws {
        var start = 0
        while start < options.count {
            let chunk = Array(options[start..<min(start + perMessage, options.count)])
            let request = try TeamMessage(command: .setOptions, teamIndex: teamIndex, options: chunk)
                .message(family: family.id, flags: [])
            do {
                try connection.request(request, operation: "OPTIONS_SET \(chunk[0].id) and \(chunk.count - 1) more")
            } catch let error as NetlinkError where error.code == .kernel(errno: 3) {
                // ESRCH: set, but nobody listens to change_event (see setOption).
            }
            for option in chunk { cacheWritten(option.id, option.value) }
            start += perMessage
        }
    }

    /// The largest option value (plus name) one OPTIONS_SET can carry: a netlink attribute's 16-bit
    /// length less the nests' and the other attributes' headers, with room to spare.
    public static let maximumValueSize = 65_535 - 512

    /// Convenience for `setOption(TeamOptionID(...), to:)`.
    public func setOption(named name: String, port: UInt32? = nil, arrayIndex: UInt32? = nil,
                          to value: TeamOptionValue) throws {
        try setOption(TeamOptionID(name: name, portIndex: port, arrayIndex: arrayIndex), to: value)
    }

    // MARK: Events

    /// The change_event socket's descriptor for poll(); -1 when not listening.
    public var eventDescriptor: Int32 { events?.pollDescriptor ?? -1 }

    /// Reads the queued events without blocking (at most `maxReads` datagrams: a daemon's loop bounds
    /// one turn so that an event storm cannot starve its other descriptors; poll says readable again for
    /// the rest), applies each complete batch to the caches and returns what changed. After ENOBUFS it
    /// discards what is queued, refetches everything and returns `.resynced` in place of the lost events.
    public func drainEvents(maxReads: Int = .max) throws -> [TeamEvent] {
        guard let events else { return [] }
        var result: [TeamEvent] = []
        for _ in 0..<maxReads {
            let received: [NetlinkMessage]
            do {
                received = try events.receive(timeout: .zero)
            } catch let error as NetlinkError where error.code == .overrun {
                pendingBatch = []
                // Stale events queued before the overflow would undo the refetch.
                try events.discardQueued()
                try refresh()
                result.append(.resynced)
                continue
            }
            if received.isEmpty { return result }
            for message in received {
                if message.header.type == NetlinkMessageType.done {
                    result.append(contentsOf: applyBatch(pendingBatch))
                    pendingBatch = []
                } else if message.header.type == family.id {
                    pendingBatch.append(message)
                    // A message that is not part of a multipart batch stands alone.
                    if !message.header.flags.contains(.multi) {
                        result.append(contentsOf: applyBatch(pendingBatch))
                        pendingBatch = []
                    }
                }
            }
        }
        return result
    }

    private func applyBatch(_ batch: [NetlinkMessage]) -> [TeamEvent] {
        var options: [TeamOption]?
        var ports: [TeamPortStatus]?
        for message in batch {
            // A malformed event is dropped, as libteam skips it; the next refresh heals.
            guard let team = try? TeamMessage.decode(message), team.teamIndex == teamIndex else { continue }
            switch team.command {
            case .getOptions: options = (options ?? []) + (team.options ?? [])
            case .getPorts: ports = (ports ?? []) + (team.ports ?? [])
            default: continue
            }
        }
        var result: [TeamEvent] = []
        if let ports {
            applyPorts(ports)
            result.append(.portsChanged(ports))
        }
        if let options {
            applyOptions(options)
            result.append(.optionsChanged(options))
        }
        return result
    }

    /// libteam's get_port_list_handler: forget last batch's flags and removed ports, then
    /// update or add.
    private func applyPorts(_ items: [TeamPortStatus]) {
        portCache.removeAll { $0.isRemoved }
        for index in portCache.indices { portCache[index].isChanged = false }
        for item in items {
            if let index = portCache.firstIndex(where: { $0.index == item.index }) {
                portCache[index] = item
            } else {
                portCache.append(item)
            }
        }
    }

    /// libteam's get_options_handler: forget last batch's flags, then update, add, or
    /// drop removed instances.
    private func applyOptions(_ items: [TeamOption]) {
        for index in optionCache.indices { optionCache[index].isChanged = false }
        for item in items {
            let existing = optionCache.firstIndex { $0.id == item.id }
            if item.isRemoved {
                if let existing { optionCache.remove(at: existing) }
            } else if let existing {
                optionCache[existing] = item
            } else {
                optionCache.append(item)
            }
        }
    }

    private func decodeOwn(_ messages: [NetlinkMessage]) throws -> [TeamMessage] {
        try messages.filter { $0.header.type == family.id }.map { try TeamMessage.decode($0) }
            .filter { $0.teamIndex == teamIndex }
    }
}
