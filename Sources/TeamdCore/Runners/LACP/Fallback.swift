import Packets

/// LACP fallback (SONiC's libteam patches 0003 and 0020; not in 802.1AX): when no partner speaks LACP on
/// any port, ports whose receive machine is DEFAULTED may still carry traffic, so that a server that boots
/// without LACP (PXE) reaches the network through a switch's port channel.
///
/// Decided from scratch from the ports' facts on every change, like the selection: fallback holds while
/// no port is CURRENT or EXPIRED ("If at least one port is currently receiving LACPDUs, don't do any
/// fallback", patch 0020), so the first LACPDU on any port ends it at once.
public enum LACPFallback {
    /// What the decision needs of a port.
    public struct Candidate: Equatable, Sendable {
        public var index: UInt32
        public var receive: LACPReceiveState
        public var actor: LACPInfo

        public init(index: UInt32, receive: LACPReceiveState, actor: LACPInfo) {
            self.index = index
            self.receive = receive
            self.actor = actor
        }
    }

    /// The ports in fallback: none when fallback is off or a partner speaks; with `single`, the one best
    /// defaulted port: "the port with the lower system wins", then "the port with the higher priority"
    /// (the lower lacp_prio), "otherwise, the port with the lower number" (patch 0020's order); with
    /// `static`, every defaulted port.
    public static func ports(_ ports: [Candidate], enabled: Bool, method: LACPFallbackMethod) -> Set<UInt32> {
        guard enabled else { return [] }
        guard !ports.contains(where: { $0.receive == .current || $0.receive == .expired }) else { return [] }
        let defaulted = ports.filter { $0.receive == .defaulted }
        switch method {
        case .static:
            return Set(defaulted.map(\.index))
        case .single:
            guard let best = defaulted.min(by: isBetter) else { return [] }
            return [best.index]
        }
    }

    static func isBetter(_ a: Candidate, than b: Candidate) -> Bool {
        if a.actor.system != b.actor.system { return a.actor.system.bytes.lexicographicallyPrecedes(b.actor.system.bytes) }
        if a.actor.portPriority != b.actor.portPriority { return a.actor.portPriority < b.actor.portPriority }
        return a.actor.port < b.actor.port
    }
}
