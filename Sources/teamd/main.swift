import Glibc
import TeamdCore

// teamd: everything lives in TeamdCore; this only hands over the command line and the control transports.
// They are built after the ports are added, in the C teamd's order; D-Bus last, since it takes its bus name
// when it is built and that name tells NetworkManager that teamd is ready.
let status = TeamdProcess.main(arguments: CommandLine.arguments) { device, options, log in
    var transports: [any ControlTransport] = []
    if options.unixSocket { transports.append(try UnixSocketControl(deviceName: device)) }
    if let address = options.zmqAddress { transports.append(try ZeroMQControl(address: address, log: log)) }
    if options.dbus { transports.append(try DBusControl(deviceName: device, log: log)) }
    return transports
}
exit(status)
