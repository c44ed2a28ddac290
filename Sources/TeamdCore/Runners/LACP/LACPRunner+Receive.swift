import Packets

extension LACPRunner {
    /// A frame from the port's socket (or a warm start's saved LACPDU): checked, counted, kept as the last
    /// received (what a warm exit saves), then recorded as the partner's information (recordPDU).
    mutating func received(_ bytes: [UInt8], on port: TeamPort, context: RunnerContext) -> [TeamAction] {
        let pdu: LACPDU
        do {
            pdu = try LACPDU.decode(frame: bytes).pdu
        } catch {
            // The socket's filter passes slow-protocol frames only: a marker, or a broken LACPDU.
            if case .unexpectedSubtype(markerSubtype) = error {
                machines[port.index]!.statistics.markers += 1
                return []
            }
            machines[port.index]!.statistics.illegal += 1
            return [.log("\(port.name): frame dropped: \(error)", isDebug: true)]
        }
        guard LACPRetryCountState.isLegal(pdu, understood: config.enableRetryCount) else {
            machines[port.index]!.statistics.illegal += 1
            return [.log("\(port.name): LACPDU dropped: the partner's retry count \(pdu.retryCounts?.actor ?? 0) is below 3",
                         isDebug: false)]
        }
        machines[port.index]!.statistics.received += 1
        machines[port.index]!.lastPDU = Array(bytes.dropFirst(EthernetHeader.length).prefix(LACPDU.length))
        machines[port.index]!.statistics.lastReceived = context.now()
        // A port of a team that is administratively down stays disabled and ignores LACPDUs (SONiC 0006:
        // "Administratively shutdown port channel has member ports in deselected state").
        guard let before = machines[port.index]?.receive, before != .disabled, context.isTeamUp else { return [] }
        // recordPDU: the partner is who the LACPDU says its actor is; its retry count is what it asks.
        machines[port.index]!.partner = pdu.actor
        let outcome = machines[port.index]!.retryCount.received(pdu, understood: config.enableRetryCount,
                                                                  ourCount: config.retryCount)
        var actions = moveReceive(port, on: .received, context: context)
        // A transition asks for a LACPDU; a steady CURRENT only when the partner has us wrong, which
        // `settle` checks against the actor state it computes.
        if before == .current { needToTransmit.removeAll { $0 == port.index } }
        partnerView[port.index] = pdu.partner
        if outcome.needToTransmit { needToTransmit.append(port.index) }
        if outcome.restartHold {
            actions.append(.armTimer(.runnerPort(Self.retryHoldTimer, port: port.index),
                                     milliseconds: LACPRetryCountState.holdMilliseconds))
        }
        if outcome.startLifetime {
            let count = machines[port.index]!.retryCount.partnerCount
            actions.append(.log("\(port.name): the partner's retry count is \(count)", isDebug: false))
            actions.append(.armTimer(.runnerPort(Self.partnerRetryLifetimeTimer, port: port.index),
                                     milliseconds: LACPRetryCountState.lifetimeMilliseconds(count)))
        }
        return actions
    }
}
