#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemSupport

/// The few file operations the two converters make, through SystemSupport.
enum Files {
    static func read(_ path: String) throws(Errno) -> String {
        String(decoding: try FileDescriptor.readFile(path, limit: 1 << 20), as: UTF8.self)
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func isFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// The names in a directory, sorted, without `.` and `..`; nil when it cannot be read.
    static func list(_ path: String) -> [String]? { Directory.names(at: path) }

    /// Writes `text` to `path` (created or truncated, mode 0644).
    static func write(_ text: String, to path: String) throws(Errno) {
        let descriptor = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, permissions: 0o644)
        defer { descriptor.close() }
        try descriptor.writeAll(Array(text.utf8))
    }

    /// A new directory /tmp/PREFIX.XXXXXX.
    static func makeTemporaryDirectory(_ prefix: String) throws(Errno) -> String {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw Errno.current }
        return String(cString: path)
    }

    static func standardError(_ text: String) {
        try? FileDescriptor.standardError.writeAll(Array(text.utf8))
    }

    static func standardOutput(_ text: String) {
        try? FileDescriptor.standardOutput.writeAll(Array(text.utf8))
    }
}
