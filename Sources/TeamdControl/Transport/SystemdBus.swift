import CSystemdBus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few sd-bus calls both D-Bus ends share.
enum SystemdBus {
    /// `sd_bus_open_system` (honours `DBUS_SYSTEM_BUS_ADDRESS`), or a bus at `address`
    /// (a private bus, for tests). The connection to the socket is made here; the
    /// `Hello` exchange completes in the first call or `sd_bus_process`.
    static func open(address: String?) -> Result<OpaquePointer, SystemErrno> {
        var bus: OpaquePointer?
        if let address {
            var result = sd_bus_new(&bus)
            guard result >= 0, let created = bus else { return .failure(SystemErrno(-result)) }
            result = sd_bus_set_address(created, address)
            if result >= 0 { result = sd_bus_set_bus_client(created, 1) }
            if result >= 0 { result = sd_bus_start(created) }
            guard result >= 0 else {
                sd_bus_flush_close_unref(created)
                return .failure(SystemErrno(-result))
            }
            return .success(created)
        }
        let result = sd_bus_open_system(&bus)
        guard result >= 0, let opened = bus else { return .failure(SystemErrno(-result)) }
        return .success(opened)
    }

    /// The bus's next deadline (`sd_bus_get_timeout`, absolute on CLOCK_MONOTONIC) as
    /// milliseconds from now, rounded up; `nil` when there is none. 0 means that work is
    /// already waiting (for instance messages read during a synchronous call).
    static func timeoutMilliseconds(_ bus: OpaquePointer) -> Int64? {
        var deadline: UInt64 = 0
        guard sd_bus_get_timeout(bus, &deadline) > 0, deadline != UInt64.max else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        guard deadline > nowMicroseconds else { return 0 }
        return Int64(clamping: (deadline - nowMicroseconds + 999) / 1000)
    }

    /// The `s` type code for `sd_bus_message_append_basic`/`read_basic`.
    static let stringType = CChar(UInt8(ascii: "s"))

    /// Reads the remaining string arguments of `message` when its signature holds only
    /// strings; `nil` otherwise.
    static func readStrings(_ message: OpaquePointer, signature: String) -> [String]? {
        guard signature.allSatisfy({ $0 == "s" }) else { return nil }
        var strings: [String] = []
        for _ in 0..<signature.count {
            var pointer: UnsafePointer<CChar>?
            guard sd_bus_message_read_basic(message, stringType, &pointer) > 0, let pointer else { return nil }
            strings.append(String(cString: pointer))
        }
        return strings
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
