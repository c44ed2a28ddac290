import BondConversion
import Glibc
exit(Team2Bond.main(arguments: Array(CommandLine.arguments.dropFirst())))
