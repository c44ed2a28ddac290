import CZeroMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The ZeroMQ transport (libteamdctl/cli_zmq.c): a REQ socket connected to teamd's
/// address, one message per request (the UNIX socket's lines, arguments not escaped) and
/// a wait of at most `timeout` for each reply.
public final class ZeroMQControlTransport: TeamdControlTransport {
    public let name = "zmq"
    public let address: String
    public let timeout: Duration
    private var context: UnsafeMutableRawPointer?
    private var socket: UnsafeMutableRawPointer?

    /// Connects to `address`. For `tcp://` nothing is checked yet (libzmq connects in the
    /// background), so a teamd that is not there shows as a timeout on the first call.
    public init(address: String, timeout: Duration = UnixControlTransport.defaultTimeout)
        throws(TeamdControlError)
    {
        self.address = address
        self.timeout = timeout
        guard !address.isEmpty else { throw .zeroMQFailed(operation: "zmq: no address given", errno: EINVAL) }
        guard let context = zmq_ctx_new() else {
            throw .zeroMQFailed(operation: "zmq_ctx_new", errno: ZeroMQ.lastError)
        }
        self.context = context
        guard let socket = zmq_socket(context, ZMQ_REQ) else {
            let code = ZeroMQ.lastError
            close()
            throw .zeroMQFailed(operation: "zmq_socket", errno: code)
        }
        self.socket = socket
        let milliseconds = ZeroMQ.milliseconds(timeout)
        _ = ZeroMQ.setOption(socket, ZMQ_LINGER, Int32(0))
        _ = ZeroMQ.setOption(socket, ZMQ_RCVTIMEO, milliseconds)
        _ = ZeroMQ.setOption(socket, ZMQ_SNDTIMEO, milliseconds)
        guard zmq_connect(socket, address) == 0 else {
            let code = ZeroMQ.lastError
            close()
            throw .zeroMQFailed(operation: "zmq_connect \(address)", errno: code)
        }
    }

    deinit {
        close()
    }

    public func close() {
        if let socket {
            zmq_close(socket)
            self.socket = nil
        }
        if let context {
            zmq_ctx_term(context)
            self.context = nil
        }
    }

    public func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        guard let socket else { throw .connectionClosed }
        let message: [UInt8]
        do throws(ControlRequestError) {
            message = try request.encodedForZeroMQ()
        } catch {
            throw .invalidArgument("\(error)")
        }
        guard ZeroMQ.send(socket, message, flags: 0) else {
            let code = ZeroMQ.lastError
            // A REQ socket that could not send or got no reply is stuck in its
            // request-reply cycle: it is closed, and later calls fail.
            close()
            if code == EAGAIN { throw .timedOut }
            throw .zeroMQFailed(operation: "zmq_send", errno: code)
        }
        guard let bytes = ZeroMQ.receive(socket, flags: 0) else {
            let code = ZeroMQ.lastError
            close()
            if code == EAGAIN { throw .timedOut }
            throw .zeroMQFailed(operation: "zmq_msg_recv", errno: code)
        }
        let reply: ControlReply
        do throws(ControlReplyError) {
            reply = try ControlReply(decoding: bytes)
        } catch {
            throw .malformedReply(error)
        }
        switch reply {
        case .success(let payload): return payload
        case .failure(let error): throw .errorReply(error)
        }
    }
}
