import Glibc
import Logging

/// teamd's log lines: to stderr or stdout as `ident: message`, or to syslog (the default once daemonized,
/// as libdaemon does).
struct TeamdLogHandler: LogHandler {
    enum Output { case stdout, stderr, syslog }

    let output: Output
    let ident: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let text = "\(event.message)"
        switch output {
        case .syslog:
            let priority: Int32 = switch event.level {
            case .trace, .debug: LOG_DEBUG
            case .info: LOG_INFO
            case .notice: LOG_NOTICE
            case .warning: LOG_WARNING
            case .error: LOG_ERR
            case .critical: LOG_CRIT
            }
            text.withCString { cText in withVaList([cText]) { vsyslog(priority, "%s", $0) } }
        case .stdout, .stderr:
            let line = Array("\(ident): \(text)\n".utf8)
            _ = line.withUnsafeBytes { write(output == .stdout ? 1 : 2, $0.baseAddress, $0.count) }
        }
    }
}

extension TeamdProcess {
    static func makeLogger(output: String?, daemonized: Bool, ident: String) -> Logger {
        let kind: TeamdLogHandler.Output
        switch output {
        case "stdout": kind = .stdout
        case "stderr": kind = .stderr
        case "syslog": kind = .syslog
        default: kind = daemonized ? .syslog : .stderr
        }
        if kind == .syslog { openlog(strdup(ident), LOG_PID, LOG_DAEMON) }
        return Logger(label: "teamd") { _ in TeamdLogHandler(output: kind, ident: ident) }
    }
}
