import Glibc

/// `struct sockaddr_un` and the length to hand to bind(2) or connect(2), for a filesystem path or a
/// name in Linux's abstract namespace.
public struct UnixSocketAddress: Sendable {
    public private(set) var storage = sockaddr_un()
    /// offsetof(sun_path) plus the bytes of the name actually used.
    public private(set) var length: socklen_t = 0

    /// The room in `sun_path`: 108 bytes on Linux.
    public static let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
    private static let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!

    /// A filesystem path: its bytes and a terminating NUL must fit. nil when it is empty, holds a NUL
    /// or does not fit.
    public init?(path: String) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { return nil }
        self.init(bytes: bytes + [0])
    }

    /// A name in the abstract namespace: a leading NUL, then the name, and the length says where it
    /// ends (nothing terminates it). nil when it does not fit.
    public init?(abstractName: some Collection<UInt8>) {
        self.init(bytes: [0] + Array(abstractName))
    }

    private init?(bytes: [UInt8]) {
        guard bytes.count <= Self.pathCapacity else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
        length = socklen_t(Self.pathOffset + bytes.count)
    }

    /// The address as the generic `sockaddr` pointer the socket calls take.
    public func withSocketAddress<Result, Failure: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var copy = storage
        return try withUnsafePointer(to: &copy) { pointer throws(Failure) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(Failure) in
                try body(address, length)
            }
        }
    }
}
