import Logging
import TeamKit
import TeamWire

/// The one place where the engine's actions become kernel writes, frames on the wire and timers. Every
/// write the daemon makes to the team (options, addresses, carrier) goes through `perform`, the start-up
/// writes included.
///
/// While a batch of events is handled (`batch`), actions are held back and written after, coalesced: a
/// port that flaps down and up within one batch costs no option write at all, and a storm of N events
/// costs at most one write per option (the C teamd writes every intermediate state, one netlink round
/// trip each).
final class ActionExecutor {
    let team: any AggregateDevice
    let teamIndex: UInt32
    private let route: RouteClient
    private let sockets: PortSockets
    private let log: Logger
    private let clock: @Sendable () -> Int64
    private(set) var timers = TimerQueue()
    /// Whether the engine still has the port: a failed write for a port that is gone is not an error.
    var hasPort: (UInt32) -> Bool = { _ in true }
    /// The state directory of `-L DIR`, where a warm start's files are removed once used.
    var savedState: SavedStateDirectory?
    /// Actions held back while a batch of events is handled; nil outside a batch.
    private var pending: [TeamAction]?

    init(team: any AggregateDevice, teamIndex: UInt32, route: RouteClient, sockets: PortSockets, log: Logger,
         clock: @escaping @Sendable () -> Int64) {
        self.team = team
        self.teamIndex = teamIndex
        self.route = route
        self.sockets = sockets
        self.log = log
        self.clock = clock
    }

    var now: Int64 { clock() }

    /// Performs `actions` in order, or holds them back inside a batch. Outside a batch the first failure
    /// stops the rest and is thrown.
    func perform(_ actions: [TeamAction]) throws {
        if pending != nil {
            pending!.append(contentsOf: actions)
            return
        }
        for group in Self.grouped(actions) { try execute(group) }
    }

    /// Runs of two or more writes to array options (the transmit hash buckets) become one group, written
    /// in one message; every other action stays alone.
    static func grouped(_ actions: [TeamAction]) -> [[TeamAction]] {
        var groups: [[TeamAction]] = []
        for action in actions {
            if case .setOption(let id, _) = action, id.arrayIndex != nil,
               case .setOption(let last, _)? = groups.last?.last, last.arrayIndex != nil {
                groups[groups.count - 1].append(action)
            } else {
                groups.append([action])
            }
        }
        return groups
    }

    private func execute(_ group: [TeamAction]) throws {
        guard group.count > 1 else { return try execute(group[0]) }
        let options = group.compactMap { action -> TeamOption? in
            guard case .setOption(let id, let value) = action, !kernelHas(id, value) else { return nil }
            return TeamOption(id: id, value: value)
        }
        if !options.isEmpty { try team.setOptions(options) }
    }

    /// Whether the kernel's option already has `value`: then nothing is written (a team taken over, a
    /// runner repeating itself), so adopting a running team changes nothing until the daemon's view differs.
    private func kernelHas(_ id: TeamOptionID, _ value: TeamOptionValue) -> Bool {
        team.option(named: id.name, port: id.portIndex, arrayIndex: id.arrayIndex)?.value == value
    }

    /// Runs `body` as one batch: the actions it performs are written when it returns, each kernel
    /// option once with its last value. A failed write is logged and the others still go out.
    func batch(_ body: () -> Void) {
        guard pending == nil else { return body() }
        pending = []
        body()
        let actions = pending ?? []
        pending = nil
        for group in Self.grouped(Self.coalesced(actions)) {
            do { try execute(group) } catch { log.error("event handling failed: \(error)") }
        }
    }

    /// `actions` with every `setOption` but the last for each option dropped, the rest in the order of
    /// those last writes: activebackup's "enable the new port, set activeport, disable the old one" keeps
    /// its order, whatever came before it in the batch.
    static func coalesced(_ actions: [TeamAction]) -> [TeamAction] {
        var last: [TeamOptionID: Int] = [:]
        for (position, action) in actions.enumerated() {
            if case .setOption(let id, _) = action { last[id] = position }
        }
        return actions.enumerated().compactMap { position, action in
            if case .setOption(let id, _) = action, last[id] != position { return nil }
            return action
        }
    }

    /// The timer ids that are due now.
    func dueTimers() -> [TimerID] { timers.popDue(now: clock()) }

    /// Milliseconds until the next timer, or nil when none is armed.
    func timeoutMilliseconds() -> Int? {
        guard let next = timers.nextDeadline else { return nil }
        return Int(max(0, next - clock()))
    }

    private func execute(_ action: TeamAction) throws {
        switch action {
        case .setOption(let id, let value):
            if kernelHas(id, value) { return }
            do {
                try team.setOption(id, to: value)
            } catch {
                // A port that just left takes its options with it; that is not worth failing for.
                if let port = id.portIndex, !hasPort(port) { return }
                throw error
            }
        case .setPortAddress(let port, let address):
            // Bonding sets its ports' MACs itself (fail_over_mac).
            guard !team.driverManagesAddresses else { return }
            try route.setAddress(address, index: port)
        case .setTeamAddress(let address):
            guard !team.driverManagesAddresses else { return }
            try route.setAddress(address, index: teamIndex)
        case .setCarrier(let on):
            // A bond has no settable carrier; min_links does that job.
            guard !team.driverManagesAddresses else { return }
            try route.setCarrier(on, index: teamIndex)
        case .armTimer(let id, let ms):
            timers.arm(id, at: clock() + Int64(ms))
        case .cancelTimer(let id):
            timers.cancel(id)
        case .send(let port, let frame):
            send(frame, on: port)
        case .log(let text, let isDebug):
            if isDebug { log.debug("\(text)") } else { log.info("\(text)") }
        case .removeSavedState(let file):
            do { try savedState?.remove(file) } catch { log.warning("warm start: \(error)") }
        }
    }

    /// A frame out of a port: the runner's socket, else a watcher's (any packet socket on the port sends
    /// any frame). A port whose link just went down refuses; the runner will notice the link.
    func send(_ frame: [UInt8], on port: UInt32) {
        guard let socket = sockets.sender(for: port) else { return }
        do { try socket.send(frame) } catch { log.debug("send on port \(port) failed: \(error)") }
    }
}
