#if canImport(Glibc)
import Glibc
#endif

/// The `Fixtures` directory next to a test file, read with the C library (the tests use
/// no Foundation): `FixtureDirectory(besides: #filePath).text("Cli/cases.txt")`.
public struct FixtureDirectory: Sendable {
    public let path: String

    public init(besides filePath: String) {
        let parent = filePath[..<(filePath.lastIndex(of: "/") ?? filePath.endIndex)]
        path = parent + "/Fixtures"
    }

    /// The bytes of a file under the directory; `nil` when it cannot be opened.
    public func bytes(_ relativePath: String) -> [UInt8]? {
        guard let file = fopen(path + "/" + relativePath, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return bytes
    }

    /// A file's text (UTF-8, invalid sequences replaced).
    public func text(_ relativePath: String) -> String? {
        bytes(relativePath).map { String(decoding: $0, as: UTF8.self) }
    }

    /// File names in a subdirectory that end with `suffix`, sorted.
    public func list(_ subdirectory: String, suffix: String) -> [String] {
        guard let handle = opendir(path + "/" + subdirectory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(suffix) { names.append(name) }
        }
        return names.sorted()
    }
}
