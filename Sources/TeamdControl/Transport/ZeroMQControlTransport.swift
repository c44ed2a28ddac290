import Glibc
import SystemSupport
import ZMTP

/// The ZeroMQ transport (libteamdctl/cli_zmq.c): a REQ socket to teamd's address, one
/// message per request (the UNIX socket's lines, arguments not escaped) and a wait of at
/// most `timeout` for each reply. ZMTP 3 is spoken directly (`ZMTPConnection`), no libzmq.
///
/// As with libzmq, a bad address fails at once, and a teamd that is not there (or goes
/// away) shows as a timeout: the connection is tried again every 100 ms until the call's
/// time is up.
public final class ZeroMQControlTransport: TeamdControlTransport {
    public let name = "zmq"
    public let address: String
    public let timeout: Duration
    private let socketAddress: ZeroMQSocket.Address
    private var descriptor: Int32 = -1
    private var connection: ZMTPConnection?
    private var closed = false

    /// libzmq's reconnect interval (ZMQ_RECONNECT_IVL).
    static let reconnectInterval: Duration = .milliseconds(100)
    /// The largest reply taken; a state dump is far below it.
    static let maximumReplySize = 64 << 20

    /// Checks `address`; the connection is made by the first call.
    public init(address: String, timeout: Duration = UnixControlTransport.defaultTimeout)
        throws(TeamdControlError)
    {
        self.address = address
        self.timeout = timeout
        guard !address.isEmpty else { throw .zeroMQFailed(operation: "zmq: no address given", errno: EINVAL) }
        let operation = "zmq_connect \(address)"
        let endpoint: ZeroMQEndpoint
        do throws(ZeroMQEndpointError) {
            endpoint = try ZeroMQEndpoint(parsing: address, forBinding: false)
        } catch {
            throw .zeroMQFailed(operation: operation, errno: error.errno)
        }
        switch ZeroMQSocket.address(endpoint) {
        case .success(let value): socketAddress = value
        case .failure(let error): throw .zeroMQFailed(operation: operation, errno: error.rawValue)
        }
    }

    deinit {
        close()
    }

    /// Closes the connection; later calls fail with `connectionClosed`.
    public func close() {
        disconnect()
        closed = true
    }

    private func disconnect() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        connection = nil
    }

    public func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        guard !closed else { throw .connectionClosed }
        let message: [UInt8]
        do throws(ControlRequestError) {
            message = try request.encodedForZeroMQ()
        } catch {
            throw .invalidArgument("\(error)")
        }
        let deadline = ContinuousClock().now.advanced(by: timeout)
        guard let body = exchange([[], message], deadline: deadline) else {
            // As a REQ socket that got no reply: stuck in its cycle, so closed; later calls fail.
            close()
            throw .timedOut
        }
        let reply: ControlReply
        do throws(ControlReplyError) {
            reply = try ControlReply(decoding: body)
        } catch {
            throw .malformedReply(error)
        }
        switch reply {
        case .success(let payload): return payload
        case .failure(let error): throw .errorReply(error)
        }
    }

    /// Sends `parts` and waits for the reply's body; `nil` when none came by `deadline`.
    private func exchange(_ parts: [[UInt8]], deadline: ContinuousClock.Instant) -> [UInt8]? {
        let clock = ContinuousClock()
        guard connect(deadline: deadline), var connection else { return nil }
        connection.send(message: parts)
        defer { if descriptor >= 0 { self.connection = connection } }
        while clock.now < deadline {
            while !connection.pendingOutput.isEmpty {
                switch ZeroMQSocket.write(descriptor, connection.pendingOutput) {
                case .success(let count) where count > 0:
                    connection.didSend(count)
                    continue
                case .success:
                    break
                case .failure:
                    // The peer went away: the request is lost, as with libzmq, and only the
                    // timeout is left to report.
                    disconnect()
                    return nil
                }
                break
            }
            do throws(ZMTPError) {
                while let reply = try connection.nextMessage() {
                    // REQ (23/ZMTP): the reply starts with the empty delimiter; anything else
                    // is dropped and the wait goes on.
                    if reply.count >= 2, reply[0].isEmpty { return Array(reply[1...].joined()) }
                }
            } catch {
                disconnect()
                return nil
            }
            let events = connection.pendingOutput.isEmpty ? Int16(POLLIN) : Int16(POLLIN | POLLOUT)
            guard ZeroMQSocket.wait(descriptor, for: events, until: deadline) else { break }
            switch ZeroMQSocket.read(descriptor, limit: 65536) {
            case .success(let bytes) where bytes.isEmpty:
                disconnect()
                return nil
            case .success(let bytes):
                connection.receive(bytes)
            case .failure(let error) where error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK:
                continue
            case .failure:
                disconnect()
                return nil
            }
        }
        return nil
    }

    /// Connects if not connected, trying again every 100 ms until `deadline`.
    private func connect(deadline: ContinuousClock.Instant) -> Bool {
        if descriptor >= 0 { return true }
        let clock = ContinuousClock()
        while true {
            let attemptStart = clock.now
            if case .success(let connected) = ZeroMQSocket.connect(socketAddress, deadline: deadline) {
                descriptor = connected
                connection = ZMTPConnection(socketType: .req, maximumMessageSize: Self.maximumReplySize)
                return true
            }
            let next = attemptStart.advanced(by: Self.reconnectInterval)
            guard next < deadline else { return false }
            let pause = clock.now.duration(to: next).pollMilliseconds
            if pause > 0 { _ = poll(nil, 0, pause) }
        }
    }
}
