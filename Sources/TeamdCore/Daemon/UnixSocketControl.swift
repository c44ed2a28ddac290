import TeamdControl

/// The UNIX socket control interface (`/var/run/teamd/DEV.sock`), the default transport: the wire format
/// and the socket live in TeamdControl; this only connects them to the daemon's methods.
public final class UnixSocketControl: ControlTransport {
    private let server: UnixControlServer

    /// Root-only, as the C teamd's socket.
    public init(deviceName: String) throws {
        server = try UnixControlServer(path: UnixControlServer.socketPath(teamDevice: deviceName), mode: 0o700)
    }

    public var descriptors: [Int32] { server.descriptors }

    public func handleReadable(_ fd: Int32, handler: (String, [String]) -> ControlResult) {
        server.serve(readable: fd) { request in
            ControlReply(handler(request.method.name, request.arguments))
        }
    }

    public func close() { server.close() }
}
