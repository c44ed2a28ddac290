/// The kernel's rule for a network interface's name (dev_valid_name in net/core/dev.c): 1 to
/// IFNAMSIZ-1 = 15 bytes, not "." or "..", no '/', ':' is allowed, no NUL and no whitespace. A name
/// that passes can be put in a path under a run directory and in an IFLA_IFNAME attribute safely.
public enum InterfaceName {
    /// Why `name` cannot name an interface, or nil when it can.
    public static func problem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "is empty" }
        if bytes.count > 15 { return "is \(bytes.count) bytes long; an interface name has at most 15" }
        if name == "." || name == ".." { return "is not a possible interface name" }
        let whitespace: [UInt8] = [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]
        if bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0 || whitespace.contains($0) }) {
            return "contains '/', NUL or whitespace, which an interface name cannot"
        }
        return nil
    }
}
