import NetlinkCodec

/// Netlink protocol numbers (the third argument of socket(AF_NETLINK, ...)).
public enum NetlinkProtocol: Int32, Sendable {
    /// NETLINK_ROUTE: rtnetlink
    case route = 0
    /// NETLINK_GENERIC: generic netlink, which carries the team family
    case generic = 16
}

/// The one seam between TeamKit and the kernel: send messages, receive messages.
///
/// `NetlinkSocket` implements it over AF_NETLINK; Tests/TeamTesting's FakeKernel
/// implements it in memory, so that everything above runs in unit tests without root.
/// The seam deliberately knows nothing about families, sequence numbers or acks.
public protocol NetlinkTransport: AnyObject {
    /// Sends one message as one datagram.
    func send(_ message: NetlinkMessage) throws
    /// The messages of the next datagram. `timeout` nil waits as long as it takes, `.zero`
    /// does not wait; returns `[]` when nothing arrived in time. Throws
    /// `NetlinkError(.overrun)` when the kernel dropped messages for this socket (ENOBUFS):
    /// the owner must refetch its state.
    func receive(timeout: Duration?) throws -> [NetlinkMessage]
    /// NETLINK_ADD_MEMBERSHIP
    func joinGroup(_ group: UInt32) throws
    /// A descriptor that poll() reports readable when `receive` has something; -1 if none.
    var pollDescriptor: Int32 { get }
    /// The port id the kernel gave this socket.
    var portID: UInt32 { get }
}

extension NetlinkTransport {
    /// Reads and drops every queued datagram, through further overruns, until none is left: after ENOBUFS
    /// what is still queued is older than the refetch that follows, and applied after it would undo it.
    func discardQueued() throws {
        while true {
            do {
                if try receive(timeout: .zero).isEmpty { return }
            } catch let error as NetlinkError where error.code == .overrun {
                continue
            }
        }
    }
}
