import CZeroMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libzmq calls both ZeroMQ ends share.
enum ZeroMQ {
    /// The last libzmq error (`zmq_errno`, which is errno for the calling thread).
    static var lastError: Int32 { zmq_errno() }

    static func setOption(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32) -> Bool {
        var value = value
        return zmq_setsockopt(socket, option, &value, MemoryLayout<Int32>.size) == 0
    }

    static func setOption(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: Int64) -> Bool {
        var value = value
        return zmq_setsockopt(socket, option, &value, MemoryLayout<Int64>.size) == 0
    }

    static func intOption(_ socket: UnsafeMutableRawPointer, _ option: Int32) -> Int32? {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return zmq_getsockopt(socket, option, &value, &size) == 0 ? value : nil
    }

    /// Receives one whole message (any size); the bytes, or `nil` with `lastError` set.
    static func receive(_ socket: UnsafeMutableRawPointer, flags: Int32) -> [UInt8]? {
        var message = zmq_msg_t()
        guard zmq_msg_init(&message) == 0 else { return nil }
        defer { zmq_msg_close(&message) }
        guard zmq_msg_recv(&message, socket, flags) >= 0 else { return nil }
        let size = zmq_msg_size(&message)
        guard size > 0, let data = zmq_msg_data(&message) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// Sends one message; `true` on success, else `lastError` is set.
    static func send(_ socket: UnsafeMutableRawPointer, _ bytes: [UInt8], flags: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in zmq_send(socket, raw.baseAddress, raw.count, flags) } >= 0
    }

    /// Milliseconds of a `Duration` for the ZMQ_RCVTIMEO/SNDTIMEO options (at least 1,
    /// since 0 means "do not wait" and -1 "forever").
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let (milli, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int32.max }
        return max(1, Int32(clamping: milli + attoseconds / 1_000_000_000_000_000))
    }
}
