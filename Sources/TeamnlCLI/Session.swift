import Glibc
import NetlinkCodec
import TeamKit
import TeamWire

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

    /// team_ifname2ifindex, which treats every failure as "not found".
    static func lookUpIndex(_ route: RouteClient, _ name: String) -> UInt32? {
        guard let link = try? route.link(named: name) else { return nil }
        return link.index
    }

    /// team_alloc and team_init on the invocation's team, then the `-p` and `-a` it names; each failure
    /// printed as libteam and teamnl print it.
    static func open(_ invocation: Teamnl.Invocation, console: TeamnlConsole) throws -> Session {
        let route = try RouteClient()
        guard let teamIndex = lookUpIndex(route, invocation.teamName) else {
            console.err("Netdevice \"\(invocation.teamName)\" not found.\n")
            throw CommandFailure(errno: ENODEV)
        }
        let team: TeamDevice
        do {
            team = try TeamDevice(teamIndex: teamIndex, listening: invocation.command == "monitor")
        } catch let error as NetlinkError {
            console.err(initFailureLines(error.operation))
            throw CommandFailure(error)
        }
        let session = Session(route: route, team: team)
        for link in try route.dumpLinks() { session.linkNames[link.index] = link.name }
        if let portName = invocation.portName { try session.selectPort(portName, console: console) }
        if let text = invocation.arrayIndex { try session.selectArrayIndex(text, console: console) }
        return session
    }

    /// libteam's own log lines for the team_init step that failed, then teamnl's.
    static func initFailureLines(_ operation: String) -> String {
        var lines = ""
        if operation.hasPrefix("resolve family") {
            lines += "libteam: team_init: Failed to resolve netlink family.\n"
        } else if operation.hasPrefix("PORT_LIST_GET") {
            lines += "libteam: port_list_init: Failed to get port list.\n"
            lines += "libteam: team_init: Failed to init port list.\n"
        } else if operation.hasPrefix("OPTIONS_GET") {
            lines += "libteam: option_list_init: Failed to get options.\n"
            lines += "libteam: team_init: Failed to init option list.\n"
        }
        return lines + "Team init failed.\n"
    }

    private func selectPort(_ name: String, console: TeamnlConsole) throws {
        guard let index = Self.lookUpIndex(route, name) else {
            console.err("Netdevice \"\(name)\" not found.\n")
            throw CommandFailure(errno: ENODEV)
        }
        guard team.ports().contains(where: { $0.index == index }) else {
            console.err("Netdevice \"\(name)\" is not port of this team.\n")
            throw CommandFailure(errno: ENODEV)
        }
        portIndex = index
    }

    private func selectArrayIndex(_ text: String, console: TeamnlConsole) throws {
        do {
            guard case .u32(let index) = try TeamText.parseValue(text, as: .u32) else { throw CommandFailure(errno: EINVAL) }
            arrayIndex = index
        } catch let error as TeamValueError where error.errno == ERANGE {
            console.err("Array index too big.\n")
            throw CommandFailure(errno: ERANGE)
        } catch {
            console.err("Failed to parse array index.\n")
            throw CommandFailure(errno: EINVAL)
        }
    }
}

/// ports, options, getoption and setoption.
struct Commands {
    let session: Session
    let console: TeamnlConsole

    func ports() {
        for port in session.ports { console.out(Self.listed(session.portLine(port))) }
    }

    func options() {
        for option in session.options { console.out(Self.listed(session.optionLine(option))) }
    }

    /// A line of `ports` or `options`: cut to libteam's buffer, with " <trunc>" when cut.
    static func listed(_ line: String) -> String {
        let (text, truncated) = TeamText.fitted(line)
        return "\(text) \(truncated ? "<trunc>" : "")\n"
    }

    func getOption(_ invocation: Teamnl.Invocation) throws {
        let option = try find(invocation)
        console.out(TeamText.value(option.value) + "\n")
    }

    func setOption(_ invocation: Teamnl.Invocation) throws {
        guard invocation.arguments.count != 1 else {
            console.err("\(invocation.commandName): Option value as a command line parameter expected.\n")
            throw CommandFailure(errno: EINVAL)
        }
        let option = try find(invocation)
        guard let type = option.value.type else { throw CommandFailure(errno: EINVAL) }
        let value = try TeamText.parseValue(invocation.arguments[1], as: type)
        try session.team.setOption(option.id, to: value)
    }

    private func find(_ invocation: Teamnl.Invocation) throws -> TeamOption {
        guard let name = invocation.arguments.first else {
            console.err("\(invocation.commandName): Option name as a command line parameter expected.\n")
            throw CommandFailure(errno: EINVAL)
        }
        guard let option = session.findOption(name) else { throw CommandFailure(errno: ENOENT) }
        return option
    }
}
