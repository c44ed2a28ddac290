import Glibc
import SystemSupport
import TeamdControl
import TeamJSON

/// libteamdctl's and libdbus's log lines for a failed connect or method call, word for word per transport
/// (the C tool prints them before its own "command call failed").
extension Session {
    /// What libteamdctl logs when a transport fails to connect (its D-Bus transport
    /// connects with a first ConfigDump call, whose failure is logged as a call's).
    static func initMessages(_ error: TeamdControlError, transport: TeamdControlTransportKind) -> String {
        switch (error, transport) {
        case (.socketFailed, _):
            return "libteamdctl: cli_usock_init: usock: Failed to create socket.\n"
        case (.connectFailed(let path, _), _):
            return "libteamdctl: cli_usock_init: usock: Failed to connect socket (\(path)).\n"
        case (.busConnectFailed(let code), _):
            let (name, message) = libdbusConnectError(code)
            return "libteamdctl: cli_dbus_init: dbus: Could not acquire the system bus: \(name) - \(message)\n"
        case (.invalidArgument(let text), .dbus):
            return "libteamdctl: cli_dbus_init: dbus: Could not validate bus name: \(text)\n"
        case (.zeroMQFailed, .zeroMQ(let address)):
            return "libteamdctl: cli_zmq_init: zmq: Failed to connect socket (\(address)).\n"
        case (.transportUnavailable(let name), _):
            return "libteamdctl: teamdctl_connect: the \(name) transport is not compiled in.\n"
        case (_, .dbus):
            return methodCallMessages(error, transport: "dbus")
        default:
            return ""
        }
    }

    /// libdbus's error for a failed connection to the system bus socket, which the C
    /// teamdctl prints (`_dbus_error_from_errno`, "Failed to connect to socket ...").
    static func libdbusConnectError(_ code: Int32) -> (name: String, message: String) {
        let name: String
        switch code {
        case ENOENT: name = "org.freedesktop.DBus.Error.FileNotFound"
        case ECONNREFUSED: name = "org.freedesktop.DBus.Error.NoServer"
        case EACCES, EPERM: name = "org.freedesktop.DBus.Error.AccessDenied"
        default: name = "org.freedesktop.DBus.Error.Failed"
        }
        let socket = "/run/dbus/system_bus_socket"
        return (name, "Failed to connect to socket \(socket): \(Errno(code).description)")
    }

    /// What libteamdctl logs when a method call fails on `transport` ("usock", "dbus",
    /// "zmq"); timeouts and broken connections are only debug messages there, so nothing.
    static func methodCallMessages(_ error: TeamdControlError, transport: String) -> String {
        switch transport {
        case "dbus": return dbusCallMessages(error)
        case "zmq": return zeroMQCallMessages(error)
        default: return socketCallMessages(error)
        }
    }

    func methodCallMessages(_ error: TeamdControlError) -> String {
        Self.methodCallMessages(error, transport: transport?.name ?? "usock")
    }

    /// libteamdctl/cli_dbus.c: `cli_dbus_check_error_msg`, `cli_dbus_get_reply_str`.
    static func dbusCallMessages(_ error: TeamdControlError) -> String {
        switch error {
        case .busError(let name, let message):
            var text = "libteamdctl: cli_dbus_check_error_msg: dbus: Error message received: \"\(name)\"\n"
            if let message {
                text += "libteamdctl: cli_dbus_check_error_msg: dbus: Error message content: \"\(message)\"\n"
            }
            return text
        case .unexpectedReply:
            return "libteamdctl: cli_dbus_get_reply_str: Failed, no data received.\n"
        default:
            return ""
        }
    }

    /// libteamdctl/cli_zmq.c `cli_zmq_process_msg` (whose format strings end in "\n",
    /// to which the logger adds another).
    static func zeroMQCallMessages(_ error: TeamdControlError) -> String {
        let prefix = "libteamdctl: cli_zmq_process_msg: "
        switch error {
        case .errorReply(let reply):
            return prefix + "zmq: Error message received: \"\(reply.code)\"\n"
                + prefix + "zmq: Error message content: \"\(reply.message)\"\n"
        case .malformedReply(.empty), .malformedReply(.missingErrorCode):
            return prefix + "zmq: Incomplete message.\n\n"
        case .malformedReply(.missingErrorMessage(let code)):
            return prefix + "zmq: Error message received: \"\(code)\"\n" + prefix + "zmq: Incomplete message.\n\n"
        case .malformedReply(.unsupportedType):
            return prefix + "zmq: Unsupported message type.\n\n"
        case .malformedReply(.invalidUTF8):
            return prefix + "zmq: Reply is not valid UTF-8.\n"
        case .invalidArgument(let text):
            return "teamdctl: \(text).\n"
        default:
            return ""
        }
    }

    /// libteamdctl/cli_usock.c `cli_usock_process_msg`.
    static func socketCallMessages(_ error: TeamdControlError) -> String {
        let prefix = "libteamdctl: cli_usock_process_msg: "
        switch error {
        case .errorReply(let reply):
            return prefix + "usock: Error message received: \"\(reply.code)\"\n"
                + prefix + "usock: Error message content: \"\(reply.message)\"\n"
        case .malformedReply(.empty), .malformedReply(.missingErrorCode):
            // The C format ends in "\n" and the logger adds another.
            return prefix + "usock: Incomplete message.\n\n"
        case .malformedReply(.missingErrorMessage(let code)):
            return prefix + "usock: Error message received: \"\(code)\"\n" + prefix + "usock: Incomplete message.\n\n"
        case .malformedReply(.unsupportedType):
            return prefix + "usock: Unsupported message type.\n\n"
        case .malformedReply(.invalidUTF8):
            return prefix + "usock: Reply is not valid UTF-8.\n"
        default:
            return ""
        }
    }
}
