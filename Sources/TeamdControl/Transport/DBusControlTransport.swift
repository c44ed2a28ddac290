import Glibc
import DBusWire

/// The D-Bus transport (libteamdctl/cli_dbus.c): method calls to `org.libteam.teamd.DEV`
/// on the system bus, object `/org/libteam/teamd`, interface `org.libteam.teamd`, every
/// argument a string, and a wait of at most `timeout` for each reply (and for the
/// connection to the bus).
public final class DBusControlTransport: TeamdControlTransport {
    public let name = "dbus"
    public let busName: String
    public let timeout: Duration
    private var connection: DBusConnection?

    /// Connects to the system bus (or the bus at `busAddress`, a D-Bus address such as
    /// `unix:path=/run/dbus/system_bus_socket`) and, as libteamdctl does, calls
    /// `ConfigDump` once: the transport counts as connected only if a teamd answers
    /// under the name, so that automatic selection moves on when none does.
    public convenience init(teamDevice: String, timeout: Duration = UnixControlTransport.defaultTimeout,
                            busAddress: String? = nil) throws(TeamdControlError)
    {
        let connection: DBusConnection
        do throws(DBusConnectionError) {
            connection = try DBusConnection.open(address: busAddress, timeout: timeout)
        } catch {
            throw .busConnectFailed(errno: error.errno)
        }
        try self.init(teamDevice: teamDevice, timeout: timeout, connection: connection)
    }

    /// On a connection that has said `Hello` (the tests' scripted bus).
    init(teamDevice: String, timeout: Duration, connection: DBusConnection) throws(TeamdControlError) {
        self.busName = TeamdDBus.busName(teamDevice: teamDevice)
        self.timeout = timeout
        self.connection = connection
        _ = try call(.configDump)
    }

    deinit {
        close()
    }

    public func close() {
        connection?.close()
        connection = nil
    }

    public func call(_ request: ControlRequest) throws(TeamdControlError) -> String {
        guard let connection else { throw .connectionClosed }
        // What sd-bus and libdbus refuse before sending, with libteamdctl's message.
        guard DBusNames.isValidBusName(busName) else {
            throw .invalidArgument("\"\(busName)\" is not a valid D-Bus name")
        }
        for argument in request.arguments where argument.utf8.contains(0) {
            throw .invalidArgument("argument \"\(argument)\" cannot travel on D-Bus")
        }
        let message = DBusMessage.methodCall(
            destination: busName, path: TeamdDBus.objectPath, interface: TeamdDBus.interfaceName,
            member: request.method.name, body: request.arguments.map { .string($0) })
        let reply: DBusMessage
        do throws(DBusConnectionError) {
            reply = try connection.call(message, timeout: timeout)
        } catch .timedOut {
            throw .timedOut
        } catch {
            throw .busCallFailed(errno: error.errno)
        }
        if reply.kind == .error {
            throw .busError(name: reply.errorName ?? "", message: reply.errorMessage)
        }
        guard request.method.returnsValue else { return "" }
        guard case .string(let payload)? = reply.body.first else {
            throw .unexpectedReply("\(request.method.name) returned no string")
        }
        return payload
    }
}
