import Glibc
import SystemSupport

// labtool: measurements for bench/compare, run inside the lab guest (one process per measurement, so
// that no shell loop and no process start falls inside a timed interval), and the summary on the host.
let usage = """
usage: labtool COMMAND [--option value ...]
  start     --teamd BIN --dev DEV --config JSON [--enabled N] [--activebackup yes]
  stop      --dev DEV
  failover  --dev DEV --port IF --peer IF --dst ADDR [--ns NS] [--rate HZ] [--new-peer IF] [--bond yes]
            [--cut down|unbridge] [--timeline FILE]
  control   --dev DEV [--count N]
  storm     --dev DEV --ports IF,... --peers IF,... [--ns NS] [--flaps N]
  memory    --dev DEV [--smaps PATH]
  flap      --peers IF,...|IF,... [--ns NS] [--flaps N] [--final-down IF,...] [--teams DEV,...] [--checkpoint K]
  soak-control --devs DEV,... --stop-file PATH
  spawn     [--warmup N] [--count N] -- CMD ARGS...
  summarize --raw FILE [--csv FILE] [--md FILE]
"""

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    printError(usage)
    exit(2)
}
do {
    let options = try Options(arguments.dropFirst(2))
    switch arguments[1] {
    case "start": try Teamd.start(options)
    case "stop": try Teamd.stop(options)
    case "failover": try Failover.run(options)
    case "control": try Teamd.control(options)
    case "storm": try Storm.run(options)
    case "memory": try Teamd.memory(options)
    case "flap": try Soak.flap(options)
    case "soak-control": try Soak.control(options)
    case "spawn": try Teamd.spawnTime(options)
    case "summarize": try Summary.run(options)
    default:
        printError(usage)
        exit(2)
    }
} catch {
    printError("labtool \(arguments[1]): \(error)")
    exit(1)
}

func printError(_ text: String) {
    try? FileDescriptor.standardError.writeAll((text + "\n").utf8)
}
