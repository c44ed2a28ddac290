import Packets

/// Warm restart (SONiC's warm reboot, sonic-buildimage patch 0008 and the fast-rate HLD), as one small
/// machine beside the 802.1AX ones.
///
/// Going down (SIGUSR1, SIGUSR2: `restartAnnounced`): a fresh LACPDU on every selected port, so that each
/// partner's current_while starts afresh at the moment teamd goes away; SIGUSR1 also saves, per port, the
/// last LACPDU received and whether the port was enabled, and the team's carrier (`savedState`).
///
/// Coming up (`-w -L DIR`: `warmStart`): while in warm-start mode the team's carrier stays as saved (up),
/// the listed ports keep their `enabled` as they are in the kernel, and live LACPDUs on a listed port are
/// ignored until its saved one is replayed; that happens as soon as the port can run LACP (link up), as
/// if the LACPDU had just been received, so the first LACPDU the new teamd sends already carries the
/// partner's view and Synchronization. Each port's file is removed once used. Warm-start mode ends when
/// every listed port is restored, or after 3 s (SONiC's LACP_WARM_START_CARRIER_TIMEOUT); then carrier
/// and `enabled` follow the machines again. A team whose carrier was down starts cold, as in SONiC.
///
/// The actor port number: ours is the port's ifindex, which the kernel keeps while the port exists (an
/// in-place restart, an upgrade, a crash). Across a reboot the port gets a new ifindex; the saved
/// LACPDU's partner information holds the number the partner knows us by, and a restored port keeps it
/// (SONiC instead derives it from the name, EthernetN → N+1, which fails for any other naming).
extension LACPRunner {
    static let warmStartTimer = "lacp_warm_start"
    /// LACP_WARM_START_CARRIER_TIMEOUT, 3 s.
    static let warmStartMilliseconds = 3000

    /// Whether warm-start mode holds this port: listed, and its saved state not yet replayed.
    func isHeldByWarmStart(_ port: TeamPort) -> Bool { warmStart?.ports[port.name] != nil }

    /// The plan arrives before `start` and before any port.
    mutating func beginWarmStart(_ plan: WarmStartPlan) -> [TeamAction] {
        var files = plan.ports.keys.sorted().map { TeamAction.removeSavedState(.port($0)) }
        files.append(.removeSavedState(.team))
        guard plan.isCarrierUp else {
            // lacp_carrier_init: "Starting in normal mode. The LAG interface was down before restart".
            return [.log("warm start: the team's carrier was down before the restart; starting cold", isDebug: false)] + files
        }
        warmStart = plan
        return [.log("warm start: holding carrier for \(plan.ports.count) saved port(s), at most 3 s", isDebug: false),
                .armTimer(.runner(Self.warmStartTimer), milliseconds: Self.warmStartMilliseconds)]
    }

    /// A listed port that can run LACP gets its saved LACPDU as if just received; its file goes.
    mutating func restoreIfReady(_ port: TeamPort, context: RunnerContext) -> [TeamAction] {
        guard let saved = warmStart?.ports[port.name], machines[port.index] != nil,
              Self.isUsable(port, context: context) else { return [] }
        warmStart!.ports[port.name] = nil
        var actions: [TeamAction] = [.removeSavedState(.port(port.name))]
        if saved.isEnabled, let pdu = saved.lastPDU {
            actions.append(.log("\(port.name): warm start: saved LACPDU replayed", isDebug: false))
            actions += received(pdu.frame(source: pdu.actor.system), on: port, context: context)
        }
        if warmStart!.ports.isEmpty {
            actions.append(.cancelTimer(.runner(Self.warmStartTimer)))
            actions += endWarmStart(why: "every saved port restored")
        }
        return actions
    }

    /// The saved actor port number of a listed port: the number its partner knows us by.
    mutating func adoptSavedPortNumber(_ port: TeamPort) {
        guard let number = warmStart?.ports[port.name]?.lastPDU?.partner.port, number != 0 else { return }
        machines[port.index]?.portNumber = number
    }

    mutating func endWarmStart(why: String) -> [TeamAction] {
        guard let plan = warmStart else { return [] }
        warmStart = nil
        return [.log("warm start ended: \(why)", isDebug: false)]
            + plan.ports.keys.sorted().map { .removeSavedState(.port($0)) } + [.removeSavedState(.team)]
    }

    /// SIGUSR1/SIGUSR2: one fresh LACPDU on every selected port, outside the transmit machine's limit
    /// (SONiC's refresh before the exit).
    mutating func announceRestart(context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        for port in context.ports.ports where selection.isSelected(port.index) {
            guard let m = machines[port.index], m.receive != .disabled else { continue }
            actions += perform(LACPTransmitMachine.Decision(send: true, startInterval: false), port: port, context: context)
        }
        return actions
    }

    /// What a warm exit saves: carrier, every port with its `enabled`, and the last LACPDU of each port
    /// that received one.
    public func savedState(context: RunnerContext) -> SavedStateDirectory.Snapshot? {
        let ports = context.ports.ports.filter { machines[$0.index] != nil }
        var pdus: [String: [UInt8]] = [:]
        for port in ports { if let pdu = machines[port.index]?.lastPDU { pdus[port.name] = pdu } }
        return SavedStateDirectory.Snapshot(
            team: TeamSavedState(isCarrierUp: carrier ?? false,
                                 ports: ports.map { TeamSavedState.Port(name: $0.name, isEnabled: $0.isEnabled) }),
            lastPDUs: pdus)
    }
}
