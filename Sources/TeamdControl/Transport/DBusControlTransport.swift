import CSystemdBus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The D-Bus transport (libteamdctl/cli_dbus.c): method calls to `org.libteam.teamd.DEV`
/// on the system bus, object `/org/libteam/teamd`, interface `org.libteam.teamd`, every
/// argument a string, and a wait of at most `timeout` for each reply.
public final class DBusControlTransport: TeamdControlTransport {
    public let name = "dbus"
    public let busName: String
    public let timeout: Duration
    private var bus: OpaquePointer?

    /// Connects to the system bus (or the bus at `busAddress`) and, as libteamdctl does,
    /// calls `ConfigDump` once: the transport counts as connected only if a teamd answers
    /// under the name, so that automatic selection moves on when none does.
    public init(teamDevice: String, timeout: Duration = UnixControlTransport.defaultTimeout,
                busAddress: String? = nil) throws(TeamdControlError)
    {
        self.busName = TeamdDBus.busName(teamDevice: teamDevice)
        self.timeout = timeout
        switch SystemdBus.open(address: busAddress) {
        case .success(let opened): bus = opened
        case .failure(let error): throw .busConnectFailed(errno: error.code)
        }
        _ = try call(.configDump)
    }

    deinit {
        close()
    }

    public func close() {
        if let bus {
            sd_bus_flush_close_unref(bus)
            self.bus = nil
        }
    }

    private var timeoutMicroseconds: UInt64 {
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0 else { return 1 }
        let (micro, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000)
        if overflow { return UInt64.max - 1 }
        // 0 would mean sd-bus's default (25 s).
        return max(1, micro + UInt64(attoseconds / 1_000_000_000_000))
    }

    public func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        guard let bus else { throw .connectionClosed }
        var message: OpaquePointer?
        var result = sd_bus_message_new_method_call(
            bus, &message, busName, TeamdDBus.objectPath, TeamdDBus.interfaceName, request.method.name)
        guard result >= 0, let message else {
            if result == -EINVAL { throw .invalidArgument("\"\(busName)\" is not a valid D-Bus name") }
            throw .busCallFailed(errno: -result)
        }
        defer { sd_bus_message_unref(message) }
        for argument in request.arguments {
            result = argument.withCString { sd_bus_message_append_basic(message, SystemdBus.stringType, $0) }
            // EINVAL: not valid UTF-8 (a D-Bus string must be).
            guard result >= 0 else { throw .invalidArgument("argument \"\(argument)\" cannot travel on D-Bus") }
        }
        var error = sd_bus_error(name: nil, message: nil, _need_free: 0)
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        result = sd_bus_call(bus, message, timeoutMicroseconds, &error, &reply)
        defer { if let reply { sd_bus_message_unref(reply) } }
        if result < 0 {
            if result == -ETIMEDOUT { throw .timedOut }
            if let name = SystemdBus.string(error.name) {
                throw .busError(name: name, message: SystemdBus.string(error.message))
            }
            throw .busCallFailed(errno: -result)
        }
        guard request.method.returnsValue else { return "" }
        guard let reply else { throw .unexpectedReply("no reply message") }
        var pointer: UnsafePointer<CChar>?
        guard sd_bus_message_read_basic(reply, SystemdBus.stringType, &pointer) > 0, let pointer else {
            throw .unexpectedReply("\(request.method.name) returned no string")
        }
        return String(cString: pointer)
    }
}
