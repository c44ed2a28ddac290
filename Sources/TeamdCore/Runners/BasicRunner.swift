/// The broadcast, roundrobin and random runners. They differ only in the kernel mode they select: the
/// kernel does the spreading, and teamd's one job is to keep each port `enabled` exactly while its link
/// watchers say it is up.
public struct BasicRunner: Runner {
    public enum Kind: String, Sendable, CaseIterable {
        case broadcast, roundrobin, random
    }

    public let kind: Kind
    public var name: String { kind.rawValue }
    public var kernelMode: String { kind.rawValue }

    public init(_ kind: Kind) { self.kind = kind }

    public mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        Self.enableWhileUp(event, context: context)
    }

    /// A port is `enabled` exactly while its link watchers say up (also the lacp runner's job on bonding).
    static func enableWhileUp(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        switch event {
        case .portAdded(let index), .portLinkChanged(let index):
            guard let port = context.ports[index: index], port.isEnabled != port.isLinkUp else { return [] }
            return [.enable(index, port.isLinkUp)]
        case .portRemoved, .portKernelChanged, .portSettingsChanged, .timer, .frame, .teamStateChanged, .teamAddressChanged,
             .warmStart, .restartAnnounced:
            return []
        }
    }
}
