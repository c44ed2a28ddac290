import Glibc
import TeamdControl

/// Where the HTTP server listens: an IPv4 or IPv6 address (not a name) and a TCP port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    /// 0 lets the kernel pick a free port (the exporter prints the one it got).
    public var port: Int

    /// 8326, "TEAM" on a phone keypad. Prometheus's list of default exporter ports has no free port left
    /// in 9100-9999 and grows one by one from 10000; 8326 is in neither range, nor is it the port of
    /// any exporter listed outside them.
    public static let defaultPort = 8326
    /// Loopback only, unless told otherwise.
    public static let `default` = ListenAddress(host: "127.0.0.1", port: defaultPort)

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `ADDRESS:PORT`, `[IPV6]:PORT`, or `:PORT` for every IPv4 address.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard host.contains(":") else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon].isEmpty ? "0.0.0.0" : text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard Self.isAddress(String(host)), !portText.isEmpty, portText.allSatisfy(\.isASCII),
              let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    private static func isAddress(_ text: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// teamd-exporter's command line.
public struct ExporterOptions: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// Serve `/metrics` over HTTP.
        case serve(ListenAddress)
        /// Write `DIRECTORY/teamd.prom` once, or every `interval` until stopped.
        case textfile(directory: String, interval: Duration?)
        /// Print the usage.
        case help
    }

    public var mode: Mode = .serve(.default)
    /// teamd's run directory, where the control sockets are.
    public var runDirectory: String = UnixControlServer.runDirectory
    /// How long one teamd may take to answer a state dump.
    public var timeout: Duration = .seconds(2)

    public init(mode: Mode = .serve(.default), runDirectory: String = UnixControlServer.runDirectory,
                timeout: Duration = .seconds(2)) {
        self.mode = mode
        self.runDirectory = runDirectory
        self.timeout = timeout
    }

    public static let usage = """
        Usage: teamd-exporter [OPTIONS]
        Serves the state of every running teamd as Prometheus metrics.

          --listen ADDRESS:PORT  serve /metrics over HTTP there (default \(ListenAddress.default);
                                 [IPV6]:PORT for IPv6, :PORT for every IPv4 address, port 0 for any)
          --textfile DIR         write DIR/teamd.prom (node_exporter's textfile collector) and exit
          --interval SECONDS     with --textfile: write it again every SECONDS instead of exiting
          --run-dir DIR          where teamd's control sockets are (default \(UnixControlServer.runDirectory))
          --timeout SECONDS      how long one teamd may take to answer (default 2)
          -h, --help             print this help

        """

    /// Parses the arguments after the program name.
    public static func parse(_ arguments: [String]) throws(ExporterUsageError) -> ExporterOptions {
        var options = ExporterOptions()
        var listen: ListenAddress?
        var textfile: String?
        var interval: Duration?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "-h" || argument == "--help" { return ExporterOptions(mode: .help) }
            guard argument.hasPrefix("--") else {
                throw ExporterUsageError(argument.hasPrefix("-") ? "unknown option \(argument)" : "unexpected argument \"\(argument)\"")
            }
            let name: String
            let value: String
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
                guard Self.valueNames[name] != nil else { throw ExporterUsageError("unknown option \(name)") }
                guard let next = rest.popFirst() else {
                    throw ExporterUsageError("\(name) needs a value (\(Self.valueNames[name]!))")
                }
                value = next
            }
            switch name {
            case "--listen":
                guard let address = ListenAddress(parsing: value) else {
                    throw ExporterUsageError("--listen: \"\(value)\" is not ADDRESS:PORT (an IPv4 or [IPv6] address, a port 0-65535)")
                }
                listen = address
            case "--textfile":
                guard !value.isEmpty else { throw ExporterUsageError("--textfile: the directory is empty") }
                textfile = value
            case "--interval": interval = try seconds(value, option: name)
            case "--run-dir":
                guard !value.isEmpty else { throw ExporterUsageError("--run-dir: the directory is empty") }
                options.runDirectory = value
            case "--timeout": options.timeout = try seconds(value, option: name)
            default: throw ExporterUsageError("unknown option \(name)")
            }
        }
        if let textfile {
            if listen != nil { throw ExporterUsageError("--listen and --textfile exclude each other") }
            options.mode = .textfile(directory: textfile, interval: interval)
        } else {
            if interval != nil { throw ExporterUsageError("--interval needs --textfile") }
            options.mode = .serve(listen ?? .default)
        }
        return options
    }

    /// The options that take a value, with what the value is.
    private static let valueNames = ["--listen": "ADDRESS:PORT", "--textfile": "DIR", "--interval": "SECONDS",
                                     "--run-dir": "DIR", "--timeout": "SECONDS"]

    /// A number of seconds above 0 and at most a day, decimals allowed.
    private static func seconds(_ text: String, option: String) throws(ExporterUsageError) -> Duration {
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(text),
              value >= 0.001, value <= 86_400 else {
            throw ExporterUsageError("\(option): \"\(text)\" is not a number of seconds (0.001 to 86400)")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }
}

/// A bad command line: what is wrong, naming the option.
public struct ExporterUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
