import CZeroMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What happened on the ZeroMQ socket during one `process` call, for the daemon's log.
public enum ZeroMQServerEvent: Hashable, Sendable {
    /// A well-formed request, answered with the handler's reply.
    case request(ControlRequest)
    /// A malformed message, answered with an error reply.
    case rejected(ControlRequestError)
    /// A libzmq call failed; the server keeps serving.
    case failed(ZeroMQServerError)
}

/// Why the ZeroMQ control server could not be set up or used.
public enum ZeroMQServerError: Error, Hashable, Sendable, CustomStringConvertible {
    case system(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .system(let operation, let code): return "zmq: \(operation) failed: \(errnoDescription(code))"
        }
    }
}

/// teamd's ZeroMQ control server (teamd/teamd_zmq.c): a REP socket bound to an address
/// such as `tcp://127.0.0.1:5555` or `ipc:///run/teamd/team0.zmq`; one message per
/// request and per reply, framed as on the UNIX socket but with the arguments not
/// escaped.
///
/// Unlike the C teamd, every message gets a reply: a REP socket that leaves a request
/// unanswered (the C teamd does for an unknown method) cannot receive again.
///
/// For a single-threaded poll loop: poll `descriptor` (libzmq's ZMQ_FD) for reading and
/// call `process(handler:)` when it is readable or `timeoutMilliseconds()` says so.
/// libzmq itself runs an I/O thread and a reaper thread inside its context; none of
/// our code runs there.
public final class ZeroMQControlServer {
    public let address: String
    /// The largest request accepted; libzmq disconnects a peer that sends more.
    public let maximumRequestSize: Int
    private var context: UnsafeMutableRawPointer?
    private var socket: UnsafeMutableRawPointer?
    /// The `ipc://` socket file we created, to remove it at close if it is still ours
    /// (libzmq 4.3 leaves it behind).
    private var boundFile: (path: String, device: UInt64, inode: UInt64)?

    /// How many requests one `process` call answers before it returns to the loop.
    public static let requestsPerProcess = 32

    /// Binds a REP socket to `address`.
    ///
    /// An `ipc://` socket file is created root-only (umask 077 around the bind), like the
    /// UNIX socket: whoever can connect can reconfigure the team. A `tcp://` address is
    /// open to every local user who can reach it, as with the C teamd.
    public init(address: String, maximumRequestSize: Int = ControlRequest.maximumEncodedSize)
        throws(ZeroMQServerError)
    {
        self.address = address
        self.maximumRequestSize = min(maximumRequestSize, ControlRequest.maximumEncodedSize)
        guard let context = zmq_ctx_new() else { throw .system(operation: "zmq_ctx_new", errno: ZeroMQ.lastError) }
        self.context = context
        guard let socket = zmq_socket(context, ZMQ_REP) else {
            let code = ZeroMQ.lastError
            close()
            throw .system(operation: "zmq_socket", errno: code)
        }
        self.socket = socket
        // Closing must not wait for replies nobody collects; a peer that sends more than
        // a request can be is disconnected by libzmq before anything is buffered.
        _ = ZeroMQ.setOption(socket, ZMQ_LINGER, Int32(0))
        _ = ZeroMQ.setOption(socket, ZMQ_MAXMSGSIZE, Int64(self.maximumRequestSize))
        let isIPC = address.hasPrefix("ipc://")
        let savedMask = isIPC ? umask(0o077) : 0
        let bound = zmq_bind(socket, address)
        let code = ZeroMQ.lastError
        if isIPC { umask(savedMask) }
        guard bound == 0 else {
            close()
            throw .system(operation: "zmq_bind \(address)", errno: code)
        }
        if isIPC {
            let path = String(address.dropFirst("ipc://".count))
            var status = stat()
            if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK {
                boundFile = (path, UInt64(status.st_dev), UInt64(status.st_ino))
            }
        }
    }

    deinit {
        close()
    }

    /// libzmq's notification descriptor (ZMQ_FD): readable when the socket's state may
    /// have changed, not necessarily when a message is there. `nil` once closed.
    public var descriptor: Int32? {
        guard let socket else { return nil }
        return ZeroMQ.intOption(socket, ZMQ_FD)
    }

    /// 0 while a request is already waiting (ZMQ_FD is edge-triggered: it will not
    /// signal again for it), `nil` otherwise.
    public func timeoutMilliseconds() -> Int64? {
        hasPendingRequest ? 0 : nil
    }

    private var hasPendingRequest: Bool {
        guard let socket, let events = ZeroMQ.intOption(socket, ZMQ_EVENTS) else { return false }
        return events & Int32(ZMQ_POLLIN) != 0
    }

    /// Receives and answers the waiting requests, each with `handler`. Returns what
    /// happened, for the log.
    @discardableResult
    public func process(handler: (ControlRequest) -> ControlReply) -> [ZeroMQServerEvent] {
        var events: [ZeroMQServerEvent] = []
        for _ in 0..<Self.requestsPerProcess {
            guard let socket, hasPendingRequest else { break }
            guard let message = ZeroMQ.receive(socket, flags: ZMQ_DONTWAIT) else {
                let code = ZeroMQ.lastError
                if code != EAGAIN { events.append(.failed(.system(operation: "zmq_msg_recv", errno: code))) }
                break
            }
            let reply: ControlReply
            do throws(ControlRequestError) {
                let request = try ControlRequest(decodingZeroMQ: message)
                events.append(.request(request))
                reply = handler(request)
            } catch {
                events.append(.rejected(error))
                reply = error.reply
            }
            // A REP socket must answer before it can receive again. A send cannot block
            // here: each peer has at most one request outstanding.
            if !ZeroMQ.send(socket, reply.encoded(), flags: ZMQ_DONTWAIT) {
                events.append(.failed(.system(operation: "zmq_send", errno: ZeroMQ.lastError)))
            }
        }
        return events
    }

    /// Closes the socket and the context (which stops libzmq's threads).
    public func close() {
        if let socket {
            zmq_close(socket)
            self.socket = nil
        }
        if let context {
            zmq_ctx_term(context)
            self.context = nil
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
