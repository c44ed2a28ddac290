import Glibc

/// An errno value as a Swift error, as swift-system's `Errno`, with the C library's own text.
///
/// The text comes from `strerror`, not from a table of our own: the C tools print it in their errors
/// ("Command failed: No such device"), and our output must read the same byte for byte.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno` now.
    public static var current: Errno { Errno(Glibc.errno) }

    /// The C library's text (`strerror`), e.g. "No such file or directory".
    public var description: String {
        guard let text = strerror(rawValue) else { return "Unknown error \(rawValue)" }
        return String(cString: text)
    }

    /// EINTR
    public static let interrupted = Errno(EINTR)
    /// EAGAIN, which is EWOULDBLOCK on Linux.
    public static let wouldBlock = Errno(EAGAIN)
    /// ENOENT
    public static let noSuchFile = Errno(ENOENT)
    /// ESRCH
    public static let noSuchProcess = Errno(ESRCH)
    /// EEXIST
    public static let fileExists = Errno(EEXIST)
    /// ENAMETOOLONG
    public static let nameTooLong = Errno(ENAMETOOLONG)
}

/// Runs a system call that reports failure as -1 with `errno` (the C convention of read, send,
/// accept, poll...), again as long as it fails with EINTR: a signal handled meanwhile is no failure.
/// Returns the call's result, or throws its `Errno`.
///
/// The one place the EINTR retry lives: every call of ours that can be interrupted goes through it.
@inlinable
public func retryingInterrupts<Value: FixedWidthInteger>(_ call: () -> Value) throws(Errno) -> Value {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = Glibc.errno
        if code != EINTR { throw Errno(code) }
    }
}
