import Glibc
import SystemSupport

/// One client connected to a `UnixControlServer`.
///
/// It carries a serial number besides the descriptor, because the kernel reuses
/// descriptor numbers: a reply meant for a client that has gone must not reach the
/// next client that happens to get the same number.
public struct ControlConnection: Hashable, Sendable, CustomStringConvertible {
    public let descriptor: Int32
    let serial: UInt64

    public var description: String { "usock connection \(serial) (fd \(descriptor))" }
}

/// What happened on the control socket during one `handleReadable` call.
public enum ControlServerEvent: Hashable, Sendable {
    /// A client connected.
    case accepted(ControlConnection)
    /// A client subscribed to the event stream (`ControlEventStream`); it has its success reply.
    case subscribed(ControlConnection)
    /// A well-formed request; answer it with `send(_:to:)`.
    case request(ControlRequest, from: ControlConnection)
    /// A malformed message; the server has already sent the error reply.
    case rejected(ControlRequestError, from: ControlConnection)
    /// A client went away (or was dropped, see `send`); its descriptor is closed.
    case closed(ControlConnection)
    /// A system call failed; the server keeps serving.
    case failed(ControlSocketError)
}

/// Why the control socket could not be set up or used.
public enum ControlSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path does not fit a UNIX socket address (107 bytes).
    case pathTooLong(String)
    /// Another process is serving at the path; we do not steal its socket.
    case alreadyInUse(String)
    /// Something other than a socket is at the path; we do not remove it.
    case notASocket(String)
    /// The connection is closed or never existed.
    case notConnected(ControlConnection)
    /// An event subscriber whose send buffer was full (it reads too slowly, or not at all) was dropped.
    case subscriberFellBehind(ControlConnection)
    /// A system call failed.
    case system(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .pathTooLong(let path): return "usock: socket path \"\(path)\" is too long"
        case .alreadyInUse(let path): return "usock: another process is already serving at \"\(path)\""
        case .notASocket(let path): return "usock: \"\(path)\" exists and is not a socket"
        case .notConnected(let connection): return "usock: \(connection) is not connected"
        case .subscriberFellBehind(let connection):
            return "usock: \(connection) dropped: an event subscriber \(UnixControlServer.subscriberBufferSize / 1024) KiB behind"
        case .system(let operation, let code): return "usock: \(operation) failed: \(Errno(code).description)"
        }
    }
}

/// teamd's UNIX socket control server (teamd/teamd_usock.c): a SOCK_SEQPACKET socket
/// at `/var/run/teamd/DEV.sock`, one datagram per request and per reply.
///
/// It is built for a single-threaded poll loop: every descriptor is non-blocking,
/// `descriptors` lists what to poll, and `handleReadable` does one round of work on a
/// descriptor that poll reported (readable, hung up or in error). It never traps on
/// what a client sends: a malformed message gets an error reply, a client that hangs
/// up or stops reading its replies is dropped, and the others are served on.
///
///     let server = try UnixControlServer(path: UnixControlServer.socketPath(teamDevice: "team0"))
///     // in the loop, for each descriptor poll() reports:
///     server.serve(readable: fd) { request in daemon.handle(request) }
public final class UnixControlServer {
    /// teamd's run directory, `TEAMD_RUN_DIR`.
    public static let runDirectory = "/var/run/teamd/"

    /// `/var/run/teamd/DEV.sock` (teamd_usock_get_sockpath).
    public static func socketPath(teamDevice: String) -> String {
        runDirectory + teamDevice + ".sock"
    }

    /// `USOCK_MAX_CLIENT_COUNT`, the listen backlog of the C teamd.
    public static let defaultBacklog: Int32 = 10

    /// How many clients are kept at once (as many as the ZeroMQ server keeps). A new client beyond it,
    /// or one that finds teamd out of descriptors, takes the place of another (`evictionCandidate`), so
    /// that idle or stuck clients can neither lock teamdctl out nor leave the listener readable for
    /// ever, and so that what each loop turn costs (poll's descriptor set) stays bounded however many
    /// clients connect and wait.
    public static let defaultMaximumConnections = 128

    /// How many datagrams one `handleReadable` call takes from one connection, so
    /// that a client sending a stream of requests cannot starve the daemon's loop.
    static let datagramsPerCall = 16

    /// The send buffer of an event subscriber's connection: the bounded queue between teamd and a
    /// subscriber (about a thousand events). Full, the subscriber is dropped; teamd never waits.
    public static let subscriberBufferSize = 256 * 1024

    public let path: String
    /// Requests larger than this are refused with an InvalidRequest reply.
    public let maximumRequestSize: Int
    /// The listening socket, or -1 once closed.
    public private(set) var listeningDescriptor: Int32
    private(set) var connections: [Int32: UInt64] = [:]
    /// The connections whose peer is not root (SO_PEERCRED at accept): each request gets
    /// `PermissionDenied` and is not decoded.
    private var refusedPeers: [Int32: PeerAdmission] = [:]
    public let maximumConnections: Int
    /// A descriptor held in reserve: when accept fails with EMFILE or ENFILE, it is closed to
    /// accept and close the waiting client, so that the listener does not stay readable and
    /// the loop spin (the classic fix, as in libev's and nginx's accept loops).
    private var spareDescriptor: Int32 = -1
    private var connectionOrder: [Int32] = []
    /// Requests handed out by `handleReadable` and not answered yet, per connection.
    private var pendingReplies: [Int32: Int] = [:]
    /// Connections whose client has shut down its sending side while requests were
    /// pending: they get their replies, then are closed, and are not polled meanwhile
    /// (poll would report the end of stream again and again).
    private var finishedSending: Set<Int32> = []
    /// The connections subscribed to the event stream (`UnixControlServer+Events.swift`).
    private(set) var subscribers: Set<Int32> = []
    private var nextSerial: UInt64 = 1
    /// The socket file we created, to remove it at close only if it is still ours.
    private var boundFile: (device: UInt64, inode: UInt64)?

    /// Creates the listening socket at `path`.
    ///
    /// - `mode`: the socket file's permissions. Connecting to a UNIX socket needs write
    ///   permission on its file, so 0600 makes the control interface root-only (the
    ///   daemon runs as root). The C teamd sets 0700 the same way: `fchmod` on the
    ///   socket before `bind`, which Linux applies to the new file (minus the umask),
    ///   so there is no moment when the file is open to others.
    /// - A stale socket file (nobody accepting on it) is removed first, as the C teamd
    ///   does; unlike it, a live server's socket or a file that is not a socket makes
    ///   this fail instead of being unlinked.
    /// - The directory must exist (teamd creates `/var/run/teamd` at start).
    /// - `maximumRequestSize` is at most `ControlRequest.maximumEncodedSize`.
    /// - Only root may call teamd's methods: a client whose peer credentials (SO_PEERCRED) are
    ///   not root's gets `PermissionDenied` for every request (the file's mode already keeps
    ///   others out; this holds if the file is made reachable).
    /// - At most `maximumConnections` clients at once; more are accepted and closed.
    public init(path: String, mode: mode_t = 0o600, backlog: Int32 = UnixControlServer.defaultBacklog,
                maximumRequestSize: Int = ControlRequest.maximumEncodedSize,
                maximumConnections: Int = UnixControlServer.defaultMaximumConnections) throws(ControlSocketError)
    {
        self.maximumRequestSize = min(maximumRequestSize, ControlRequest.maximumEncodedSize)
        self.maximumConnections = maximumConnections
        guard let address = UnixSocketAddress(path: path) else { throw .pathTooLong(path) }
        self.path = path
        let descriptor = socket(AF_UNIX, seqpacketType(nonBlocking: true), 0)
        guard descriptor >= 0 else { throw .system(operation: "socket", errno: errno) }
        listeningDescriptor = descriptor
        do throws(ControlSocketError) {
            guard fchmod(descriptor, mode) == 0 else { throw .system(operation: "fchmod", errno: errno) }
            try Self.removeStaleSocket(at: path)
            let bound = address.withSocketAddress { bind(descriptor, $0, $1) }
            guard bound == 0 else {
                let code = errno
                throw code == EADDRINUSE ? .alreadyInUse(path) : .system(operation: "bind \(path)", errno: code)
            }
            var status = stat()
            if lstat(path, &status) == 0 {
                boundFile = (UInt64(status.st_dev), UInt64(status.st_ino))
            }
            guard listen(descriptor, backlog) == 0 else {
                let code = errno
                removeSocketFile()
                throw .system(operation: "listen", errno: code)
            }
        } catch {
            Glibc.close(descriptor)
            listeningDescriptor = -1
            throw error
        }
        spareDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        close()
    }

    /// The descriptors to poll for reading: the listening socket first, then every
    /// connection, the least recently active first. Rebuild the poll set from this after
    /// each `handleReadable`, since connections come and go.
    public var descriptors: [Int32] {
        listeningDescriptor >= 0 ? [listeningDescriptor] + connectionOrder.filter { !finishedSending.contains($0) } : []
    }

    /// The connected clients, the least recently active first (in the order they were accepted
    /// until they send something).
    public var activeConnections: [ControlConnection] {
        connectionOrder.compactMap { descriptor in
            connections[descriptor].map { ControlConnection(descriptor: descriptor, serial: $0) }
        }
    }

    /// Does the work poll() asked for on `descriptor`: accepts new clients on the
    /// listening socket, or reads the datagrams waiting on a connection (a few at a
    /// time) and decodes them. Malformed messages are answered here. A descriptor
    /// that is not ours is ignored.
    public func handleReadable(_ descriptor: Int32) -> [ControlServerEvent] {
        if descriptor == listeningDescriptor, descriptor >= 0 {
            return acceptPending()
        }
        guard let serial = connections[descriptor], !finishedSending.contains(descriptor) else { return [] }
        let connection = ControlConnection(descriptor: descriptor, serial: serial)
        // The order is also the order of activity: the first one is the one to drop for room.
        if connectionOrder.last != descriptor, let index = connectionOrder.firstIndex(of: descriptor) {
            connectionOrder.remove(at: index)
            connectionOrder.append(descriptor)
        }
        var events: [ControlServerEvent] = []
        for _ in 0..<Self.datagramsPerCall {
            let length = nextDatagramLength(descriptor, flags: Int32(MSG_DONTWAIT))
            if length == -Int(EAGAIN) || length == -Int(EWOULDBLOCK) { break }
            if length <= 0 {
                // 0: the client shut down or closed its end (SOCK_SEQPACKET reports end
                // of stream as a zero-length read, as the C teamd treats it).
                if length < 0, length != -Int(ECONNRESET) {
                    events.append(.failed(.system(operation: "recv", errno: Int32(-length))))
                }
                if length == 0, pendingReplies[descriptor, default: 0] > 0 {
                    // Half-closed with requests not yet answered: answer them first.
                    finishedSending.insert(descriptor)
                    break
                }
                drop(connection)
                events.append(.closed(connection))
                break
            }
            let refusal = refusedPeers[descriptor]?.refusal
            if length > maximumRequestSize || refusal != nil {
                // Take the datagram off the queue without keeping its bytes.
                _ = receiveDatagram(descriptor, length: 1, flags: Int32(MSG_DONTWAIT))
                let error = refusal ?? ControlRequestError.tooLarge(size: length, limit: maximumRequestSize)
                events.append(.rejected(error, from: connection))
                if let failure = replyOrDrop(error.reply, to: connection) { events += failure; break }
                continue
            }
            switch receiveDatagram(descriptor, length: length, flags: Int32(MSG_DONTWAIT)) {
            case .failure(let error):
                if error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK { return events }
                events.append(.failed(.system(operation: "recv", errno: error.rawValue)))
                drop(connection)
                events.append(.closed(connection))
                return events
            case .success(let message):
                switch ControlEventStream.subscription(in: message) {
                case .notSubscription:
                    break
                case .subscribe:
                    subscribers.insert(descriptor)
                    // The kernel doubles SO_SNDBUF's value (its bookkeeping shares the buffer).
                    setSendBuffer(of: descriptor, to: Self.subscriberBufferSize / 2)
                    events.append(.subscribed(connection))
                    if let failure = replyOrDrop(.success(""), to: connection) { return events + failure }
                    continue
                case .invalid(let reply):
                    if let failure = replyOrDrop(reply, to: connection) { return events + failure }
                    continue
                }
                do throws(ControlRequestError) {
                    events.append(.request(try ControlRequest(decoding: message), from: connection))
                    pendingReplies[descriptor, default: 0] += 1
                } catch {
                    events.append(.rejected(error, from: connection))
                    if let failure = replyOrDrop(error.reply, to: connection) { return events + failure }
                }
            }
        }
        return events
    }

    /// `handleReadable` plus answering every request with `handler` at once: the whole
    /// job for a daemon whose method calls are synchronous. Returns the events (for the
    /// log), with failures to send as `.failed`/`.closed`.
    @discardableResult
    public func serve(readable descriptor: Int32, handler: (ControlRequest) -> ControlReply) -> [ControlServerEvent] {
        var events: [ControlServerEvent] = []
        for event in handleReadable(descriptor) {
            events.append(event)
            if case .request(let request, let connection) = event {
                if let failure = replyOrDrop(handler(request), to: connection) {
                    events += failure
                } else if connections[connection.descriptor] != connection.serial {
                    // The last reply to a half-closed connection closed it.
                    events.append(.closed(connection))
                }
            }
        }
        return events
    }

    /// Sends a reply as one datagram.
    ///
    /// A reply too large for the socket's send buffer gets a larger buffer first
    /// (the C teamd fails there, so a big state dump never arrives). A client that
    /// has gone, or whose receive queue is full because it does not read its
    /// replies, is disconnected, and the error says so. A connection whose client
    /// has shut down its sending side is closed after the last reply it waits for.
    public func send(_ reply: ControlReply, to connection: ControlConnection) throws(ControlSocketError) {
        guard connections[connection.descriptor] == connection.serial else { throw .notConnected(connection) }
        let bytes = reply.encoded()
        var result = sendDatagram(bytes, on: connection.descriptor)
        if case .failure(Errno(EMSGSIZE)) = result {
            growSendBuffer(of: connection.descriptor, toFit: bytes.count)
            result = sendDatagram(bytes, on: connection.descriptor)
        }
        if case .failure(let error) = result {
            drop(connection)
            throw .system(operation: "send", errno: error.rawValue)
        }
        let pending = pendingReplies[connection.descriptor, default: 0]
        if pending > 0 { pendingReplies[connection.descriptor] = pending - 1 }
        if pending <= 1, finishedSending.contains(connection.descriptor) {
            drop(connection)
        }
    }

    /// Closes every connection and the listening socket, and removes the socket file if
    /// it is still the one this server created.
    public func close() {
        for descriptor in connectionOrder {
            Glibc.close(descriptor)
        }
        connections.removeAll()
        refusedPeers.removeAll()
        connectionOrder.removeAll()
        pendingReplies.removeAll()
        finishedSending.removeAll()
        subscribers.removeAll()
        if listeningDescriptor >= 0 {
            Glibc.close(listeningDescriptor)
            listeningDescriptor = -1
            removeSocketFile()
        }
        if spareDescriptor >= 0 {
            Glibc.close(spareDescriptor)
            spareDescriptor = -1
        }
    }

    // MARK: Internals

    private func acceptPending() -> [ControlServerEvent] {
        var events: [ControlServerEvent] = []
        while true {
            // accept4 is not visible from Swift's Glibc module; the flags follow at once,
            // before the descriptor is used (the daemon is single-threaded, so no exec
            // can happen in between).
            let descriptor = accept(listeningDescriptor, nil, nil)
            if descriptor >= 0 {
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
            }
            if descriptor < 0 {
                let code = errno
                switch code {
                case EINTR, ECONNABORTED: continue
                case EAGAIN, EWOULDBLOCK: return events
                case EMFILE, ENFILE:
                    // Out of descriptors: the client waiting would keep the listener readable
                    // and the loop spinning. The least recently active client makes room; with
                    // none, the spare descriptor does, to take the waiting one off the queue
                    // and close it.
                    events.append(.failed(.system(operation: "accept", errno: code)))
                    if let victim = evictionCandidate {
                        drop(victim)
                        events.append(.closed(victim))
                        continue
                    }
                    guard spareDescriptor >= 0 else { return events }
                    Glibc.close(spareDescriptor)
                    let waiting = accept(listeningDescriptor, nil, nil)
                    if waiting >= 0 { Glibc.close(waiting) }
                    spareDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
                    if waiting < 0 { return events }
                    continue
                default:
                    events.append(.failed(.system(operation: "accept", errno: code)))
                    return events
                }
            }
            if connections.count >= maximumConnections, let victim = evictionCandidate {
                drop(victim)
                events.append(.closed(victim))
            }
            let admission = PeerAdmission.unixPeer(descriptor)
            if admission != .root { refusedPeers[descriptor] = admission }
            let serial = nextSerial
            nextSerial += 1
            connections[descriptor] = serial
            connectionOrder.append(descriptor)
            events.append(.accepted(ControlConnection(descriptor: descriptor, serial: serial)))
        }
    }

    /// The client that makes room for a new one: a peer that is not root (it is refused everything),
    /// else the least recently active client that is not an event subscriber (a subscriber waits
    /// quietly by design), else the least recently active subscriber.
    private var evictionCandidate: ControlConnection? {
        let order = activeConnections
        return order.first { refusedPeers[$0.descriptor] != nil }
            ?? order.first { !subscribers.contains($0.descriptor) }
            ?? order.first
    }

    /// Sends and, on failure, drops the connection; returns the events for a failure.
    private func replyOrDrop(_ reply: ControlReply, to connection: ControlConnection) -> [ControlServerEvent]? {
        do throws(ControlSocketError) {
            try send(reply, to: connection)
            return nil
        } catch {
            if case .notConnected = error { return [.failed(error)] }
            return [.failed(error), .closed(connection)]
        }
    }

    func sendDatagram(_ bytes: [UInt8], on descriptor: Int32) -> Result<Int, Errno> {
        bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                try retryingInterrupts {
                    Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                }
            }
        }
    }

    private func growSendBuffer(of descriptor: Int32, toFit size: Int) {
        // The kernel doubles the value and needs room for its own overhead.
        setSendBuffer(of: descriptor, to: size + 64 * 1024)
    }

    /// SO_SNDBUF; FORCE passes wmem_max and works for root (teamd); the plain option is the fallback.
    private func setSendBuffer(of descriptor: Int32, to size: Int) {
        var value = Int32(clamping: size)
        let length = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(descriptor, SOL_SOCKET, SO_SNDBUFFORCE, &value, length) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &value, length)
        }
    }

    func drop(_ connection: ControlConnection) {
        guard connections[connection.descriptor] == connection.serial else { return }
        connections[connection.descriptor] = nil
        refusedPeers[connection.descriptor] = nil
        connectionOrder.removeAll { $0 == connection.descriptor }
        pendingReplies[connection.descriptor] = nil
        finishedSending.remove(connection.descriptor)
        subscribers.remove(connection.descriptor)
        Glibc.close(connection.descriptor)
    }

    private func removeSocketFile() {
        guard let boundFile else { return }
        self.boundFile = nil
        var status = stat()
        guard lstat(path, &status) == 0, UInt64(status.st_dev) == boundFile.device,
            UInt64(status.st_ino) == boundFile.inode
        else { return }
        unlink(path)
    }

    /// Removes a socket file nobody accepts on (left by a daemon that died).
    private static func removeStaleSocket(at path: String) throws(ControlSocketError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            let code = errno
            if code == ENOENT { return }
            throw .system(operation: "stat \(path)", errno: code)
        }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path) }
        let probe = socket(AF_UNIX, seqpacketType(nonBlocking: true), 0)
        guard probe >= 0 else { throw .system(operation: "socket", errno: errno) }
        let result = connectUnix(probe, to: path)
        Glibc.close(probe)
        switch -result {
        case 0, EAGAIN, EINPROGRESS:
            // Someone accepts there (EAGAIN: its backlog is full, it is alive all the same).
            throw .alreadyInUse(path)
        case ECONNREFUSED, EPROTOTYPE, ENOENT:
            // Nobody listens (or it is a socket of another type): stale.
            if unlink(path) != 0, errno != ENOENT {
                throw .system(operation: "unlink \(path)", errno: errno)
            }
        default:
            throw .system(operation: "connect \(path)", errno: -result)
        }
    }
}
