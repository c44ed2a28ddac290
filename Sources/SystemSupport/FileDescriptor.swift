import Glibc

/// An open file descriptor: a thin value over the number, as swift-system's `FileDescriptor`, with the
/// calls teamd and its tools make on files and pipes. Every call retries EINTR and throws `Errno`.
/// Closing is explicit (`close()`); the value does not own the descriptor.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    /// open(2) with O_CLOEXEC added: no descriptor of ours leaks into a child.
    public static func open(_ path: String, _ flags: Int32, permissions: mode_t = 0o644) throws(Errno) -> FileDescriptor {
        let descriptor = try retryingInterrupts { Glibc.open(path, flags | O_CLOEXEC, permissions) }
        return FileDescriptor(rawValue: descriptor)
    }

    /// close(2). Not retried on EINTR: on Linux the descriptor is gone either way, and a retry could
    /// close a descriptor another thread has just been given.
    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// One read(2) into `buffer`: the count (0 at end of file).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads until end of file, at most `limit` bytes (the rest is left unread).
    public func readAll(limit: Int = Int.max) throws(Errno) -> [UInt8] {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while contents.count < limit {
            let wanted = min(chunk.count, limit - contents.count)
            // Array's withUnsafe... rethrow untyped errors: the Result carries the Errno out.
            let count = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<wanted])) }
            }.get()
            if count == 0 { break }
            contents.append(contentsOf: chunk[0..<count])
        }
        return contents
    }

    /// Writes all of `bytes`, looping over short writes (a pipe or terminal takes part of a large
    /// write at a time).
    public func writeAll(_ bytes: some Collection<UInt8>) throws(Errno) {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = try array.withUnsafeBytes { raw in
                Result { () throws(Errno) in
                    try retryingInterrupts { Glibc.write(rawValue, raw.baseAddress! + offset, raw.count - offset) }
                }
            }.get()
            offset += written
        }
    }

    /// The whole contents of the file at `path`, at most `limit` bytes.
    public static func readFile(_ path: String, limit: Int = Int.max) throws(Errno) -> [UInt8] {
        let descriptor = try open(path, O_RDONLY)
        defer { descriptor.close() }
        return try descriptor.readAll(limit: limit)
    }
}
