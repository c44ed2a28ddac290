import Glibc
import Packets
import SystemSupport

/// The state directory of `-L DIR`: where a teamd exiting for a warm restart leaves its team file and
/// its ports' last LACPDUs (`TeamSavedState`), and where the next one finds them. The only file I/O of
/// warm restart; the runner sees a `WarmStartPlan` and names the files it is done with.
public struct SavedStateDirectory: Sendable {
    public let path: String
    public let teamName: String

    public init(path: String, teamName: String) {
        self.path = path
        self.teamName = teamName
    }

    /// What a runner hands over at a warm exit: the team file and, per port that had one, its last
    /// LACPDU's 110 bytes.
    public struct Snapshot: Equatable, Sendable {
        public var team: TeamSavedState
        public var lastPDUs: [String: [UInt8]]
        public init(team: TeamSavedState, lastPDUs: [String: [UInt8]]) {
            self.team = team
            self.lastPDUs = lastPDUs
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The file's path: SONiC joins the directory and the name with one '/'.
    func file(_ which: SavedStateFile) -> String {
        let name: String
        switch which {
        case .team: name = teamName
        case .port(let port): name = port
        }
        return path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// `-L`: the directory must exist and be readable, writable and searchable (as SONiC checks).
    public static func check(_ path: String) -> String? {
        access(path, R_OK | W_OK | X_OK) == 0 ? nil : "Can't write to the lacp directory '\(path)': \(Errno.current)"
    }

    /// Writes the snapshot; each file is written whole under a temporary name, then renamed, so that a
    /// reader never sees half a file.
    public func save(_ snapshot: Snapshot) throws(Failure) {
        for (port, bytes) in snapshot.lastPDUs.sorted(by: { $0.key < $1.key }) {
            try write(bytes, to: file(.port(port)))
        }
        try write(snapshot.team.encode(), to: file(.team))
    }

    private func write(_ bytes: [UInt8], to target: String) throws(Failure) {
        let temporary = target + ".partial"
        do throws(Errno) {
            let descriptor = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, permissions: 0o600)
            defer { descriptor.close() }
            try descriptor.writeAll(bytes)
        } catch {
            throw Failure(description: "Can't write \(temporary): \(error)")
        }
        guard rename(temporary, target) == 0 else {
            let why = Errno.current
            unlink(temporary)
            throw Failure(description: "Can't rename \(temporary) to \(target): \(why)")
        }
    }

    /// The plan of a warm start: nil when there is no team file (a cold start). A team file that cannot
    /// be read is an error naming the file and the line; a port file that is missing or not a LACPDU
    /// leaves that port without a saved LACPDU (its log line says why).
    public func load(log: (String) -> Void) throws(Failure) -> WarmStartPlan? {
        let teamFile = file(.team)
        let text: [UInt8]
        do throws(Errno) {
            text = try FileDescriptor.readFile(teamFile, limit: 64 * 1024)
        } catch {
            if error == .noSuchFile { return nil }
            throw Failure(description: "Can't read \(teamFile): \(error)")
        }
        let team: TeamSavedState
        do {
            team = try TeamSavedState(decoding: text)
        } catch {
            throw Failure(description: "\(teamFile): \(error)")
        }
        var ports: [String: WarmStartPlan.Port] = [:]
        for port in team.ports {
            var pdu: LACPDU?
            let portFile = file(.port(port.name))
            do throws(Errno) {
                let bytes = try FileDescriptor.readFile(portFile, limit: 4096)
                do {
                    pdu = try LACPDU(decoding: bytes)
                } catch {
                    log("\(portFile): not a LACPDU (\(error)); \(port.name) starts without it")
                }
            } catch {
                if port.isEnabled { log("\(portFile): \(error); \(port.name) starts without a saved LACPDU") }
            }
            ports[port.name] = WarmStartPlan.Port(isEnabled: port.isEnabled, lastPDU: pdu)
        }
        return WarmStartPlan(isCarrierUp: team.isCarrierUp, ports: ports)
    }

    /// Removes a file the runner is done with; a file already gone is fine.
    public func remove(_ which: SavedStateFile) throws(Failure) {
        let target = file(which)
        guard unlink(target) == 0 || errno == ENOENT else {
            throw Failure(description: "Can't remove \(target): \(Errno.current)")
        }
    }
}
