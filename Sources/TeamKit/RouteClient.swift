import NetlinkCodec
import TeamWire
import Packets

/// rtnetlink for links: create and delete teams, enslave and release ports, MAC,
/// up/down, carrier, lookups and dumps.
///
/// Remembers each port's MAC as it was before the first `setMaster`, and `release`
/// puts it back: the kernel restores the MAC it saw at enslave time, which is not the
/// original when someone changed the port's MAC in between (teamd's hwaddr policies).
public final class RouteClient {
    private let connection: NetlinkConnection
    private var originalAddresses: [UInt32: EthernetAddress] = [:]

    public init(transport: any NetlinkTransport) {
        connection = NetlinkConnection(transport: transport)
    }

    /// Opens a NETLINK_ROUTE socket.
    public convenience init() throws {
        self.init(transport: try NetlinkSocket(protocol: .route))
    }

    /// RTM_NEWLINK kind "team" with NLM_F_CREATE|NLM_F_EXCL; EEXIST when the name is taken.
    /// Without an address the kernel picks a random one.
    @discardableResult
    public func createTeam(name: String, address: EthernetAddress? = nil) throws -> Link {
        let request = try LinkMessage.create(name: name, kind: TeamFamily.name, address: address)
            .message(type: RouteMessageType.newLink, flags: [.create, .excl])
        try connection.request(request, operation: "create team \(name)")
        guard let link = try link(named: name) else {
            throw NetlinkError(.kernel(errno: 19), operation: "create team \(name)")
        }
        return link
    }

    /// RTM_NEWLINK kind "bond" with its parameters, NLM_F_CREATE|NLM_F_EXCL; EOPNOTSUPP when the bonding
    /// module cannot be loaded.
    @discardableResult
    public func createBond(name: String, address: EthernetAddress? = nil, parameters: BondParameters) throws -> Link {
        let request = try LinkMessage.createBond(name: name, address: address, parameters: parameters)
            .message(type: RouteMessageType.newLink, flags: [.create, .excl])
        try connection.request(request, operation: "create bond \(name)")
        guard let link = try link(named: name) else {
            throw NetlinkError(.kernel(errno: 19), operation: "create bond \(name)")
        }
        return link
    }

    /// A bond's changelink (RTM_NEWLINK on the existing device): IFLA_BOND_ACTIVE_SLAVE and the like.
    public func changeBond(index: UInt32, parameters: BondParameters) throws {
        let request = try LinkMessage.changeBond(index: index, parameters: parameters)
            .message(type: RouteMessageType.newLink, flags: [])
        try connection.request(request, operation: "change bond \(index)")
    }

    /// A bond port's slave_changelink: IFLA_BOND_SLAVE_QUEUE_ID, IFLA_BOND_SLAVE_PRIO.
    public func changeBondSlave(index: UInt32, queueID: UInt16? = nil, priority: Int32? = nil) throws {
        let request = try LinkMessage.changeBondSlave(index: index, queueID: queueID, priority: priority)
            .message(type: RouteMessageType.newLink, flags: [])
        try connection.request(request, operation: "change bond port \(index)")
    }

    /// RTM_DELLINK
    public func deleteLink(index: UInt32) throws {
        let request = try LinkMessage.delete(index: index).message(type: RouteMessageType.deleteLink, flags: [])
        try connection.request(request, operation: "delete link \(index)")
        originalAddresses[index] = nil
    }

    /// RTM_GETLINK by name; nil when there is no such link (ENODEV).
    public func link(named name: String) throws -> Link? {
        try getLink(LinkMessage.get(name: name), operation: "get link \(name)")
    }

    /// RTM_GETLINK by index; nil when there is no such link (ENODEV).
    public func link(index: UInt32) throws -> Link? {
        try getLink(LinkMessage.get(index: index), operation: "get link \(index)")
    }

    private func getLink(_ request: LinkMessage, operation: String) throws -> Link? {
        do {
            let answer = try connection.request(request.message(type: RouteMessageType.getLink, flags: []),
                                                operation: operation)
            return try answer.first { $0.header.type == RouteMessageType.newLink }.map { try LinkMessage.decode($0).link }
        } catch let error as NetlinkError where error.code == .kernel(errno: 19) {
            return nil
        }
    }

    /// RTM_GETLINK with NLM_F_DUMP: every link in the namespace.
    public func dumpLinks() throws -> [Link] {
        let request = try LinkMessage(info: InterfaceInfo()).message(type: RouteMessageType.getLink, flags: [])
        let answer = try connection.request(request, dump: true, operation: "dump links")
        return try answer.filter { $0.header.type == RouteMessageType.newLink }.map { try LinkMessage.decode($0).link }
    }

    /// Enslaves `port` to `master` (IFLA_MASTER), first remembering the port's MAC.
    /// The team driver refuses a port that is up (EBUSY): set it down first.
    public func setMaster(port: UInt32, master: UInt32) throws {
        if originalAddresses[port] == nil, let link = try link(index: port), let address = link.address {
            originalAddresses[port] = address
        }
        try change(LinkMessage.change(index: port, master: master), operation: "enslave \(port) to \(master)")
    }

    /// Releases `port` from its master (IFLA_MASTER 0), then restores the MAC it had
    /// before `setMaster` if it differs now.
    public func release(port: UInt32) throws {
        try change(LinkMessage.change(index: port, master: 0), operation: "release \(port)")
        if let original = originalAddresses.removeValue(forKey: port),
           let link = try link(index: port), link.address != original {
            try setAddress(original, index: port)
        }
    }

    /// The MAC `port` had before its first `setMaster`, if this client enslaved it.
    public func originalAddress(port: UInt32) -> EthernetAddress? { originalAddresses[port] }

    /// IFLA_ADDRESS
    public func setAddress(_ address: EthernetAddress, index: UInt32) throws {
        try change(LinkMessage.change(index: index, address: address), operation: "set address of \(index) to \(address)")
    }

    /// IFF_UP through ifi_flags/ifi_change.
    public func setUp(_ up: Bool, index: UInt32) throws {
        try change(LinkMessage.change(index: index, up: up), operation: "set \(index) \(up ? "up" : "down")")
    }

    /// IFLA_CARRIER; the team driver supports it (ndo_change_carrier), veth does not.
    public func setCarrier(_ carrier: Bool, index: UInt32) throws {
        try change(LinkMessage.change(index: index, carrier: carrier),
                   operation: "set carrier of \(index) \(carrier ? "on" : "off")")
    }

    private func change(_ message: LinkMessage, operation: String) throws {
        try connection.request(message.message(type: RouteMessageType.setLink, flags: []), operation: operation)
    }
}

/// What the RTNLGRP_LINK socket delivered.
public enum LinkEvent: Hashable, Sendable {
    /// RTM_NEWLINK: a link appeared or changed (flags, carrier, master, MAC, name...).
    case changed(Link)
    /// RTM_DELLINK: a link went away; also sent when a port leaves a bridge, so check.
    case removed(Link)
    /// ENOBUFS: the kernel dropped link events; refetch with `RouteClient.dumpLinks()`.
    case overrun
}

/// A socket joined to RTNLGRP_LINK.
public final class LinkEventSocket {
    private let transport: any NetlinkTransport

    public init(transport: any NetlinkTransport) throws {
        self.transport = transport
        try transport.joinGroup(RouteGroup.link)
    }

    public convenience init() throws {
        try self.init(transport: try NetlinkSocket(protocol: .route))
    }

    /// For poll().
    public var pollDescriptor: Int32 { transport.pollDescriptor }

    /// The queued link events, without blocking: at most `maxReads` datagrams (see
    /// `TeamDevice.drainEvents`), by default all. After ENOBUFS the rest of the queue is read and
    /// discarded unseen and `.overrun` ends the list: those events are older than the refetch the caller
    /// makes next, and applied after it they would undo what it found (a team MAC changed twice, its
    /// second event lost: the first one would win).
    public func drainEvents(maxReads: Int = .max) throws -> [LinkEvent] {
        var result: [LinkEvent] = []
        for _ in 0..<maxReads {
            let received: [NetlinkMessage]
            do {
                received = try transport.receive(timeout: .zero)
            } catch let error as NetlinkError where error.code == .overrun {
                try transport.discardQueued()
                result.append(.overrun)
                return result
            }
            if received.isEmpty { return result }
            for message in received {
                switch message.header.type {
                case RouteMessageType.newLink:
                    if let link = try? LinkMessage.decode(message).link { result.append(.changed(link)) }
                case RouteMessageType.deleteLink:
                    if let link = try? LinkMessage.decode(message).link { result.append(.removed(link)) }
                default:
                    continue
                }
            }
        }
        return result
    }
}
