import Glibc
import TeamKit
import TeamdCore

// teamd: everything lives in TeamdCore; this only hands over the command line, the real kernel's sockets
// and the control transports. The transports are built after the ports are added, in the C teamd's order;
// D-Bus last, since it takes its bus name when it is built and that name tells NetworkManager that teamd
// is ready.

// TEAM_EVENT_BUFSIZE (libteam's variable) sizes the event sockets' receive buffers; a value that is not a
// size is refused before anything is touched.
let eventBufferSize: Int32?
do { eventBufferSize = try EventBufferSize.fromEnvironment() } catch {
    let argv0 = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "teamd") } ?? "teamd"
    let message = "\(argv0): \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
}
let status = TeamdProcess.main(arguments: CommandLine.arguments, kernel: .system(eventBufferSize: eventBufferSize)) { device, options, log in
    var transports: [any ControlTransport] = []
    if options.unixSocket { transports.append(try ControlEndpoint.unixSocket(deviceName: device, log: log)) }
    if let address = options.zmqAddress { transports.append(try ControlEndpoint.zeroMQ(address: address, log: log)) }
    if options.dbus { transports.append(try ControlEndpoint.dbus(deviceName: device, log: log)) }
    return transports
}
exit(status)
