import Glibc
import SystemSupport

/// The pid file, `/var/run/teamd/DEV.pid`, with libdaemon's discipline (the C teamd's): the daemon
/// creates it exclusively, holds a write lock on it for its whole life and writes its pid into it. A
/// file nobody locks is stale, whatever pid it names, unless that pid is alive and a teamd for the same
/// team (one that predates the lock). So two teamds started together end with one running and its pid
/// in the file, the loser never touches the winner's file, and `-k` never signals a process that is not
/// this team's teamd.
///
/// The lock is an open-file-description lock (`F_OFD_SETLK`): it conflicts with libdaemon's classic
/// `fcntl` lock, so a C teamd's file counts as held too.
final class PidFile {
    /// What a pid file says about the daemon for a device.
    enum Status: Equatable {
        /// A teamd for the team runs with this pid.
        case running(pid_t)
        /// No file, or a stale one (nobody holds it, and its pid is gone or is not this team's teamd).
        case notRunning
    }

    /// Who a process is, from /proc: enough to say whether it is a teamd for a given team.
    struct ProcessIdentity: Equatable {
        var comm: String
        var arguments: [String]
    }

    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Creates (or takes over a stale) pid file, locks it and writes this process's pid; the lock is held
    /// until `release`. Fails with `.running(pid)` when a teamd for the team holds it.
    static func acquire(_ path: String, device: String,
                        identify: (pid_t) -> ProcessIdentity? = PidFile.identify) -> Result<PidFile, AcquireError> {
        for _ in 0..<8 {
            var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 && errno == EEXIST { fd = open(path, O_RDWR | O_CLOEXEC) }
            if fd < 0 {
                if errno == ENOENT { continue }  // the holder removed it between our two opens
                return .failure(.system(errno))
            }
            guard lock(fd) else {
                let pid = holder(fd: fd) ?? 0
                close(fd)
                return .failure(.running(pid))
            }
            // Locked, but the path may name another file now: a holder unlinks its file before it
            // lets go of the lock, and a third teamd may have made a new one meanwhile.
            guard sameFile(fd, path) else { close(fd); continue }
            if let pid = contents(fd), pid != getpid(), identify(pid).map({ isTeamd($0, device: device) }) == true {
                close(fd)
                return .failure(.running(pid))
            }
            let text = Array("\(getpid())\n".utf8)
            guard ftruncate(fd, 0) == 0, pwrite(fd, text, text.count, 0) == text.count else {
                let error = errno
                close(fd)
                return .failure(.system(error))
            }
            return .success(PidFile(path: path, descriptor: fd))
        }
        return .failure(.system(EAGAIN))
    }

    enum AcquireError: Error, Equatable {
        case running(pid_t)
        case system(Int32)
    }

    /// Removes the file and lets go of the lock, in that order: whoever locks the file after us finds it
    /// unlinked and starts over.
    func release() {
        guard descriptor >= 0 else { return }
        if Self.sameFile(descriptor, path) { unlink(path) }
        close(descriptor)
        descriptor = -1
    }

    /// Whether a teamd for `device` runs according to the file at `path` (`-e`, `-k`, the check before
    /// forking).
    static func status(_ path: String, device: String,
                       identify: (pid_t) -> ProcessIdentity? = PidFile.identify) -> Status {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .notRunning }
        defer { close(fd) }
        let filePID = contents(fd)
        return decide(lockHolder: lockState(fd), filePID: filePID, device: device, identify: identify)
    }

    /// Who holds a file's lock: nil when nobody does; `.some(nil)` when somebody does whose pid the lock
    /// does not say (an open-file-description lock).
    typealias LockHolder = pid_t?

    /// The pure part of `status`: a locked file names its holder (the lock's pid, else the file's); an
    /// unlocked file's pid counts only if it is alive and a teamd for the device.
    static func decide(lockHolder: LockHolder?, filePID: pid_t?, device: String,
                       identify: (pid_t) -> ProcessIdentity?) -> Status {
        if let holder = lockHolder {
            if let pid = holder ?? filePID { return .running(pid) }
            return .notRunning
        }
        guard let pid = filePID, let identity = identify(pid), isTeamd(identity, device: device) else { return .notRunning }
        return .running(pid)
    }

    /// Whether a process is a teamd for `device`: its name (comm, or its argv[0]'s last part) starts with
    /// "teamd", and its command line names the device with `-t`/`--team-dev`, or names none (the device
    /// came from its config, which is not checked).
    static func isTeamd(_ identity: ProcessIdentity, device: String) -> Bool {
        let argv0 = identity.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        guard identity.comm.hasPrefix("teamd") || argv0.hasPrefix("teamd") else { return false }
        var named: [String] = []
        var arguments = identity.arguments.dropFirst()[...]
        while let argument = arguments.popFirst() {
            if argument == "-t" || argument == "--team-dev" {
                if let value = arguments.popFirst() { named.append(value) }
            } else if argument.hasPrefix("--team-dev=") {
                named.append(String(argument.dropFirst("--team-dev=".count)))
            } else if argument.hasPrefix("-t"), !argument.hasPrefix("--") {
                named.append(String(argument.dropFirst(2)))
            }
        }
        return named.isEmpty || named.contains(device)
    }

    /// A process's comm and command line from /proc; nil when it does not exist.
    static func identify(_ pid: pid_t) -> ProcessIdentity? {
        guard pid > 0, let comm = try? FileDescriptor.readFile("/proc/\(pid)/comm", limit: 64) else { return nil }
        let cmdline = (try? FileDescriptor.readFile("/proc/\(pid)/cmdline", limit: 1 << 16)) ?? []
        let arguments = cmdline.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        return ProcessIdentity(comm: String(decoding: comm, as: UTF8.self).trimmingCharacters(in: "\n"),
                               arguments: arguments.last == "" ? Array(arguments.dropLast()) : arguments)
    }

    // MARK: descriptor-level helpers

    /// F_OFD_SETLK (Linux 3.15; fcntl.h defines it only under _GNU_SOURCE, which Swift's Glibc lacks).
    private static let setOFDLock: Int32 = 37

    private static func lockRecord(_ type: Int32) -> flock {
        var record = flock()
        record.l_type = Int16(type)
        record.l_whence = Int16(SEEK_SET)
        record.l_start = 0
        record.l_len = 0
        return record
    }

    /// Takes the write lock without waiting.
    private static func lock(_ fd: Int32) -> Bool {
        var record = lockRecord(F_WRLCK)
        return fcntl(fd, Self.setOFDLock, &record) == 0
    }

    /// Who holds the lock (see `LockHolder`); nil when nobody does.
    private static func lockState(_ fd: Int32) -> LockHolder? {
        var record = lockRecord(F_WRLCK)
        guard fcntl(fd, F_GETLK, &record) == 0, record.l_type != Int16(F_UNLCK) else { return nil }
        return .some(record.l_pid > 0 ? record.l_pid : nil)
    }

    private static func holder(fd: Int32) -> pid_t? {
        if case .some(.some(let pid)) = lockState(fd) { return pid }
        return contents(fd)
    }

    private static func contents(_ fd: Int32) -> pid_t? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: " \n")
        guard let pid = pid_t(text), pid > 0 else { return nil }
        return pid
    }

    private static func sameFile(_ fd: Int32, _ path: String) -> Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }
}
