import Packets
import TeamJSON
import TeamWire

/// The loadbalance runner: the kernel spreads traffic over the enabled ports by a hash of each packet's
/// headers, computed by the classic BPF program teamd gives it (`bpf_hash_func`, from `runner.tx_hash`).
/// Ports carry the team's MAC and are enabled while their link watchers say up.
///
/// Not yet: the `tx_balancer` ("basic"), which moves hashes between ports by their load; without it the
/// kernel's `lb_tx_method` stays `hash`.
public struct LoadBalanceRunner: Runner {
    public let config: LoadBalanceConfig
    public var name: String { "loadbalance" }
    public var kernelMode: String { "loadbalance" }

    public init(config: LoadBalanceConfig = LoadBalanceConfig()) { self.config = config }

    public mutating func start(context: RunnerContext) -> [TeamAction] {
        [Self.hashFunction(config.txHash)]
    }

    /// `bpf_hash_func`: the program as the array of struct sock_filter the kernel takes.
    public static func hashFunction(_ fields: [TransmitHashField]) -> TeamAction {
        let program = BPFProgram.transmitHash(fields)
        return .setOption(TeamOptionID(.bpfHashFunc), .binary(program.instructions.flatMap(\.encoded)))
    }

    public mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        switch event {
        case .portAdded(let index):
            guard let port = context.ports[index: index] else { return [] }
            var actions: [TeamAction] = []
            if port.address != context.teamAddress { actions.append(.setPortAddress(port: index, context.teamAddress)) }
            if port.isEnabled != port.isLinkUp { actions.append(.enable(index, port.isLinkUp)) }
            return actions
        case .portLinkChanged(let index):
            guard let port = context.ports[index: index], port.isEnabled != port.isLinkUp else { return [] }
            return [.enable(index, port.isLinkUp)]
        case .teamAddressChanged:
            return context.ports.ports.filter { $0.address != context.teamAddress }
                .map { .setPortAddress(port: $0.index, context.teamAddress) }
        case .portRemoved, .portKernelChanged, .portSettingsChanged, .timer, .frame, .teamStateChanged, .warmStart,
             .restartAnnounced:
            return []
        }
    }
}
