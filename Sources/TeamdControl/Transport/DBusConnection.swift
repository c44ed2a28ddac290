import Glibc
import SystemSupport
import DBusWire

/// A client connection to a message bus over a UNIX stream socket: connect, EXTERNAL
/// authentication, `Hello`, then messages in both directions. The socket is non-blocking;
/// the blocking operations (`open`, `call`) wait with poll(2) until a deadline, and the
/// daemon drives the rest from its poll loop (`receiveAvailable`, `nextMessage`, `flush`).
final class DBusConnection {
    /// What `nextMessage` found in the input.
    enum Received: Hashable {
        case message(DBusMessage)
        /// A message whose body `readsBody` declined: its header and the first (up to 8)
        /// bytes of its body; the rest streamed past unkept.
        case skipped(DBusMessageHeader, bodyPrefix: [UInt8])
        /// A message whose framing is sound but whose content is not valid; skipped.
        case malformed(DBusWireError)
    }

    static let busDriverName = "org.freedesktop.DBus"
    static let busDriverPath = "/org/freedesktop/DBus"
    static let accessDeniedError = "org.freedesktop.DBus.Error.AccessDenied"
    /// How much unsent output we keep before refusing more (sd-bus also caps its queue).
    static let maximumOutput = 16 << 20
    /// The longest header (fixed part and fields) read; a message with a longer one is
    /// skipped as malformed without being kept. The bus's headers are a few hundred bytes.
    static let maximumHeaderLength = 64 * 1024

    /// Decides from a message's header whether its body is read and decoded (`true`), or
    /// dropped as its bytes arrive (`false`: the message comes out as `.skipped`), so that
    /// what the owner does not want (a 32 MiB signal) costs neither memory nor decoding.
    var readsBody: (DBusMessageHeader) -> Bool = { _ in true }

    /// The socket; -1 once closed.
    private(set) var descriptor: Int32
    /// Our unique name on the bus (`:1.42`), from `Hello`.
    private(set) var uniqueName: String?
    /// The bus closed its end; what was read before is still there to take.
    private(set) var atEnd = false
    private var input: [UInt8] = []
    private var inputStart = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    /// Messages read while `call` waited for its reply, in arrival order.
    private var pending: [Received] = []
    /// Bytes of a skipped message still to drop as they arrive.
    private var skipRemaining = 0
    private var lastSerial: UInt32 = 0

    /// Takes over a connected stream socket (made non-blocking here).
    init(descriptor: Int32) {
        self.descriptor = descriptor
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    deinit {
        close()
    }

    func close() {
        if descriptor >= 0 {
            closeDescriptor(descriptor)
            descriptor = -1
        }
    }

    // MARK: Opening

    /// Connects to the bus at `address` (default: `DBUS_SYSTEM_BUS_ADDRESS`, else the
    /// standard system bus socket), trying the entries of an address list in order,
    /// authenticates and says `Hello`, all before `timeout` is over.
    static func open(address: String?, timeout: Duration) throws(DBusConnectionError) -> DBusConnection {
        let deadline = MonotonicDeadline(after: timeout)
        let text = address ?? getenv(DBusAddress.systemBusVariable).map { String(cString: $0) }
            ?? DBusAddress.defaultSystemBus
        let entries: [DBusAddress]
        do {
            entries = try DBusAddress.parse(text)
        } catch {
            throw .invalidAddress(text)
        }
        var failure = DBusConnectionError.invalidAddress(text)
        for entry in entries {
            switch connectSocket(to: entry, deadline: deadline) {
            case .success(let descriptor):
                let connection = DBusConnection(descriptor: descriptor)
                try connection.authenticate(deadline: deadline)
                try connection.hello(deadline: deadline)
                return connection
            case .failure(let error):
                failure = error
            }
        }
        throw failure
    }

    private static func connectSocket(to address: DBusAddress, deadline: MonotonicDeadline)
        -> Result<Int32, DBusConnectionError>
    {
        let socketAddress: UnixSocketAddress?
        switch address {
        case .unixPath(let path): socketAddress = UnixSocketAddress(path: path)
        case .unixAbstract(let name): socketAddress = UnixSocketAddress(abstractName: Array(name.utf8))
        case .unsupported(let text):
            return .failure(.invalidAddress(text))
        }
        guard let socketAddress else { return .failure(.system(errno: ENAMETOOLONG)) }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(AF_UNIX, type, 0)
        guard descriptor >= 0 else { return .failure(.system(errno: errno)) }
        while true {
            let result = socketAddress.withSocketAddress { address, length in
                Result { () throws(Errno) in try retryingInterrupts { connect(descriptor, address, length) } }
            }
            switch result {
            case .success, .failure(Errno(EISCONN)): return .success(descriptor)
            // A non-blocking UNIX connect says EAGAIN while the listener's backlog is
            // full: try again until the deadline.
            case .failure(.wouldBlock) where deadline.remainingMilliseconds > 0:
                _ = poll(nil, 0, 10)
                continue
            case .failure(let error):
                closeDescriptor(descriptor)
                return .failure(error == .wouldBlock ? .timedOut : .system(errno: error.rawValue))
            }
        }
    }

    /// "Authentication Protocol": the NUL byte and `AUTH EXTERNAL <uid>`, then `OK` from
    /// the bus; `BEGIN` goes out with the first message.
    func authenticate(deadline: MonotonicDeadline) throws(DBusConnectionError) {
        output += DBusAuthentication.authExternal(uid: geteuid())
        try flush(until: deadline)
        let line = try readLine(until: deadline)
        switch DBusAuthentication.ServerLine(line) {
        case .ok:
            output += DBusAuthentication.begin
        case .rejected, .error:
            throw .authenticationRejected(line)
        default:
            throw .protocolViolation("unexpected authentication reply \"\(line)\"")
        }
    }

    /// `org.freedesktop.DBus.Hello`: the bus's first answer gives our unique name.
    func hello(deadline: MonotonicDeadline) throws(DBusConnectionError) {
        let reply = try call(
            .methodCall(destination: Self.busDriverName, path: Self.busDriverPath, interface: Self.busDriverName,
                        member: "Hello"),
            until: deadline)
        if reply.kind == .error {
            throw .helloRefused(name: reply.errorName ?? "", message: reply.errorMessage)
        }
        guard case .string(let name)? = reply.body.first else {
            throw .protocolViolation("Hello reply without a name")
        }
        uniqueName = name
    }

    private func readLine(until deadline: MonotonicDeadline) throws(DBusConnectionError) -> String {
        while true {
            var index = inputStart
            while index + 1 < input.count {
                if input[index] == UInt8(ascii: "\r"), input[index + 1] == UInt8(ascii: "\n") {
                    let line = String(decoding: input[inputStart..<index], as: UTF8.self)
                    inputStart = index + 2
                    return line
                }
                index += 1
            }
            guard input.count - inputStart <= DBusAuthentication.maximumLineLength else {
                throw .protocolViolation("authentication line too long")
            }
            if atEnd { throw .closed }
            try wait(for: Int16(POLLIN), until: deadline)
            try receiveAvailable()
        }
    }

    // MARK: Sending

    /// Queues `message` with the next serial; returns the serial. Sends nothing yet:
    /// `flush` does.
    @discardableResult
    func send(_ message: DBusMessage) throws(DBusConnectionError) -> UInt32 {
        guard descriptor >= 0 else { throw .system(errno: ENOTCONN) }
        var message = message
        lastSerial = lastSerial == UInt32.max ? 1 : lastSerial + 1
        message.serial = lastSerial
        let bytes: [UInt8]
        do throws(DBusWireError) {
            bytes = try message.encoded()
        } catch {
            throw .unencodable(error)
        }
        guard output.count - outputStart + bytes.count <= Self.maximumOutput else { throw .system(errno: ENOBUFS) }
        output += bytes
        return lastSerial
    }

    /// Whether output is waiting for the socket to take it.
    var hasPendingOutput: Bool { outputStart < output.count }

    /// Writes what the socket takes without blocking.
    func flush() throws(DBusConnectionError) {
        sending: while outputStart < output.count {
            guard descriptor >= 0 else { throw .system(errno: ENOTCONN) }
            let sent = output.withUnsafeBytes { raw in
                Result { () throws(Errno) in
                    try retryingInterrupts {
                        sendBytes(descriptor, raw.baseAddress! + outputStart, raw.count - outputStart, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            switch sent {
            case .success(let count): outputStart += count
            case .failure(.wouldBlock): break sending
            case .failure(let error): throw .system(errno: error.rawValue)
            }
        }
        if outputStart == output.count {
            output.removeAll(keepingCapacity: output.count <= 64 * 1024)
            outputStart = 0
        }
    }

    private func flush(until deadline: MonotonicDeadline) throws(DBusConnectionError) {
        try flush()
        while hasPendingOutput {
            try wait(for: Int16(POLLOUT), until: deadline)
            try flush()
        }
    }

    // MARK: Receiving

    /// Reads what the socket has without blocking (at most 1 MiB, so that a flood
    /// cannot hold the caller); sets `atEnd` when the bus has closed its end.
    func receiveAvailable() throws(DBusConnectionError) {
        guard descriptor >= 0 else { throw .system(errno: ENOTCONN) }
        if inputStart > 0, inputStart >= input.count / 2 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while total < 1 << 20 {
            let result = chunk.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in try retryingInterrupts { recv(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) } }
            }
            let received: Int
            switch result {
            case .success(let count): received = count
            case .failure(.wouldBlock): return
            case .failure(let error): throw .system(errno: error.rawValue)
            }
            if received == 0 {
                atEnd = true
                return
            }
            input.append(contentsOf: chunk[0..<received])
            total += received
        }
    }

    /// The next message read so far (messages `call` set aside first); `nil` when no
    /// whole one is there. Messages of unknown types are skipped, as the specification
    /// asks. Throws when the framing is lost: nothing after that can be read.
    func nextMessage() throws(DBusConnectionError) -> Received? {
        if !pending.isEmpty { return pending.removeFirst() }
        return try nextFromInput()
    }

    private func nextFromInput() throws(DBusConnectionError) -> Received? {
        while true {
            if skipRemaining > 0 {
                skip(skipRemaining)
                if skipRemaining > 0 { return nil }
            }
            let available = input[inputStart...]
            let total: Int
            let header: DBusMessageHeader
            do throws(DBusWireError) {
                guard let length = try DBusMessage.length(ofMessageStartingWith: available) else { return nil }
                total = length
                if let headerLength = try DBusMessageHeader.length(ofHeaderStartingWith: available),
                    headerLength > Self.maximumHeaderLength
                {
                    skip(total)
                    return .malformed(.arrayTooLong(headerLength - DBusMessage.minimumHeaderLength, offset: 12))
                }
            } catch {
                throw .protocolViolation("\(error)")
            }
            do throws(DBusWireError) {
                guard let decoded = try DBusMessageHeader.decode(available) else { return nil }
                header = decoded
            } catch .unknownMessageType {
                skip(total)
                continue
            } catch {
                skip(total)
                return .malformed(error)
            }
            if readsBody(header) {
                guard available.count >= total else { return nil }
                let body = input[(inputStart + header.bodyOffset)..<(inputStart + total)]
                inputStart += total
                do throws(DBusWireError) {
                    return .message(try DBusMessage(header: header, body: body))
                } catch {
                    return .malformed(error)
                }
            }
            let prefixEnd = min(total, header.bodyOffset + 8)
            guard available.count >= prefixEnd else { return nil }
            let prefix = Array(input[(inputStart + header.bodyOffset)..<(inputStart + prefixEnd)])
            skip(total)
            return .skipped(header, bodyPrefix: prefix)
        }
    }

    /// Drops `count` bytes of input: those there now, the rest as they arrive.
    private func skip(_ count: Int) {
        let now = min(count, input.count - inputStart)
        inputStart += now
        skipRemaining = count - now
    }

    /// The bytes the input buffer has room for: what reading holds in memory (tests watch it).
    var inputCapacity: Int { input.capacity }

    /// Whether `nextMessage` has something without reading the socket.
    var hasBufferedMessage: Bool {
        if !pending.isEmpty { return true }
        let available = input[inputStart...]
        if skipRemaining > 0 { return !available.isEmpty }
        guard let total = try? DBusMessage.length(ofMessageStartingWith: available),
            let headerLength = try? DBusMessageHeader.length(ofHeaderStartingWith: available)
        else {
            // Too short for a header (nothing to do), or a broken one (nextMessage
            // reports it).
            return available.count >= DBusMessage.minimumHeaderLength
        }
        if headerLength > Self.maximumHeaderLength { return true }
        guard available.count >= headerLength else { return false }
        guard let header = try? DBusMessageHeader.decode(available) else { return true }
        return available.count >= (readsBody(header) ? total : min(total, header.bodyOffset + 8))
    }

    private func wait(for events: Int16, until deadline: MonotonicDeadline) throws(DBusConnectionError) {
        let ready: Bool
        do throws(Errno) {
            ready = try Poll.wait(descriptor, for: events, until: ContinuousClock.now.advanced(by: deadline.remaining))
        } catch {
            throw .system(errno: error.rawValue)
        }
        if !ready { throw .timedOut }
    }

    // MARK: Calls

    /// Sends `message` and waits until `deadline` for its reply (a method return or an
    /// error, matched by serial). Other messages that arrive meanwhile are kept for
    /// `nextMessage`.
    func call(_ message: DBusMessage, until deadline: MonotonicDeadline) throws(DBusConnectionError) -> DBusMessage {
        let serial = try send(message)
        try flush(until: deadline)
        while true {
            while let received = try nextFromInput() {
                if case .message(let reply) = received, reply.kind == .methodReturn || reply.kind == .error,
                    reply.replySerial == serial
                {
                    return reply
                }
                pending.append(received)
            }
            if atEnd { throw .closed }
            try wait(for: Int16(POLLIN), until: deadline)
            try receiveAvailable()
        }
    }

    func call(_ message: DBusMessage, timeout: Duration) throws(DBusConnectionError) -> DBusMessage {
        try call(message, until: MonotonicDeadline(after: timeout))
    }
}

/// close(2) and send(2) under names that the connection's own `close`/`send` do not hide.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

private func sendBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(descriptor, bytes, count, flags)
}
