// The libFuzzer entry points shared by every target in Fuzz/Targets: each target defines
// `fuzzTargetName` and `fuzzOne(_:)`, which returns true when the input decoded (it reached the
// codec's success path). The count of such inputs is printed at exit as `fuzz-reached: N`, which
// Fuzz/fuzz.sh checks to be above zero, so that a target whose seeds all fail to decode (a broken
// harness or corpus) cannot pass silently.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

nonisolated(unsafe) private var reachedCount = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    if fuzzOne(bytes) { reachedCount += 1 }
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    atexit {
        writeError("fuzz-reached: \(fuzzTargetName) \(reachedCount)\n")
    }
    return 0
}

/// AddressSanitizer's defaults for these targets: a small quarantine, so that the process stays
/// under libFuzzer's `-rss_limit_mb=256` (the default quarantine alone is 256 MiB). Returns a
/// static string: ASan calls this before the Swift runtime is set up.
@_cdecl("__asan_default_options")
public func asanDefaultOptions() -> UnsafePointer<CChar>? {
    let options: StaticString = "quarantine_size_mb=16:malloc_context_size=8:detect_leaks=0"
    return UnsafeRawPointer(options.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Stops the run with a message when a decoded value does not survive encode → decode: libFuzzer
/// keeps the input that did it as a crash file.
func roundTripCheck(_ holds: Bool, _ what: @autoclosure () -> String) {
    if !holds {
        writeError("round trip broken: \(what())\n")
        abort()
    }
}

/// The next `count` bytes of a fuzz input used as control data (split points, choices), and the rest.
struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return position < bytes.count ? Array(bytes[position...]) : []
    }

    /// Cuts `data` into chunks whose sizes come from the control bytes (1...64 each), the way a
    /// stream socket may deliver it.
    static func chunks(of data: [UInt8], sizes: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var offset = 0, index = 0
        while offset < data.count {
            let size = sizes.isEmpty ? data.count : Int(sizes[index % sizes.count] % 64) + 1
            index += 1
            let end = min(data.count, offset + size)
            out.append(data[offset..<end])
            offset = end
        }
        return out
    }
}

private func writeError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
