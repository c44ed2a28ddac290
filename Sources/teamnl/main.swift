// teamnl: the team device netlink tool, compatible with libteam's utils/teamnl.c in
// its command line, output and errors.

import Glibc
import NetlinkCodec
import SystemSupport
import TeamKit
import TeamWire
import Packets

/// Standard output is buffered until `flushOut()` and standard error is not, as stdio
/// does for a C program writing to a pipe or file.
nonisolated(unsafe) var outBuffer: [UInt8] = []
func out(_ text: String) { outBuffer.append(contentsOf: text.utf8) }
func err(_ text: String) { try? FileDescriptor.standardError.writeAll(text.utf8) }
func flushOut() {
    try? FileDescriptor.standardOutput.writeAll(outBuffer)
    outBuffer.removeAll(keepingCapacity: true)
}

let programName = CommandLine.arguments.first ?? "teamnl"

struct CommandType {
    let name: String
    let parameters: [String]
}

let commandTypes = [
    CommandType(name: "ports", parameters: []),
    CommandType(name: "options", parameters: []),
    CommandType(name: "getoption", parameters: ["OPT_NAME"]),
    CommandType(name: "setoption", parameters: ["OPT_NAME", "OPT_VALUE"]),
    CommandType(name: "monitor", parameters: ["OPT_STYLE"]),
]

func printHelp() {
    out("""
        \(programName) [options] teamdevname command [command args]
        \t-h --help                Show this help
        \t-p --port_name           team slave port name
        \t-a --array_index         team option array index
        Commands:

        """)
    for command in commandTypes {
        out("\t" + ([command.name] + command.parameters).joined(separator: " ") + "\n")
    }
}

/// A failure carrying the errno that C teamnl would report as "Command failed: ...".
struct CommandFailure: Error {
    let errno: Int32
}

/// libteam passes kernel errors through libnl and back (nl_syserr2nlerr, then
/// nl2syserr), which folds some errnos into others; we fold them the same way so that
/// "Command failed: ..." reads the same.
func libteamErrno(_ kernelErrno: Int32) -> Int32 {
    switch kernelErrno {
    case EBADF, ENOTSOCK: return ENOTSOCK
    case EADDRINUSE, EEXIST: return EEXIST
    case EADDRNOTAVAIL: return EADDRNOTAVAIL
    case ESRCH, ENOENT: return ENOENT
    case EINTR, EAGAIN, EACCES, EAFNOSUPPORT, EPROTONOSUPPORT, EOPNOTSUPP, EPERM, EBUSY, ERANGE, ENODEV, EINVAL, ENOMEM:
        return kernelErrno
    case ENOBUFS: return ENOMEM
    default: return EINVAL
    }
}

func failure(from error: any Error) -> CommandFailure {
    if let failure = error as? CommandFailure { return failure }
    if let netlink = error as? NetlinkError {
        switch netlink.code {
        case .kernel(let errno): return CommandFailure(errno: libteamErrno(errno))
        case .system(let errno): return CommandFailure(errno: errno)
        default: return CommandFailure(errno: netlink.errno ?? EINVAL)
        }
    }
    if let value = error as? TeamValueError { return CommandFailure(errno: value.errno) }
    return CommandFailure(errno: EINVAL)
}

/// What libteam knows once team_init has run: ports, options and link names.
final class Session {
    let route: RouteClient
    let team: TeamDevice
    var linkNames: [UInt32: String] = [:]
    var portIndex: UInt32?
    var arrayIndex: UInt32?

    init(route: RouteClient, team: TeamDevice) {
        self.route = route
        self.team = team
    }

    /// libteam lists in reverse order of first sight (it prepends to its lists).
    var ports: [TeamPortStatus] { team.ports().reversed() }
    var options: [TeamOption] { team.options().reversed() }

    func portName(_ index: UInt32) -> String? {
        guard team.ports().contains(where: { $0.index == index }) else { return nil }
        return linkNames[index] ?? ""
    }

    func portLine(_ port: TeamPortStatus) -> String {
        TeamText.port(port, name: linkNames[port.index] ?? "")
    }

    func optionLine(_ option: TeamOption) -> String {
        TeamText.option(option, portName: option.portIndex.flatMap { portName($0) })
    }

    /// teamnl's __find_option: the instance with exactly the given port and array index.
    func findOption(_ name: String) -> TeamOption? {
        team.option(TeamOptionID(name: name, portIndex: portIndex, arrayIndex: arrayIndex))
    }
}

func lookUpIndex(_ route: RouteClient, _ name: String) -> UInt32? {
    // team_ifname2ifindex treats every failure as "not found".
    guard let link = try? route.link(named: name) else { return nil }
    return link.index
}

func openSession(teamName: String, portName: String?, arrayIndexText: String?, listening: Bool) throws -> Session {
    let route = try RouteClient()
    guard let teamIndex = lookUpIndex(route, teamName) else {
        err("Netdevice \"\(teamName)\" not found.\n")
        throw CommandFailure(errno: ENODEV)
    }
    let team: TeamDevice
    do {
        team = try TeamDevice(teamIndex: teamIndex, listening: listening)
    } catch let error as NetlinkError {
        // libteam's own log lines for the step that failed, then teamnl's.
        if error.operation.hasPrefix("resolve family") {
            err("libteam: team_init: Failed to resolve netlink family.\n")
        } else if error.operation.hasPrefix("PORT_LIST_GET") {
            err("libteam: port_list_init: Failed to get port list.\n")
            err("libteam: team_init: Failed to init port list.\n")
        } else if error.operation.hasPrefix("OPTIONS_GET") {
            err("libteam: option_list_init: Failed to get options.\n")
            err("libteam: team_init: Failed to init option list.\n")
        }
        err("Team init failed.\n")
        throw failure(from: error)
    }
    let session = Session(route: route, team: team)
    for link in try route.dumpLinks() { session.linkNames[link.index] = link.name }

    if let portName {
        guard let index = lookUpIndex(route, portName) else {
            err("Netdevice \"\(portName)\" not found.\n")
            throw CommandFailure(errno: ENODEV)
        }
        guard team.ports().contains(where: { $0.index == index }) else {
            err("Netdevice \"\(portName)\" is not port of this team.\n")
            throw CommandFailure(errno: ENODEV)
        }
        session.portIndex = index
    }
    if let arrayIndexText {
        do {
            guard case .u32(let index) = try TeamText.parseValue(arrayIndexText, as: .u32) else { throw CommandFailure(errno: EINVAL) }
            session.arrayIndex = index
        } catch let error as TeamValueError where error.errno == ERANGE {
            err("Array index too big.\n")
            throw CommandFailure(errno: ERANGE)
        } catch {
            err("Failed to parse array index.\n")
            throw CommandFailure(errno: EINVAL)
        }
    }
    return session
}

func runPorts(_ session: Session) {
    for port in session.ports {
        let (text, truncated) = TeamText.fitted(session.portLine(port))
        out("\(text) \(truncated ? "<trunc>" : "")\n")
    }
}

func runOptions(_ session: Session) {
    for option in session.options {
        let (text, truncated) = TeamText.fitted(session.optionLine(option))
        out("\(text) \(truncated ? "<trunc>" : "")\n")
    }
}

func runGetOption(_ session: Session, commandName: String, arguments: [String]) throws {
    guard let name = arguments.first else {
        err("\(commandName): Option name as a command line parameter expected.\n")
        throw CommandFailure(errno: EINVAL)
    }
    guard let option = session.findOption(name) else { throw CommandFailure(errno: ENOENT) }
    out(TeamText.value(option.value) + "\n")
}

func runSetOption(_ session: Session, commandName: String, arguments: [String]) throws {
    guard let name = arguments.first else {
        err("\(commandName): Option name as a command line parameter expected.\n")
        throw CommandFailure(errno: EINVAL)
    }
    guard arguments.count >= 2 else {
        err("\(commandName): Option value as a command line parameter expected.\n")
        throw CommandFailure(errno: EINVAL)
    }
    guard let option = session.findOption(name) else { throw CommandFailure(errno: ENOENT) }
    guard let type = option.value.type else { throw CommandFailure(errno: EINVAL) }
    let value = try TeamText.parseValue(arguments[1], as: type)
    try session.team.setOption(option.id, to: value)
}

// MARK: Monitor

/// Set by SIGINT/SIGQUIT through a self-pipe, as C teamnl's signalfd is not reachable
/// from Swift's Glibc module.
nonisolated(unsafe) var signalPipe: (read: Int32, write: Int32) = (-1, -1)

func runMonitor(_ session: Session, arguments: [String]) throws {
    var showAll = false
    if let style = arguments.first {
        if "all".hasPrefix(style) {
            showAll = true
        } else if !"changed".hasPrefix(style) {
            err("Unknown monitor style \"\(style)\"\n")
            throw CommandFailure(errno: EINVAL)
        }
    }
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw CommandFailure(errno: errno) }
    signalPipe = (fds[0], fds[1])
    let handler: @convention(c) (Int32) -> Void = { _ in
        var byte: UInt8 = 1
        _ = Glibc.write(signalPipe.write, &byte, 1)
    }
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    sigemptyset(&action.sa_mask)
    sigaction(SIGINT, &action, nil)
    sigaction(SIGQUIT, &action, nil)

    let links = try LinkEventSocket()
    let monitor = Monitor(session: session, showAll: showAll)
    try monitor.loadInterfaces()
    while true {
        var entries = [pollfd(fd: signalPipe.read, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: links.pollDescriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: session.team.eventDescriptor, events: Int16(POLLIN), revents: 0)]
        do throws(Errno) {
            _ = try Poll.wait(&entries, until: nil)
        } catch {
            err("Select failed\n")
            throw CommandFailure(errno: error.rawValue)
        }
        if entries[0].revents != 0 { return }
        // The link socket first, as libteam does: a port's master change is then known
        // before the team's own events about it.
        if entries[1].revents != 0 {
            for event in try links.drainEvents() { try monitor.handle(event) }
        }
        if entries[2].revents != 0 {
            for event in try session.team.drainEvents() { monitor.handle(event) }
        }
        flushOut()
    }
}

/// libteam's ifinfo list as teamnl monitor prints it.
struct InterfaceInfo {
    var index: UInt32
    var name = ""
    var address: EthernetAddress?
    var master: UInt32 = 0
    var adminUp = false
    var nameChanged = false
    var addressChanged = false
    var masterChanged = false
    var adminChanged = false
    var removed = false
    var changed: Bool { nameChanged || addressChanged || masterChanged || adminChanged || removed }

    mutating func clearChanged() {
        nameChanged = false; addressChanged = false; masterChanged = false; adminChanged = false; removed = false
    }

    mutating func update(_ link: Link) {
        if link.name != name { name = link.name; nameChanged = true }
        if link.master != master { master = link.master; masterChanged = true }
        if let new = link.address, new != address { address = new; addressChanged = true }
        if link.isUp != adminUp { adminUp = link.isUp; adminChanged = true }
    }

    var line: String {
        "\(changed ? "*" : " ")\(Int32(bitPattern: index)): \(nameChanged ? "*" : "")\(name): "
            + "\(addressChanged ? "*" : "")\(address?.description ?? ""): \(masterChanged ? "*" : "")\(master)"
    }
}

final class Monitor {
    let session: Session
    let showAll: Bool
    /// Newest first, as libteam prepends.
    var interfaces: [InterfaceInfo] = []

    init(session: Session, showAll: Bool) {
        self.session = session
        self.showAll = showAll
    }

    func show(_ changed: Bool) -> Bool { showAll || changed }

    func loadInterfaces() throws {
        for link in try session.route.dumpLinks() {
            var info = InterfaceInfo(index: link.index)
            info.update(link)
            info.clearChanged()
            interfaces.insert(info, at: 0)
        }
    }

    /// Interfaces libteam links to objects: the team and its ports.
    func isLinked(_ index: UInt32) -> Bool {
        index == session.team.teamIndex || session.team.ports().contains { $0.index == index }
    }

    func handle(_ event: TeamEvent) {
        switch event {
        case .portsChanged:
            printPorts()
        case .optionsChanged:
            printOptions()
        case .resynced:
            printPorts()
            printOptions()
        }
    }

    func printPorts() {
        let ports = session.ports.filter { show($0.isChanged) }
        guard !ports.isEmpty else { return }
        out("ports:\n")
        for port in ports {
            let (text, truncated) = TeamText.fitted(session.portLine(port))
            out("  \(text) \(truncated ? "..." : "")\n")
        }
    }

    func printOptions() {
        let options = session.options.filter { show($0.isChanged) }
        guard !options.isEmpty else { return }
        out("options:\n")
        for option in options {
            let (text, truncated) = TeamText.fitted(session.optionLine(option))
            out("  \(text)\(truncated ? "..." : "")\(option.isChanged ? " changed" : "")\n")
        }
    }

    func handle(_ event: LinkEvent) throws {
        interfaces.removeAll { $0.removed }
        var anyChanged = false
        switch event {
        case .changed(let reported):
            // libteam asks the kernel again rather than trusting the event.
            guard let link = try? session.route.link(index: reported.index) else { return }
            let position = interfaces.firstIndex { $0.index == link.index } ?? {
                interfaces.insert(InterfaceInfo(index: link.index), at: 0)
                return 0
            }()
            interfaces[position].clearChanged()
            interfaces[position].update(link)
            anyChanged = interfaces[position].changed
            session.linkNames[link.index] = link.name
        case .removed(let link):
            if (try? session.route.link(index: link.index)) != nil { return }
            let position = interfaces.firstIndex { $0.index == link.index } ?? {
                interfaces.insert(InterfaceInfo(index: link.index), at: 0)
                return 0
            }()
            interfaces[position].clearChanged()
            interfaces[position].removed = true
            anyChanged = true
        case .overrun:
            for link in try session.route.dumpLinks() {
                if let position = interfaces.firstIndex(where: { $0.index == link.index }) {
                    interfaces[position].update(link)
                } else {
                    var info = InterfaceInfo(index: link.index)
                    info.update(link)
                    interfaces.insert(info, at: 0)
                }
                anyChanged = true
            }
        }
        if anyChanged {
            let shown = interfaces.filter { isLinked($0.index) && show($0.changed) }
            if !shown.isEmpty {
                out("ifinfos:\n")
                for info in shown {
                    let (text, truncated) = TeamText.fitted(info.line)
                    out("  \(text) \(truncated ? "..." : "")\n")
                }
            }
        }
        for i in interfaces.indices where !interfaces[i].removed { interfaces[i].clearChanged() }
    }
}

// MARK: Main

func main() -> Int32 {
    let invocation: Invocation
    do {
        invocation = try CommandLineParser.parse(Array(CommandLine.arguments.dropFirst()), programName: programName)
    } catch {
        if case .unknownOption(let message) = error { err(message) }
        err("unknown option.\n")
        printHelp()
        return EXIT_FAILURE
    }
    if invocation.showHelp {
        printHelp()
        return EXIT_SUCCESS
    }
    guard let teamName = invocation.operands.first else {
        err("No team device specified.\n")
        out("\n")
        printHelp()
        return EXIT_FAILURE
    }
    guard invocation.operands.count >= 2 else {
        err("No command specified.\n")
        out("\n")
        printHelp()
        return EXIT_FAILURE
    }
    let commandName = invocation.operands[1]
    let arguments = Array(invocation.operands.dropFirst(2))
    guard let command = commandTypes.first(where: { $0.name.hasPrefix(commandName) }) else {
        err("Unknown command \"\(commandName)\".\n")
        out("\n")
        printHelp()
        return EXIT_FAILURE
    }
    do {
        let session = try openSession(teamName: teamName, portName: invocation.portName,
                                      arrayIndexText: invocation.arrayIndex, listening: command.name == "monitor")
        switch command.name {
        case "ports": runPorts(session)
        case "options": runOptions(session)
        case "getoption": try runGetOption(session, commandName: commandName, arguments: arguments)
        case "setoption": try runSetOption(session, commandName: commandName, arguments: arguments)
        default: try runMonitor(session, arguments: arguments)
        }
    } catch {
        let failure = failure(from: error)
        err("Command failed: \(String(cString: strerror(failure.errno)))\n")
        return EXIT_FAILURE
    }
    return EXIT_SUCCESS
}

let status = main()
flushOut()
exit(status)
