#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The C library's text for an errno value (`strerror`), e.g. "No such file or directory".
public func errnoDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "Unknown error \(code)" }
    return String(cString: text)
}

/// Runs a system call, retrying while it fails with EINTR; returns the result or `-errno`.
@inline(__always)
func retryingEINTR(_ call: () -> Int) -> Int {
    while true {
        let result = call()
        if result == -1 {
            let code = errno
            if code == EINTR { continue }
            return -Int(code)
        }
        return result
    }
}

/// `struct sockaddr_un` for a filesystem path, and the length to pass to bind/connect.
/// `nil` when the path does not fit `sun_path` with its terminating NUL.
func unixSocketAddress(_ path: String) -> (address: sockaddr_un, length: socklen_t)? {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else { return nil }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + 1
    return (address, socklen_t(length))
}

/// A SOCK_SEQPACKET socket type with the given extra flags (SOCK_NONBLOCK, SOCK_CLOEXEC).
func seqpacketType(nonBlocking: Bool) -> Int32 {
    var type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
    return type
}

/// `connect(2)` of a socket to a filesystem path; 0 or `-errno`.
func connectUnix(_ descriptor: Int32, to path: String) -> Int32 {
    guard let (socketAddress, length) = unixSocketAddress(path) else { return -ENAMETOOLONG }
    var address = socketAddress
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            retryingEINTR { Int(connect(descriptor, socketAddress, length)) }
        }
    }
    // A connect interrupted by a signal goes on in the background; retrying reports
    // EALREADY/EISCONN, which for a UNIX socket means it completed.
    if result == -Int(EISCONN) { return 0 }
    return Int32(result)
}

/// The length of the next datagram waiting on a SOCK_SEQPACKET socket without taking
/// it (`MSG_PEEK | MSG_TRUNC` returns the real length); 0 means end of stream; `-errno`.
func nextDatagramLength(_ descriptor: Int32, flags: Int32 = 0) -> Int {
    var byte: UInt8 = 0
    return retryingEINTR {
        recv(descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_TRUNC) | flags)
    }
}

/// Receives one datagram of at most `length` bytes; the bytes or `-errno`.
func receiveDatagram(_ descriptor: Int32, length: Int, flags: Int32 = 0) -> Result<[UInt8], SystemErrno> {
    var buffer = [UInt8](repeating: 0, count: max(length, 1))
    let received = buffer.withUnsafeMutableBytes { raw in
        retryingEINTR { recv(descriptor, raw.baseAddress, raw.count, flags) }
    }
    if received < 0 { return .failure(SystemErrno(Int32(-received))) }
    buffer.removeSubrange(min(received, buffer.count)...)
    return .success(buffer)
}

/// An errno value as an Error.
struct SystemErrno: Error {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}
