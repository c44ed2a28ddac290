import Glibc
import SystemSupport
import TeamdControl

/// Writes the exposition for node_exporter's textfile collector: `DIRECTORY/teamd.prom`, replaced whole.
///
/// The text goes to a temporary file in the same directory first, whose name does not end in `.prom`
/// (the collector reads only those), and is renamed over `teamd.prom` when complete: a scrape reads the
/// old file or the new one, never half of one.
public struct TextfileWriter: Sendable {
    public static let fileName = "teamd.prom"

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var path: String { directory.hasSuffix("/") ? directory + Self.fileName : directory + "/" + Self.fileName }

    public func write(_ text: String) throws(TextfileError) {
        let temporary = (directory.hasSuffix("/") ? directory : directory + "/") + ".\(Self.fileName).\(getpid()).tmp"
        let file: FileDescriptor
        do throws(Errno) {
            file = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        } catch {
            throw TextfileError(operation: "create", path: temporary, errno: error.rawValue)
        }
        var failure: TextfileError?
        do throws(Errno) {
            try file.writeAll(text.utf8)
        } catch {
            failure = TextfileError(operation: "write", path: temporary, errno: error.rawValue)
        }
        // The data must be on disk before the rename makes it the file, or a crash can leave it empty.
        if failure == nil, fsync(file.rawValue) != 0 { failure = TextfileError(operation: "fsync", path: temporary, errno: errno) }
        if close(file.rawValue) != 0, failure == nil { failure = TextfileError(operation: "close", path: temporary, errno: errno) }
        if failure == nil, rename(temporary, path) != 0 { failure = TextfileError(operation: "rename", path: path, errno: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}

/// A system call on the textfile failed.
public struct TextfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(Errno(errno).description)" }
}
