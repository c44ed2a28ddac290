import BondConversion
import Glibc
exit(Bond2Team.main(arguments: Array(CommandLine.arguments.dropFirst())))
