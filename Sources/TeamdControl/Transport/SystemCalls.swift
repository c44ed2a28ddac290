import Glibc
import SystemSupport

/// A SOCK_SEQPACKET socket type with the given extra flags (SOCK_NONBLOCK, SOCK_CLOEXEC).
func seqpacketType(nonBlocking: Bool) -> Int32 {
    var type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
    return type
}

/// `connect(2)` of a socket to a filesystem path; 0 or `-errno`.
func connectUnix(_ descriptor: Int32, to path: String) -> Int32 {
    guard let address = UnixSocketAddress(path: path) else { return -ENAMETOOLONG }
    do throws(Errno) {
        _ = try address.withSocketAddress { socketAddress, length throws(Errno) in
            try retryingInterrupts { connect(descriptor, socketAddress, length) }
        }
        return 0
    } catch Errno(EISCONN) {
        // A connect interrupted by a signal goes on in the background; retrying reports
        // EALREADY/EISCONN, which for a UNIX socket means it completed.
        return 0
    } catch {
        return -error.rawValue
    }
}

/// The length of the next datagram waiting on a SOCK_SEQPACKET socket without taking
/// it (`MSG_PEEK | MSG_TRUNC` returns the real length); 0 means end of stream; `-errno`.
func nextDatagramLength(_ descriptor: Int32, flags: Int32 = 0) -> Int {
    var byte: UInt8 = 0
    do throws(Errno) {
        return try retryingInterrupts { recv(descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_TRUNC) | flags) }
    } catch {
        return -Int(error.rawValue)
    }
}

/// Receives one datagram of at most `length` bytes.
func receiveDatagram(_ descriptor: Int32, length: Int, flags: Int32 = 0) -> Result<[UInt8], Errno> {
    var buffer = [UInt8](repeating: 0, count: max(length, 1))
    let received = buffer.withUnsafeMutableBytes { raw in
        Result { () throws(Errno) in try retryingInterrupts { recv(descriptor, raw.baseAddress, raw.count, flags) } }
    }
    return received.map { count in
        buffer.removeSubrange(min(count, buffer.count)...)
        return buffer
    }
}
