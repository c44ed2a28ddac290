// teamnl: the team device netlink tool (libteam's utils/teamnl.c); its logic is TeamnlCLI's.

import Glibc
import TeamnlCLI

let console = TeamnlConsole.standard()
let status = Teamnl.run(arguments: CommandLine.arguments, console: console)
console.flush()
exit(status)
