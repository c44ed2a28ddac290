import Glibc
import TeamdCore

// teamd: everything lives in TeamdCore; this only hands over the command line and the control transports.
let status = TeamdProcess.main(arguments: CommandLine.arguments) { device, options in
    options.unixSocket ? try [UnixSocketControl(deviceName: device)] : []
}
exit(status)
