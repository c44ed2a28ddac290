import Glibc
import NetlinkCodec
import TeamKit

/// A `NetlinkTransport` whose other end is a `FakeKernel`. Receiving never blocks: what
/// the kernel queued is returned, else `[]`. Its `pollDescriptor` is a real pipe that is
/// readable exactly while something is queued, so poll()-based loops work unchanged.
public final class FakeTransport: NetlinkTransport {
    public let netlinkProtocol: NetlinkProtocol
    public let portID: UInt32
    public private(set) var groups: Set<UInt32> = []
    /// Datagrams the kernel queued and nobody read yet.
    public private(set) var queue: [[NetlinkMessage]] = []
    /// How many datagrams fit before the "kernel" drops and reports ENOBUFS; nil = no limit.
    public var queueLimit: Int?
    private var overrun = false
    private weak var kernel: FakeKernel?
    private let pipeRead: Int32
    private let pipeWrite: Int32
    private var signalled = false

    init(kernel: FakeKernel, protocol netlinkProtocol: NetlinkProtocol, portID: UInt32) {
        self.kernel = kernel
        self.netlinkProtocol = netlinkProtocol
        self.portID = portID
        var fds: [Int32] = [0, 0]
        if pipe(&fds) == 0 {
            pipeRead = fds[0]
            pipeWrite = fds[1]
            _ = fcntl(pipeRead, F_SETFL, O_NONBLOCK)
            _ = fcntl(pipeWrite, F_SETFL, O_NONBLOCK)
        } else {
            pipeRead = -1
            pipeWrite = -1
        }
    }

    deinit {
        if pipeRead >= 0 { close(pipeRead) }
        if pipeWrite >= 0 { close(pipeWrite) }
    }

    public var pollDescriptor: Int32 { pipeRead }

    public func send(_ message: NetlinkMessage) throws {
        guard let kernel else { throw NetlinkError(.system(errno: EBADF), operation: "fake send") }
        kernel.handle(message, from: self)
    }

    public func receive(timeout: Duration?) throws -> [NetlinkMessage] {
        if overrun {
            overrun = false
            updateSignal()
            throw NetlinkError(.overrun, operation: "fake recv")
        }
        guard !queue.isEmpty else { return [] }
        let datagram = queue.removeFirst()
        updateSignal()
        return datagram
    }

    public func joinGroup(_ group: UInt32) throws {
        groups.insert(group)
    }

    /// Queues a datagram as the kernel would: past `queueLimit` it is dropped and the
    /// next receive fails with ENOBUFS. Tests call it to send what no fake kernel would.
    public func deliver(_ datagram: [NetlinkMessage]) {
        if let queueLimit, queue.count >= queueLimit {
            overrun = true
        } else {
            queue.append(datagram)
        }
        updateSignal()
    }

    /// Drops everything queued and makes the next receive fail with ENOBUFS.
    public func simulateOverrun() {
        queue.removeAll()
        overrun = true
        updateSignal()
    }

    private func updateSignal() {
        let pending = overrun || !queue.isEmpty
        if pending && !signalled {
            var byte: UInt8 = 1
            _ = write(pipeWrite, &byte, 1)
            signalled = true
        } else if !pending && signalled {
            var byte: UInt8 = 0
            _ = read(pipeRead, &byte, 1)
            signalled = false
        }
    }
}
