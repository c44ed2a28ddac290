import Glibc
import TeamdExporter

// A scraper that hangs up mid-answer must not kill us with SIGPIPE.
signal(SIGPIPE, SIG_IGN)
exit(ExporterMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
