import TeamJSON
import TeamWire

/// The lacp runner on the bonding backend: the kernel's 802.3ad speaks LACP, selects the aggregator and
/// holds the bond down below min_links; teamd keeps its link watchers, and a port they declare down is
/// taken out of the bond (`enabled` false, see `BondDevice`). The state shows the settings the bond was
/// made with under the lacp runner's keys.
public struct BondLACPRunner: Runner {
    public let config: LACPConfig
    public var name: String { "lacp" }
    public var kernelMode: String { "loadbalance" }

    public init(config: LACPConfig) { self.config = config }

    public mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        BasicRunner.enableWhileUp(event, context: context)
    }

    public func state(context: RunnerContext) -> JSONObject? {
        ["active": .bool(config.active), "fast_rate": .bool(config.fastRate),
         "sys_prio": .integer(Int64(config.systemPriority)), "min_ports": .integer(Int64(config.minimumPorts)),
         "select_policy": .string(config.aggregatorSelectPolicy.rawValue)]
    }
}
