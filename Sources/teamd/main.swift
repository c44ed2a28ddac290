import Glibc
import TeamKit
import TeamdCore

// teamd: everything lives in TeamdCore; this only hands over the command line, the real kernel's sockets
// and the control transports. The transports are built after the ports are added, in the C teamd's order;
// D-Bus last, since it takes its bus name when it is built and that name tells NetworkManager that teamd
// is ready.
let status = TeamdProcess.main(arguments: CommandLine.arguments, kernel: .system) { device, options, log in
    var transports: [any ControlTransport] = []
    if options.unixSocket { transports.append(try ControlEndpoint.unixSocket(deviceName: device, log: log)) }
    if let address = options.zmqAddress { transports.append(try ControlEndpoint.zeroMQ(address: address, log: log)) }
    if options.dbus { transports.append(try ControlEndpoint.dbus(deviceName: device, log: log)) }
    return transports
}
exit(status)
