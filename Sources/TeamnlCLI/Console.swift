import SystemSupport

/// teamnl's two streams. Standard output is buffered until `flush()` and standard error is not, as
/// stdio does for a C program writing to a pipe or file (the order of the two in a capture is C teamnl's).
public final class TeamnlConsole {
    private var buffered: [UInt8] = []
    private let writeOutput: ([UInt8]) -> Void
    private let writeError: (String) -> Void

    /// Writers for the two streams: tests collect the text, the executable writes descriptors 1 and 2.
    public init(writeOutput: @escaping ([UInt8]) -> Void, writeError: @escaping (String) -> Void) {
        self.writeOutput = writeOutput
        self.writeError = writeError
    }

    /// Descriptors 1 and 2; a failed write (nobody reading) is ignored, as the C tool ignores it.
    public static func standard() -> TeamnlConsole {
        TeamnlConsole(writeOutput: { try? FileDescriptor.standardOutput.writeAll($0) },
                      writeError: { try? FileDescriptor.standardError.writeAll($0.utf8) })
    }

    func out(_ text: String) { buffered.append(contentsOf: text.utf8) }
    func err(_ text: String) { writeError(text) }

    /// Writes what standard output holds.
    public func flush() {
        guard !buffered.isEmpty else { return }
        writeOutput(buffered)
        buffered.removeAll(keepingCapacity: true)
    }
}
