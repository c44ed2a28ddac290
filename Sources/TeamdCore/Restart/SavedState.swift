import Packets
import TeamWire

/// What a teamd leaves behind for the next one when it exits for a warm restart (SIGUSR1), in the files
/// of SONiC's teamd (sonic-buildimage `src/libteam/patch/0008-libteam-Add-warm_reboot-mode.patch`), so
/// that SONiC's scripts and either teamd read what the other wrote. The state directory (`-L DIR`,
/// SONiC's `/var/warmboot/teamd`) holds:
/// - per team, a file named after the team device: text, one value a line: `1` or `0` (carrier up), the
///   number of ports, then per port its name and `1` or `0` (the port was enabled in the kernel);
/// - per port, a file named after the port: the last LACPDU received on it, raw, the 110 bytes after the
///   Ethernet header (SONiC's `struct lacpdu` as fwrite wrote it).
/// These are pure values; `SavedStateDirectory` reads and writes the files.
public struct TeamSavedState: Equatable, Sendable {
    public struct Port: Equatable, Sendable {
        public var name: String
        public var isEnabled: Bool
        public init(name: String, isEnabled: Bool) {
            self.name = name
            self.isEnabled = isEnabled
        }
    }

    public var isCarrierUp: Bool
    public var ports: [Port]

    public init(isCarrierUp: Bool, ports: [Port]) {
        self.isCarrierUp = isCarrierUp
        self.ports = ports
    }

    public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The team file's text.
    public func encode() -> [UInt8] {
        var text = "\(isCarrierUp ? 1 : 0)\n\(ports.count)\n"
        for port in ports { text += "\(port.name)\n\(port.isEnabled ? 1 : 0)\n" }
        return Array(text.utf8)
    }

    /// Reads the team file. SONiC reads it with fscanf (`%d` and `%16s`), so a flag is any integer, 1
    /// meaning yes; a port name is a whole line of 1 to 15 bytes (an interface name).
    public init(decoding bytes: [UInt8]) throws(FormatError) {
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: " \t\r") }[...]
        while lines.last == "" { lines.removeLast() }
        var number = 0
        func next(_ what: String) throws(FormatError) -> String {
            number += 1
            guard let line = lines.popFirst() else {
                throw FormatError(message: "line \(number): \(what) missing (the file ends early)")
            }
            return line
        }
        func flag(_ what: String) throws(FormatError) -> Bool {
            let line = try next(what)
            guard let value = Int(line) else { throw FormatError(message: "line \(number): \(what) \"\(line)\" is not a number") }
            return value == 1
        }
        isCarrierUp = try flag("carrier_up")
        let countLine = try next("number of ports")
        guard let count = Int(countLine), count >= 0, count <= 1024 else {
            throw FormatError(message: "line \(number): number of ports \"\(countLine)\" is not a count from 0 to 1024")
        }
        ports = []
        for _ in 0..<count {
            let name = try next("port name")
            if let problem = InterfaceName.problem(name) {
                throw FormatError(message: "line \(number): port name \"\(name)\" \(problem)")
            }
            ports.append(Port(name: name, isEnabled: try flag("enabled flag of \(name)")))
        }
        if !lines.isEmpty { throw FormatError(message: "line \(number + 1): more lines than \(count) ports") }
    }
}

/// What a warm start restores (`-w -L DIR`), as the runner gets it: the team file's carrier and ports,
/// with each port's saved LACPDU where its file was there and holds one.
public struct WarmStartPlan: Equatable, Sendable {
    public struct Port: Equatable, Sendable {
        public var isEnabled: Bool
        /// The last LACPDU the port received before the restart.
        public var lastPDU: LACPDU?
        public init(isEnabled: Bool, lastPDU: LACPDU?) {
            self.isEnabled = isEnabled
            self.lastPDU = lastPDU
        }
    }

    public var isCarrierUp: Bool
    /// By port name.
    public var ports: [String: Port]

    public init(isCarrierUp: Bool, ports: [String: Port]) {
        self.isCarrierUp = isCarrierUp
        self.ports = ports
    }
}

/// One saved file, as the runner names it when it is done with it.
public enum SavedStateFile: Hashable, Sendable {
    /// The team file.
    case team
    /// A port's LACPDU file.
    case port(String)
}
