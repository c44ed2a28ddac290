import Glibc
import SystemSupport
import ZMTP

/// What happened on the ZeroMQ socket during one `process` call, for the daemon's log.
public enum ZeroMQServerEvent: Hashable, Sendable {
    /// A well-formed request, answered with the handler's reply.
    case request(ControlRequest)
    /// A malformed message, answered with an error reply.
    case rejected(ControlRequestError)
    /// A peer broke the protocol (not ZMTP, a wrong socket type, a message over the size
    /// limit) and was disconnected; the others are served on.
    case disconnected(ZMTPError)
    /// A system call failed; the server keeps serving.
    case failed(ZeroMQServerError)
}

/// Why the ZeroMQ control server could not be set up or used.
public enum ZeroMQServerError: Error, Hashable, Sendable, CustomStringConvertible {
    case system(operation: String, errno: Int32)
    /// A `tcp://` address that is not a loopback one, without `allowRemote`.
    case remoteBindRefused(String)

    public var description: String {
        switch self {
        case .system(let operation, let code): return "zmq: \(operation) failed: \(Errno(code).description)"
        case .remoteBindRefused(let address):
            return "zmq: refusing to bind \(address): not a loopback address, and ZeroMQ's NULL mechanism "
                + "authenticates nobody, so any host could control the team "
                + "(set \(ZeroMQControlServer.allowRemoteVariable)=1 to bind it all the same)"
        }
    }
}

/// teamd's ZeroMQ control server (teamd/teamd_zmq.c): a REP socket bound to an address
/// such as `tcp://127.0.0.1:5555` or `ipc:///run/teamd/team0.zmq`; one message per
/// request and per reply, framed as on the UNIX socket but with the arguments not
/// escaped. ZMTP 3 is spoken here directly (`ZMTPConnection`), with no libzmq.
///
/// Unlike the C teamd, every message gets a reply: a REP socket that leaves a request
/// unanswered (the C teamd does for an unknown method) cannot receive again.
///
/// For a single-threaded poll loop, which it never blocks: poll every one of `descriptors`
/// for `pollEvents(for:)` and call `process(handler:)` when any is ready or
/// `timeoutMilliseconds()` says so. Each connection is answered on its own, in order; a
/// peer that does not read its replies is not read from either until it does.
public final class ZeroMQControlServer {
    public let address: String
    /// The largest request accepted; a peer that announces more is disconnected before
    /// anything is buffered (as libzmq's ZMQ_MAXMSGSIZE did).
    public let maximumRequestSize: Int
    private var listener: Int32 = -1
    /// Whether a non-loopback `tcp://` bind, and peers on other hosts, are allowed.
    public let allowRemote: Bool
    private var listenerFamily: Int32 = AF_UNSPEC
    private var peers: [Int32: Peer] = [:]
    /// Counts activity, to find the least recently active peer when there are too many.
    private var clock: UInt64 = 0
    /// The `ipc://` socket file we created, to remove it at close if it is still ours.
    private var boundFile: (path: String, device: UInt64, inode: UInt64)?

    /// How many requests one `process` call answers before it returns to the loop.
    public static let requestsPerProcess = 32
    /// How many connections are kept; the least recently active one makes room for a new
    /// one, so that idle or stuck peers cannot lock teamdctl out.
    public static let maximumConnections = 128
    /// Bytes read from one peer per `process` call, so that one busy peer cannot starve the
    /// daemon's other work.
    static let readLimitPerProcess = 256 * 1024

    private final class Peer {
        let descriptor: Int32
        var connection: ZMTPConnection
        var lastActive: UInt64
        /// The peer shut its side down; it goes once nothing is left to answer.
        var endOfInput = false
        /// `connection` may hold a whole message not yet taken.
        var mayHaveMessage = false
        /// Whether its requests are served, decided once at accept.
        let admission: PeerAdmission

        init(descriptor: Int32, connection: ZMTPConnection, lastActive: UInt64, admission: PeerAdmission) {
            self.descriptor = descriptor
            self.connection = connection
            self.lastActive = lastActive
            self.admission = admission
        }
    }

    /// The environment variable that lets teamd bind ZeroMQ to an address other hosts can
    /// reach (`1`); `allowRemote`'s default.
    public static let allowRemoteVariable = "TEAMD_ZMQ_ALLOW_REMOTE"

    /// Whether the environment allows a remote bind (`TEAMD_ZMQ_ALLOW_REMOTE=1`).
    public static var remoteAllowedByEnvironment: Bool {
        getenv(allowRemoteVariable).map { String(cString: $0) } == "1"
    }

    /// Binds a REP socket to `address`.
    ///
    /// Only root may call teamd's methods, as on the UNIX socket: an `ipc://` peer's uid comes
    /// from SO_PEERCRED, a `tcp://` peer on this host is found with NETLINK_SOCK_DIAG and its
    /// socket's owner taken; anyone else gets `PermissionDenied` for every request. An `ipc://`
    /// socket file is also created root-only (umask 077 around the bind). A stale socket file
    /// at the path is replaced, as libzmq does.
    ///
    /// A `tcp://` address that is not a loopback one is refused unless `allowRemote`: ZMTP's
    /// NULL mechanism authenticates nobody, so with it any host that can reach the port can
    /// reconfigure the team (the C teamd binds it all the same).
    public init(address: String, maximumRequestSize: Int = ControlRequest.maximumEncodedSize,
                allowRemote: Bool = ZeroMQControlServer.remoteAllowedByEnvironment) throws(ZeroMQServerError)
    {
        self.address = address
        self.allowRemote = allowRemote
        self.maximumRequestSize = min(maximumRequestSize, ControlRequest.maximumEncodedSize)
        let operation = "zmq_bind \(address)"
        let endpoint: ZeroMQEndpoint
        do throws(ZeroMQEndpointError) {
            endpoint = try ZeroMQEndpoint(parsing: address, forBinding: true)
        } catch {
            throw .system(operation: operation, errno: error.errno)
        }
        if case .tcp = endpoint, !allowRemote {
            switch ZeroMQSocket.address(endpoint) {
            case .success(let resolved): guard resolved.isLoopback else { throw .remoteBindRefused(address) }
            case .failure(let error): throw .system(operation: operation, errno: error.rawValue)
            }
        }
        var filePath: String?
        if case .ipc(let path) = endpoint, !path.hasPrefix("@") {
            filePath = path
            var status = stat()
            if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
        }
        let savedMask = filePath != nil ? umask(0o077) : 0
        let result = ZeroMQSocket.listen(endpoint)
        if filePath != nil { umask(savedMask) }
        switch result {
        case .success(let descriptor):
            listener = descriptor
            if case .ipc = endpoint { listenerFamily = AF_UNIX } else { listenerFamily = AF_INET }
        case .failure(let error): throw .system(operation: operation, errno: error.rawValue)
        }
        if let filePath {
            var status = stat()
            if lstat(filePath, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK {
                boundFile = (filePath, UInt64(status.st_dev), UInt64(status.st_ino))
            }
        }
    }

    deinit {
        close()
    }

    /// The listening socket; `nil` once closed. Connections have descriptors of their own:
    /// see `descriptors`.
    public var descriptor: Int32? { listener >= 0 ? listener : nil }

    /// Every descriptor to poll: the listening socket and one per connection.
    public var descriptors: [Int32] {
        guard listener >= 0 else { return [] }
        return [listener] + peers.keys.sorted()
    }

    /// The poll events to wait for on `fd`: POLLOUT while a reply is waiting to go out to that
    /// peer (its input waits until then), else POLLIN.
    public func pollEvents(for fd: Int32) -> Int16 {
        guard let peer = peers[fd] else { return Int16(POLLIN) }
        return peer.connection.pendingOutput.isEmpty ? Int16(POLLIN) : Int16(POLLOUT)
    }

    /// 0 while a request already read waits for its answer (more came than one `process`
    /// call answers), `nil` otherwise.
    public func timeoutMilliseconds() -> Int64? {
        peers.values.contains { $0.mayHaveMessage && $0.connection.pendingOutput.isEmpty } ? 0 : nil
    }

    /// Accepts new connections, reads what peers sent, answers the whole requests with
    /// `handler` and sends what can be sent, all without blocking. Returns what happened, for
    /// the log.
    @discardableResult
    public func process(handler: (ControlRequest) -> ControlReply) -> [ZeroMQServerEvent] {
        guard listener >= 0 else { return [] }
        var events: [ZeroMQServerEvent] = []
        acceptPending(&events)
        var budget = Self.requestsPerProcess
        for descriptor in peers.keys.sorted() {
            guard let peer = peers[descriptor] else { continue }
            serve(peer, budget: &budget, handler: handler, events: &events)
        }
        return events
    }

    private func acceptPending(_ events: inout [ZeroMQServerEvent]) {
        for _ in 0..<16 {
            // accept4 is not in Glibc's Swift overlay: flags set after accept, which is fine
            // for a single-threaded daemon.
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                let code = errno
                switch code {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE:
                    // Out of descriptors: the listener would stay readable and the loop spin;
                    // the least recently active peer makes room.
                    events.append(.failed(.system(operation: "accept", errno: code)))
                    guard evictLeastRecentlyActive() else { return }
                    continue
                default:
                    events.append(.failed(.system(operation: "accept", errno: code)))
                    return
                }
            }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            if peers.count >= Self.maximumConnections { _ = evictLeastRecentlyActive() }
            var one: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            clock += 1
            let admission = listenerFamily == AF_UNIX
                ? PeerAdmission.unixPeer(descriptor) : PeerAdmission.tcpPeer(descriptor, allowRemote: allowRemote)
            let peer = Peer(descriptor: descriptor,
                            connection: ZMTPConnection(socketType: .rep, maximumMessageSize: maximumRequestSize),
                            lastActive: clock, admission: admission)
            peers[descriptor] = peer
        }
    }

    private func evictLeastRecentlyActive() -> Bool {
        guard let oldest = peers.values.min(by: { $0.lastActive < $1.lastActive }) else { return false }
        drop(oldest)
        return true
    }

    private func drop(_ peer: Peer) {
        peers[peer.descriptor] = nil
        Glibc.close(peer.descriptor)
    }

    /// Sends what is pending; `false` if the connection broke (and was dropped).
    private func flush(_ peer: Peer, _ events: inout [ZeroMQServerEvent]) -> Bool {
        while !peer.connection.pendingOutput.isEmpty {
            switch ZeroMQSocket.write(peer.descriptor, peer.connection.pendingOutput) {
            case .success(0): return true
            case .success(let count): peer.connection.didSend(count)
            case .failure(let error):
                if error.rawValue != EPIPE && error.rawValue != ECONNRESET {
                    events.append(.failed(.system(operation: "send", errno: error.rawValue)))
                }
                drop(peer)
                return false
            }
        }
        return true
    }

    private func serve(_ peer: Peer, budget: inout Int, handler: (ControlRequest) -> ControlReply,
                       events: inout [ZeroMQServerEvent])
    {
        guard flush(peer, &events) else { return }
        // A peer that does not take its replies is not read from: what it sends waits in the
        // kernel, not here.
        guard peer.connection.pendingOutput.isEmpty else { return }
        var readBytes = 0
        while !peer.endOfInput, readBytes < Self.readLimitPerProcess,
            peer.connection.bufferedInputCount <= maximumRequestSize + 65536
        {
            switch ZeroMQSocket.read(peer.descriptor, limit: 65536) {
            case .success(let bytes) where bytes.isEmpty:
                peer.endOfInput = true
            case .success(let bytes):
                readBytes += bytes.count
                peer.connection.receive(bytes)
                peer.mayHaveMessage = true
                clock += 1
                peer.lastActive = clock
                continue
            case .failure(let error) where error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK:
                break
            case .failure(let error):
                if error.rawValue != ECONNRESET { events.append(.failed(.system(operation: "recv", errno: error.rawValue))) }
                drop(peer)
                return
            }
            break
        }
        while peer.mayHaveMessage, peer.connection.pendingOutput.isEmpty {
            guard budget > 0 else { break }
            let message: [[UInt8]]
            do throws(ZMTPError) {
                guard let next = try peer.connection.nextMessage() else {
                    peer.mayHaveMessage = false
                    break
                }
                message = next
            } catch {
                events.append(.disconnected(error))
                // The ERROR command, if one is queued, is worth one try.
                _ = ZeroMQSocket.write(peer.descriptor, peer.connection.pendingOutput)
                drop(peer)
                return
            }
            // A PING may have queued a PONG.
            guard flush(peer, &events) else { return }
            budget -= 1
            peer.connection.send(message: reply(to: message, from: peer, handler: handler, events: &events))
            guard flush(peer, &events) else { return }
        }
        // The handshake may have queued our READY.
        guard flush(peer, &events) else { return }
        if peer.endOfInput, !peer.mayHaveMessage, peer.connection.pendingOutput.isEmpty {
            drop(peer)
        }
    }

    /// The REP side of the envelope (23/ZMTP "REP"): the frames up to and including the first
    /// empty one (a REQ peer sends just that delimiter) go back in front of the reply. The
    /// request is the rest, one part from teamdctl; several parts are taken together.
    private func reply(to message: [[UInt8]], from peer: Peer, handler: (ControlRequest) -> ControlReply,
                       events: inout [ZeroMQServerEvent]) -> [[UInt8]]
    {
        let delimiter = message.firstIndex { $0.isEmpty }
        let envelope = delimiter.map { Array(message[...$0]) } ?? []
        if let refusal = peer.admission.refusal {
            events.append(.rejected(refusal))
            return envelope + [refusal.reply.encoded()]
        }
        let body = Array(message[(delimiter.map { $0 + 1 } ?? 0)...].joined())
        let reply: ControlReply
        do throws(ControlRequestError) {
            let request = try ControlRequest(decodingZeroMQ: body)
            events.append(.request(request))
            reply = handler(request)
        } catch {
            events.append(.rejected(error))
            reply = error.reply
        }
        return envelope + [reply.encoded()]
    }

    /// Closes the listening socket and every connection, and removes the `ipc://` socket file.
    public func close() {
        for peer in peers.values { Glibc.close(peer.descriptor) }
        peers = [:]
        if listener >= 0 {
            Glibc.close(listener)
            listener = -1
        }
        if let boundFile {
            self.boundFile = nil
            var status = stat()
            if lstat(boundFile.path, &status) == 0, UInt64(status.st_dev) == boundFile.device,
                UInt64(status.st_ino) == boundFile.inode
            {
                unlink(boundFile.path)
            }
        }
    }
}
