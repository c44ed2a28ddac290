import Glibc
import SystemSupport

/// Drops the mappings of teamd's own code pages once it has started, so that its resident set holds
/// the code it runs from then on, not the code that ran once (config parsing, device set-up) nor the
/// neighbours the kernel's fault-around mapped with it (64 KiB around every page touched: two thirds
/// of teamd's VmRSS, measured with bench/text-pages).
///
/// Only the executable's read-only, never-written code mappings (`r-xp`) are touched: their pages are
/// the file's own and stay in the page cache, so code needed later comes back with a minor fault, no
/// I/O. `MADV_RANDOM` first, so that such a fault maps the one page instead of its 64 KiB
/// neighbourhood again (kernels that ignore it for fault-around only trim less). Failure of either
/// call changes nothing but the figure, so it is not reported.
enum StartupCodeTrim {
    static func apply() {
        guard let maps = try? FileDescriptor.readFile("/proc/self/maps"), let exe = executablePath() else { return }
        for line in maps.split(separator: UInt8(ascii: "\n")) {
            // "start-end perms offset dev inode   path"
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            guard fields.count >= 6, Array(fields[1]) == Array("r-xp".utf8),
                  Array(fields[5...].joined(separator: [UInt8(ascii: " ")])) == exe else { continue }
            let range = fields[0].split(separator: UInt8(ascii: "-"))
            guard range.count == 2, let start = UInt(hex: range[0]), let end = UInt(hex: range[1]), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), MADV_RANDOM)
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
    }

    private static func executablePath() -> [UInt8]? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return buffer[0..<count].map { UInt8(bitPattern: $0) }
    }
}

private extension UInt {
    init?(hex: some Collection<UInt8>) {
        var value: UInt = 0
        guard !hex.isEmpty, hex.count <= 16 else { return nil }
        for byte in hex {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt(digit)
        }
        self = value
    }
}
