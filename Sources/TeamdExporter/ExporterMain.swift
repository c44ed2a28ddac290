import Glibc
import SystemSupport

/// teamd-exporter's whole program, behind the thin executable.
public enum ExporterMain {
    public static let program = "teamd-exporter"

    /// Runs with `arguments` (after the program name); returns the exit status. Serving HTTP, or writing
    /// the textfile with `--interval`, returns only on an error.
    public static func run(arguments: [String]) -> Int32 {
        let options: ExporterOptions
        do throws(ExporterUsageError) {
            options = try ExporterOptions.parse(arguments)
        } catch {
            printError("\(program): \(error)\nTry '\(program) --help'.")
            return 1
        }
        let collector = TeamdCollector(source: ControlSocketSource(runDirectory: options.runDirectory,
                                                                   timeout: options.timeout))
        switch options.mode {
        case .help:
            writeAll(ExporterOptions.usage, to: 1)
            return 0
        case .serve(let address):
            return serve(collector, at: address)
        case .textfile(let directory, let interval):
            return writeTextfile(collector, to: TextfileWriter(directory: directory), every: interval)
        }
    }

    private static func serve(_ collector: TeamdCollector, at address: ListenAddress) -> Int32 {
        let server: MetricsHTTPServer
        do {
            server = try MetricsHTTPServer(address: address, collector: collector, log: { printError("\(program): \($0)") })
        } catch {
            printError("\(program): cannot listen on \(address): \(error)")
            return 1
        }
        printError("\(program): serving http://\(server.address ?? address)/metrics")
        do {
            try server.wait()
        } catch {
            printError("\(program): \(error)")
            return 1
        }
        return 0
    }

    /// Once (the exit status says whether the file was written), or every `interval` until killed (a
    /// failed write is reported and tried again next time).
    private static func writeTextfile(_ collector: TeamdCollector, to writer: TextfileWriter,
                                      every interval: Duration?) -> Int32 {
        while true {
            do throws(TextfileError) {
                try writer.write(collector.scrape(log: { printError("\(program): \($0)") }))
            } catch {
                printError("\(program): \(error)")
                if interval == nil { return 1 }
            }
            guard let interval else { return 0 }
            sleep(for: interval)
        }
    }

    private static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    private static func printError(_ line: String) {
        writeAll(line + "\n", to: 2)
    }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        try? FileDescriptor(rawValue: descriptor).writeAll(text.utf8)
    }
}
