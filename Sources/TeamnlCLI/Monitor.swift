import Glibc
import Packets
import SystemSupport
import TeamKit
import TeamWire

/// Set by SIGINT/SIGQUIT through a self-pipe, as C teamnl's signalfd is not reachable
/// from Swift's Glibc module. A global because a C signal handler takes no context; set once, before
/// the handlers are installed.
nonisolated(unsafe) private var signalPipe: (read: Int32, write: Int32) = (-1, -1)

extension Monitor {
    /// `monitor [all|changed]`: prints what changes until SIGINT or SIGQUIT.
    static func run(_ session: Session, arguments: [String], console: TeamnlConsole) throws {
        var showAll = false
        if let style = arguments.first {
            if "all".hasPrefix(style) {
                showAll = true
            } else if !"changed".hasPrefix(style) {
                console.err("Unknown monitor style \"\(style)\"\n")
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
        let monitor = Monitor(session: session, showAll: showAll, console: console)
        try monitor.loadInterfaces()
        while true {
            var entries = [pollfd(fd: signalPipe.read, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: links.pollDescriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: session.team.eventDescriptor, events: Int16(POLLIN), revents: 0)]
            do throws(Errno) {
                _ = try Poll.wait(&entries, until: nil)
            } catch {
                console.err("Select failed\n")
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
            console.flush()
        }
    }
}

/// libteam's ifinfo list as teamnl monitor prints it.
struct MonitoredInterface {
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
    var interfaces: [MonitoredInterface] = []

    let console: TeamnlConsole

    init(session: Session, showAll: Bool, console: TeamnlConsole) {
        self.session = session
        self.showAll = showAll
        self.console = console
    }

    func show(_ changed: Bool) -> Bool { showAll || changed }

    func loadInterfaces() throws {
        for link in try session.route.dumpLinks() {
            var info = MonitoredInterface(index: link.index)
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
        console.out("ports:\n")
        for port in ports {
            let (text, truncated) = TeamText.fitted(session.portLine(port))
            console.out("  \(text) \(truncated ? "..." : "")\n")
        }
    }

    func printOptions() {
        let options = session.options.filter { show($0.isChanged) }
        guard !options.isEmpty else { return }
        console.out("options:\n")
        for option in options {
            let (text, truncated) = TeamText.fitted(session.optionLine(option))
            console.out("  \(text)\(truncated ? "..." : "")\(option.isChanged ? " changed" : "")\n")
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
                interfaces.insert(MonitoredInterface(index: link.index), at: 0)
                return 0
            }()
            interfaces[position].clearChanged()
            interfaces[position].update(link)
            anyChanged = interfaces[position].changed
            session.linkNames[link.index] = link.name
        case .removed(let link):
            if (try? session.route.link(index: link.index)) != nil { return }
            let position = interfaces.firstIndex { $0.index == link.index } ?? {
                interfaces.insert(MonitoredInterface(index: link.index), at: 0)
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
                    var info = MonitoredInterface(index: link.index)
                    info.update(link)
                    interfaces.insert(info, at: 0)
                }
                anyChanged = true
            }
        }
        if anyChanged {
            let shown = interfaces.filter { isLinked($0.index) && show($0.changed) }
            if !shown.isEmpty {
                console.out("ifinfos:\n")
                for info in shown {
                    let (text, truncated) = TeamText.fitted(info.line)
                    console.out("  \(text) \(truncated ? "..." : "")\n")
                }
            }
        }
        for i in interfaces.indices where !interfaces[i].removed { interfaces[i].clearChanged() }
    }
}

