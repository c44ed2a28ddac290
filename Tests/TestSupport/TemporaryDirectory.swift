#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test (sockets, pid files, textfiles), removed with the files in
/// it when the value goes.
public final class TemporaryDirectory {
    public let path: String

    public init(prefix: String = "swift-team-test") {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp: errno \(errno)")
        path = String(cString: made!)
    }

    /// The path of `name` in the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` in the directory.
    public func write(_ name: String, _ text: String) {
        guard let file = fopen(file(name), "w") else { return }
        fputs(text, file)
        fclose(file)
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }
}
