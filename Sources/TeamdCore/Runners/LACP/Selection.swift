import Packets

/// The selection logic (802.1AX 5.4.14): which ports share an aggregator, and which aggregator the team
/// uses. teamd runs one kernel aggregate per team, so only ports of the selected aggregator carry traffic;
/// the others wait as standby.
///
/// Computed from scratch on every change from each port's facts (a pure function), rather than updated
/// in place as the C teamd does; the outcome is the same: an aggregator is named after its lead port's
/// ifindex (`ports.X.runner.aggregator.id`), the lead being its best port.
public struct LACPSelection: Equatable, Sendable {
    /// What selection needs to know of a port.
    public struct Candidate: Equatable, Sendable {
        public var index: UInt32
        public var receive: LACPReceiveState
        public var actor: LACPInfo
        public var partner: LACPInfo
        /// Whether it was selected before this round: an EXPIRED port keeps its place, a new one needs
        /// CURRENT.
        public var wasSelected: Bool
        /// Kernel speed in Mbit/s (bandwidth policy).
        public var speed: UInt32
        /// teamd's `prio` (port_config policy; higher wins).
        public var priority: Int32
        /// teamd's `sticky` (port_config policy keeps an aggregator holding a sticky port).
        public var isSticky: Bool
        /// In LACP fallback (SONiC): selectable although DEFAULTED.
        public var isFallback: Bool

        public init(index: UInt32, receive: LACPReceiveState, actor: LACPInfo, partner: LACPInfo,
                    wasSelected: Bool = false, speed: UInt32 = 0, priority: Int32 = 0, isSticky: Bool = false,
                    isFallback: Bool = false) {
            self.isFallback = isFallback
            self.index = index
            self.receive = receive
            self.actor = actor
            self.partner = partner
            self.wasSelected = wasSelected
            self.speed = speed
            self.priority = priority
            self.isSticky = isSticky
        }

        /// A port looped back to this team (its partner is us) is never selected.
        var isLoopedBack: Bool { actor.system == partner.system }

        var isSelectable: Bool {
            guard !isLoopedBack else { return false }
            return receive == .current || (receive == .expired && wasSelected) || isFallback
        }

        /// The Link Aggregation Group: ports aggregate when they have the same actor key, partner key and
        /// partner system (5.3.6).
        func isAggregable(with other: Candidate) -> Bool {
            actor.key == other.actor.key && partner.key == other.partner.key && partner.system == other.partner.system
        }

        /// 5.4.14 / 5.3.4: the port identifier that counts is the one of the system with the better
        /// (numerically lower) system priority, then system MAC; on a tie, the partner's (as teamd).
        /// Keys and state are left out.
        var priorityKey: (UInt16, [UInt8], UInt16, UInt16) {
            let actorFirst = (actor.systemPriority, actor.system) < (partner.systemPriority, partner.system)
            let info = actorFirst ? actor : partner
            return (info.systemPriority, info.system.bytes, info.portPriority, info.port)
        }
    }

    /// The aggregator of each selected port, named by its lead's ifindex.
    public private(set) var aggregatorOf: [UInt32: UInt32] = [:]
    /// The aggregator whose ports carry traffic; nil when no port is selected.
    public private(set) var selectedAggregator: UInt32?

    public init() {}

    public func isSelected(_ port: UInt32) -> Bool { aggregatorOf[port] != nil }

    public func isInSelectedAggregator(_ port: UInt32) -> Bool {
        guard let aggregator = aggregatorOf[port] else { return false }
        return aggregator == selectedAggregator
    }

    /// Port order: lacp_prio compares port identifiers; port_config compares teamd's `prio`.
    static func isBetter(_ a: Candidate, than b: Candidate, policy: AggregatorSelectPolicy) -> Bool {
        if policy == .portConfig { return a.priority > b.priority }
        let ka = a.priorityKey, kb = b.priorityKey
        if ka.0 != kb.0 { return ka.0 < kb.0 }
        if ka.1 != kb.1 { return ka.1.lexicographicallyPrecedes(kb.1) }
        if ka.2 != kb.2 { return ka.2 < kb.2 }
        return ka.3 < kb.3
    }

    /// A new selection for `ports` (in the order they joined). `forced`, when given, is an aggregator
    /// the user chose (`ports.X.runner.aggregator.selected`); it wins while it exists.
    public func reselected(_ ports: [Candidate], policy: AggregatorSelectPolicy,
                           forced: UInt32? = nil) -> LACPSelection {
        var next = LACPSelection()
        // Group the selectable ports, each group led by its best port.
        var groups: [[Candidate]] = []
        for port in ports where port.isSelectable {
            if let at = groups.firstIndex(where: { $0[0].isAggregable(with: port) }) {
                groups[at].append(port)
            } else {
                groups.append([port])
            }
        }
        var leads: [Candidate] = []
        for group in groups {
            var lead = group[0]
            for port in group.dropFirst() where Self.isBetter(port, than: lead, policy: policy) { lead = port }
            leads.append(lead)
            for port in group { next.aggregatorOf[port.index] = lead.index }
        }
        guard !leads.isEmpty else { return next }

        // The aggregator a previous selection used, found again through any of its former ports (its
        // lead may have changed and renamed it).
        let previous: UInt32? = selectedAggregator.flatMap { old in
            ports.first { aggregatorOf[$0.index] == old && next.aggregatorOf[$0.index] != nil }
                .flatMap { next.aggregatorOf[$0.index] }
        }
        let bestByPort = leads.dropFirst().reduce(leads[0]) { Self.isBetter($1, than: $0, policy: policy) ? $1 : $0 }.index
        func members(_ aggregator: UInt32) -> [Candidate] { ports.filter { next.aggregatorOf[$0.index] == aggregator } }
        /// The first aggregator, in port order, with the highest `measure` (ties keep the earlier).
        func best(by measure: ([Candidate]) -> UInt64) -> UInt32 {
            var best = leads[0].index, bestValue = measure(members(best))
            for lead in leads.dropFirst() {
                let value = measure(members(lead.index))
                if value > bestValue { best = lead.index; bestValue = value }
            }
            return best
        }
        switch policy {
        case .lacpPriority:
            next.selectedAggregator = bestByPort
        case .lacpPriorityStable:
            next.selectedAggregator = previous ?? bestByPort
        case .bandwidth:
            next.selectedAggregator = best { $0.reduce(0) { $0 + UInt64($1.speed) } }
        case .count:
            next.selectedAggregator = best { UInt64($0.count) }
        case .portConfig:
            if let previous, members(previous).contains(where: \.isSticky) {
                next.selectedAggregator = previous
            } else {
                next.selectedAggregator = bestByPort
            }
        }
        if let forced, leads.contains(where: { $0.index == forced }) { next.selectedAggregator = forced }
        return next
    }

    /// Chooses `aggregator` (which must exist) until the policy's next choice.
    public mutating func select(_ aggregator: UInt32) {
        if aggregatorOf.values.contains(aggregator) { selectedAggregator = aggregator }
    }
}
