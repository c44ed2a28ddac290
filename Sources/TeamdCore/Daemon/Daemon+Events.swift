import TeamKit
import TeamWire
import Packets

/// Kernel events, frames and timers, turned into engine events; the actions go to the executor.
extension Daemon {
    /// The descriptors to poll for reading.
    public var descriptors: [Int32] {
        [team.eventDescriptor, linkEvents.pollDescriptor] + registry.sockets.descriptors
    }

    /// What is queued on `fd`, up to `eventReadsPerTurn` datagrams, is handled as one batch: the events
    /// first, the kernel writes they ask for after, coalesced (see `ActionExecutor.batch`). Each event's
    /// failure is its own: it is logged and the rest of the batch is still handled (the kernel's view in
    /// TeamDevice's cache has moved on with the whole batch already). The bound lets control requests
    /// and frames take their turn during an event storm; the rest waits for the next turn.
    public func handleReadable(_ fd: Int32) {
        let start = engine.wallClock()
        executor.batch {
            if fd == team.eventDescriptor {
                do { handleTeamEvents(try team.drainEvents(maxReads: Self.eventReadsPerTurn)) } catch {
                    log.error("team events: \(error)")
                }
            } else if fd == linkEvents.pollDescriptor {
                do { handleLinkEvents(try linkEvents.drainEvents(maxReads: Self.eventReadsPerTurn)) } catch {
                    log.error("link events: \(error)")
                }
            } else if let owner = registry.sockets.owner(of: fd) {
                receiveFrames(from: owner.socket, index: owner.port, watcher: owner.watcher)
            }
        }
        noteChanges(since: start)
    }

    /// How many netlink datagrams one loop turn reads from an event socket.
    public static let eventReadsPerTurn = 64

    public func fireDueTimers() {
        for id in executor.dueTimers() {
            isolated("timer \(id)") { try executor.perform(model.engine.timerFired(id)) }
        }
    }

    /// Milliseconds until the next timer, or nil when none is armed.
    public func timeoutMilliseconds() -> Int? { executor.timeoutMilliseconds() }

    /// Runs one step; its failure is logged and stops nothing else. What it changed goes to the event
    /// stream.
    private func isolated(_ what: @autoclosure () -> String, _ body: () throws -> Void) {
        let start = engine.wallClock()
        do { try body() } catch { log.error("\(what()) failed: \(error)") }
        noteChanges(since: start)
    }

    // MARK: Frames

    /// The frames waiting on a port's socket, to the engine (at most a batch: a flood cannot starve the
    /// netlink events).
    private func receiveFrames(from port: any FramePort, index: UInt32, watcher: Int?) {
        for _ in 0..<64 {
            let frame: [UInt8]?
            do { frame = try port.receive() } catch {
                log.debug("port \(index): \(error)")
                return
            }
            guard let frame else { return }
            isolated("frame on port \(index)") {
                try executor.perform(model.engine.frameReceived(port: index, bytes: frame, forWatcher: watcher))
            }
        }
    }

    // MARK: Team events

    func handleTeamEvents(_ events: [TeamEvent]) {
        for event in events {
            switch event {
            case .portsChanged(let statuses):
                for status in statuses { isolated("port \(status.index)") { try portStatusChanged(status) } }
            case .optionsChanged(let options):
                for option in options {
                    isolated("option \(option.id)") { try executor.perform(model.engine.kernelOptionChanged(option)) }
                }
            case .resynced:
                log.info("team events lost, ports and options refetched")
                resyncPorts()
            }
        }
    }

    /// After an overrun of the team's event socket TeamDevice refetched everything: ports the engine has
    /// that are gone are dropped, the others (and new ones) go through as changes.
    private func resyncPorts() {
        let current = Set(team.ports().filter { !$0.isRemoved }.map(\.index))
        for port in engine.ports.ports where !current.contains(port.index) {
            isolated("dropping \(port.name)") { try registry.drop(index: port.index) }
        }
        for status in team.ports() where !status.isRemoved {
            isolated("port \(status.index)") { try portStatusChanged(status) }
        }
        for option in team.options() {
            isolated("option \(option.id)") { try executor.perform(model.engine.kernelOptionChanged(option)) }
        }
    }

    private func portStatusChanged(_ status: TeamPortStatus) throws {
        log.debug("port \(status.index): link \(status.isLinkUp ? "up" : "down") speed \(status.speed) changed \(status.isChanged) removed \(status.isRemoved)")
        if status.isRemoved {
            guard let port = engine.ports[index: status.index] else { return }
            // Released behind our back (`ip link set X nomaster`): forget it.
            log.info("\(port.name): port left the team")
            try registry.drop(index: status.index)
        } else if engine.ports[index: status.index] == nil {
            // Enslaved behind our back (`ip link set X master team0`, NetworkManager), or by us just now.
            try registry.adopt(index: status.index, status: status)
        } else {
            try executor.perform(model.engine.kernelPortChanged(status))
        }
    }

    // MARK: Link events (rtnetlink)

    func handleLinkEvents(_ events: [LinkEvent]) {
        for event in events {
            switch event {
            case .changed(let link):
                isolated("link \(link.name)") { try linkChanged(link) }
            case .removed(let link):
                if link.index == teamIndex {
                    log.warning("team device \(options.deviceName) disappeared, exiting")
                    shouldQuit = true
                }
            case .overrun:
                isolated("link resync") { try resyncLinks() }
            }
        }
    }

    private func linkChanged(_ link: Link) throws {
        guard let address = link.address else { return }
        if link.index == teamIndex {
            if address != engine.teamAddress { try executor.perform(model.engine.teamAddressChanged(to: address)) }
            try executor.perform(model.engine.teamAdminStateChanged(up: link.flags.contains(.up)))
        } else if let port = engine.ports[index: link.index], port.address != address {
            model.engine.portAddressChanged(index: link.index, to: address)
        }
    }

    /// The kernel dropped link events (ENOBUFS): whatever they said is refetched, as libteam does since
    /// commit 046fb6b. Every link is dumped and goes through as a change (the team's MAC and up state,
    /// the ports' MACs), and the team's ports are refetched for their carrier. A team that is gone ends
    /// the daemon.
    private func resyncLinks() throws {
        let links = try route.dumpLinks()
        guard let teamLink = links.first(where: { $0.index == teamIndex }) else {
            log.warning("team device \(options.deviceName) disappeared, exiting")
            shouldQuit = true
            return
        }
        log.info("link events lost, links refetched")
        isolated("link \(teamLink.name)") { try linkChanged(teamLink) }
        for link in links where link.index != teamIndex && engine.ports[index: link.index] != nil {
            isolated("link \(link.name)") { try linkChanged(link) }
        }
        for status in try team.refreshPorts() where !status.isRemoved {
            isolated("port \(status.index)") { try portStatusChanged(status) }
        }
    }
}
