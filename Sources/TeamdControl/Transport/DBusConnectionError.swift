import Glibc
import SystemSupport
import DBusWire

/// Why a D-Bus connection failed.
enum DBusConnectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed (connect: ENOENT with no bus socket, ECONNREFUSED, EACCES;
    /// send: EPIPE, ECONNRESET; ENOBUFS when our output queue is full).
    case system(errno: Int32)
    /// The address (`DBUS_SYSTEM_BUS_ADDRESS` or the one given) is malformed or has no
    /// entry we can connect to.
    case invalidAddress(String)
    /// The bus closed the connection.
    case closed
    /// No answer before the deadline.
    case timedOut
    /// The bus refused our credentials.
    case authenticationRejected(String)
    /// The bus sent something that is not D-Bus (a bad authentication line, a message
    /// whose framing cannot be followed).
    case protocolViolation(String)
    /// A message of ours could not be encoded.
    case unencodable(DBusWireError)
    /// The bus answered `Hello` with an error.
    case helloRefused(name: String, message: String?)

    /// The errno sd-bus reports for the same failure, which the callers' errors carry.
    var errno: Int32 {
        switch self {
        case .system(let code): return code
        case .invalidAddress, .unencodable: return EINVAL
        case .closed: return ECONNRESET
        case .timedOut: return ETIMEDOUT
        case .authenticationRejected: return EPERM
        case .protocolViolation: return EBADMSG
        case .helloRefused(let name, _): return name == DBusConnection.accessDeniedError ? EACCES : EIO
        }
    }

    var description: String {
        switch self {
        case .system(let code): return Errno(code).description
        case .invalidAddress(let text): return "bad D-Bus address: \(text)"
        case .closed: return "the bus closed the connection"
        case .timedOut: return "no answer from the bus in time"
        case .authenticationRejected(let line): return "the bus rejected authentication: \(line)"
        case .protocolViolation(let text): return "D-Bus protocol violation: \(text)"
        case .unencodable(let error): return "\(error)"
        case .helloRefused(let name, let message): return "Hello refused: \(name)" + (message.map { ": \($0)" } ?? "")
        }
    }
}

/// A point on CLOCK_MONOTONIC to wait until.
struct MonotonicDeadline {
    var nanoseconds: Int64

    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    init(after duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = max(seconds, 0).multipliedReportingOverflow(by: 1_000_000_000)
        let span = overflow ? Int64.max / 2 : whole + max(attoseconds, 0) / 1_000_000_000
        nanoseconds = Self.now().addingReportingOverflow(min(span, Int64.max / 2)).partialValue
    }

    /// What is left (negative once passed).
    var remaining: Duration { .nanoseconds(nanoseconds - Self.now()) }

    /// What is left, in milliseconds rounded up, for poll(2); 0 once passed.
    var remainingMilliseconds: Int32 {
        remaining.pollMilliseconds
    }
}
