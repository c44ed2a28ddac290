import Glibc
import Packets

/// How a daemon reaches the kernel: four netlink transports (requests and events, for rtnetlink and the
/// team family) and, for runners and watchers that talk on the wire, a frame port per team port. The
/// executable supplies `KernelAccess.system` (real sockets); tests give the daemon a fake kernel behind
/// the same seam, so the daemon's logic opens no socket of its own.
public struct KernelAccess {
    public var makeRoute: () throws -> any NetlinkTransport
    public var makeRouteEvents: () throws -> any NetlinkTransport
    public var makeGeneric: () throws -> any NetlinkTransport
    public var makeGenericEvents: () throws -> any NetlinkTransport
    /// A port for LACPDUs on the interface with this ifindex: slow-protocols frames only, the
    /// Slow_Protocols_Multicast address joined.
    public var makeLACPPort: (_ interfaceIndex: UInt32) throws -> any FramePort
    /// A port for a link watcher's frames (ARP replies, NAs) on the interface with this ifindex: every
    /// frame of the interface that passes the filter, seen before the team driver takes it.
    public var makeWatcherPort: (_ interfaceIndex: UInt32, _ filter: BPFProgram) throws -> any FramePort
    /// Loads a kernel module (`modprobe NAME`); true when it is loaded afterwards.
    public var loadModule: (_ name: String) -> Bool = KernelAccess.modprobe

    public init(makeRoute: @escaping () throws -> any NetlinkTransport,
                makeRouteEvents: @escaping () throws -> any NetlinkTransport,
                makeGeneric: @escaping () throws -> any NetlinkTransport,
                makeGenericEvents: @escaping () throws -> any NetlinkTransport,
                makeLACPPort: @escaping (_ interfaceIndex: UInt32) throws -> any FramePort = KernelAccess.lacpSocket,
                makeWatcherPort: @escaping (_ interfaceIndex: UInt32, _ filter: BPFProgram) throws -> any FramePort
                    = KernelAccess.watcherSocket) {
        self.makeRoute = makeRoute
        self.makeRouteEvents = makeRouteEvents
        self.makeGeneric = makeGeneric
        self.makeGenericEvents = makeGenericEvents
        self.makeLACPPort = makeLACPPort
        self.makeWatcherPort = makeWatcherPort
    }

    /// The real watcher port: an AF_PACKET socket on ETH_P_ALL with the watcher's filter, as the C teamd's
    /// arp_ping and nsna_ping open (ETH_P_ALL sees a port's frames before the team driver hands them to
    /// the team device; a socket bound to one EtherType on the port would miss those of an enabled port).
    public static func watcherSocket(_ interfaceIndex: UInt32, _ filter: BPFProgram) throws -> any FramePort {
        try PacketSocket(interfaceIndex: interfaceIndex, etherType: EtherType.all, filter: filter)
    }

    /// The real LACP port: an AF_PACKET socket on ETH_P_SLOW with the LACPDU filter, joined to
    /// 01:80:c2:00:00:02.
    public static func lacpSocket(_ interfaceIndex: UInt32) throws -> any FramePort {
        try PacketSocket(interfaceIndex: interfaceIndex, etherType: EtherType.slowProtocols, filter: .lacpdus,
                         multicast: .slowProtocolsMulticast)
    }

    /// The real module loader: `modprobe -q NAME` (from /sbin or /usr/sbin), its exit status.
    public static func modprobe(_ name: String) -> Bool {
        for path in ["/sbin/modprobe", "/usr/sbin/modprobe"] where access(path, X_OK) == 0 {
            var pid: pid_t = 0
            let argv = [path, "-q", name]
            var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            defer { for arg in cArgs { free(arg) } }
            guard posix_spawn(&pid, path, nil, nil, &cArgs, environ) == 0 else { return false }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status == 0
        }
        return false
    }

    /// The real kernel: netlink sockets and packet sockets.
    public static var system: KernelAccess { system(eventBufferSize: nil) }

    /// The real kernel, its two event sockets (rtnetlink's link group, the team family's change events)
    /// with a receive buffer of `eventBufferSize` bytes (`TEAM_EVENT_BUFSIZE`, see `EventBufferSize`);
    /// nil keeps `NetlinkSocket.defaultReceiveBufferSize`.
    public static func system(eventBufferSize: Int32?) -> KernelAccess {
        let events = eventBufferSize ?? NetlinkSocket.defaultReceiveBufferSize
        return KernelAccess(
            makeRoute: { try NetlinkSocket(protocol: .route) },
            makeRouteEvents: { try NetlinkSocket(protocol: .route, receiveBufferSize: events) },
            makeGeneric: { try NetlinkSocket(protocol: .generic) },
            makeGenericEvents: { try NetlinkSocket(protocol: .generic, receiveBufferSize: events) })
    }
}
