import Packets
import TeamJSON

/// The lacp runner's state dump and the items `teamdctl T state item set` changes while it runs: the
/// C teamd's `ports.X.runner.aggregator.selected`, SONiC's `runner.retry_count` and
/// `runner.enable_retry_count_feature`, and, without a restart (libteam issue 53), `runner.fast_rate`,
/// `runner.sys_prio`, `runner.min_ports`, `ports.X.runner.prio`, `ports.X.runner.key` and
/// `ports.X.runner.statistics.clear`, and the member gate `ports.X.runner.gate`. Each change that the
/// partner should hear of sets NTT, so a LACPDU goes out at once; none but the gate takes a port down.
extension LACPRunner {
    // MARK: State

    public func state(context: RunnerContext) -> JSONObject? {
        ["active": .bool(config.active), "fast_rate": .bool(config.fastRate),
         "select_policy": .string(config.aggregatorSelectPolicy.rawValue),
         "sys_prio": .integer(Int64(config.systemPriority)),
         // SONiC's (patches 0003 and 0015; min_ports from its serviceability proposal).
         "fallback": .bool(config.fallback),
         "enable_retry_count_feature": .bool(config.enableRetryCount),
         "retry_count": .integer(Int64(config.retryCount)),
         "min_ports": .integer(Int64(config.minimumPorts)),
         "coupled_control": .bool(config.coupledControl)]
    }

    static func json(_ info: LACPInfo) -> JSONValue {
        .object(["key": .integer(Int64(info.key)), "port": .integer(Int64(info.port)),
                 "port_priority": .integer(Int64(info.portPriority)), "state": .integer(Int64(info.state.rawValue)),
                 "system": .string(info.system.description),
                 "system_priority": .integer(Int64(info.systemPriority))])
    }

    /// `ports.X.runner`. A port in LACP fallback shows `state` "fallback", as SONiC's patch 0020 names it
    /// (what teamsyncd and tlm_teamd read as `runner.state`).
    public func portState(_ port: TeamPort, context: RunnerContext) -> JSONObject? {
        guard let m = machines[port.index] else { return nil }
        let aggregator = selection.aggregatorOf[port.index]
        let actor = actorInfo(port, context: context)
        return [
            "actor_lacpdu_info": Self.json(actor),
            "aggregator": .object(["id": .integer(Int64(aggregator ?? 0)),
                                   "selected": .bool(selection.isInSelectedAggregator(port.index))]),
            "gate": .bool(!m.isGateClosed),
            "draining": .bool(isDraining(port.index)),
            "key": .integer(Int64(actor.key)),
            "partner_lacpdu_info": Self.json(m.partner),
            "partner_retry_count": .integer(Int64(m.retryCount.partnerCount)),
            "prio": .integer(Int64(actor.portPriority)),
            "selected": .bool(aggregator != nil),
            "state": .string(m.isFallback ? "fallback" : m.receive.rawValue),
            "statistics": m.statistics.json,
        ]
    }

    // MARK: Changes at run time

    public mutating func setStateItem(_ path: [String], value: String,
                                      context: RunnerContext) throws(StateItemError) -> [TeamAction] {
        guard path.count == 1 else { throw .noSuchItem }
        var actions: [TeamAction] = []
        switch path[0] {
        case "fast_rate":
            config.fastRate = try Self.bool(value)
            // current_while follows the actor's own LACP_Timeout (5.4.12): a port in CURRENT waits the new
            // time from now, so that slowing down does not expire a partner that has not slowed yet.
            for port in context.ports.ports where machines[port.index]?.receive == .current {
                let m = machines[port.index]!
                if let ms = m.receive.currentWhile(fastRate: config.fastRate, retryCount: m.retryCount.partnerCount) {
                    actions.append(.armTimer(.runnerPort(Self.currentWhileTimer, port: port.index), milliseconds: ms))
                }
            }
        case "sys_prio":
            config.systemPriority = UInt16(try Self.integer(value, in: 0...65535))
        case "min_ports":
            config.minimumPorts = try Self.integer(value, in: 1...1024)
        case "retry_count":
            guard config.enableRetryCount else { throw .invalidValue("runner.enable_retry_count_feature is false") }
            actions += setOwnRetryCount(UInt8(try Self.integer(value, in: 3...255)))
        case "enable_retry_count_feature":
            actions += setRetryCountEnabled(try Self.bool(value))
        default:
            throw .noSuchItem
        }
        actions.append(.log("runner.\(path[0]) set to \(value)", isDebug: false))
        needToTransmit += machines.keys.sorted()
        return actions + settle(context: context)
    }

    /// `ports.X.runner.aggregator.selected`: "true" makes the port's aggregator the team's (the port must
    /// be selected); "false" is not an operation, as in teamd. `statistics.clear` "true" zeroes the port's
    /// counters. `prio` and `key` change lacp_prio and lacp_key until the next PortConfigUpdate.
    public mutating func setPortStateItem(_ port: TeamPort, path: [String], value: String,
                                          context: RunnerContext) throws(StateItemError) -> [TeamAction] {
        guard machines[port.index] != nil else { throw .noSuchItem }
        switch path {
        case ["aggregator", "selected"]:
            guard try Self.bool(value) else { throw .noSuchItem }
            guard let aggregator = selection.aggregatorOf[port.index] else {
                throw .invalidValue("\(port.name) is not selected into an aggregator")
            }
            forcedAggregator = aggregator
            selection.select(aggregator)
        case ["statistics", "clear"]:
            guard try Self.bool(value) else { throw .invalidValue("only \"true\" clears the statistics") }
            machines[port.index]!.statistics = LACPPortStatistics()
            return [.log("\(port.name): LACP statistics cleared", isDebug: false)]
        case ["gate"]:
            return setGate(port, open: try Self.bool(value), context: context)
        case ["prio"]:
            machines[port.index]!.lacpPriority = UInt16(try Self.integer(value, in: 0...65535))
            needToTransmit.append(port.index)
        case ["key"]:
            machines[port.index]!.lacpKey = UInt16(try Self.integer(value, in: 0...65535))
            needToTransmit.append(port.index)
        default:
            throw .noSuchItem
        }
        return settle(context: context)
    }

    /// `runner.retry_count` set: it goes out at once on every port, and lives 3 minutes per count (HLD:
    /// "A duration of 3 minutes times the retry count passes"), then teamd.conf's count applies again.
    mutating func setOwnRetryCount(_ count: UInt8) -> [TeamAction] {
        config.retryCount = count
        let timer = TimerID.runner(Self.retryCountTimer)
        announcesRetryCount = count != LACPRetryCounts.standard
        guard count != configuredRetryCount else { return [.cancelTimer(timer)] }
        return [.armTimer(timer, milliseconds: LACPRetryCountState.lifetimeMilliseconds(count))]
    }

    mutating func ownRetryCountExpired() -> [TeamAction] {
        config.retryCount = configuredRetryCount
        announcesRetryCount = false
        needToTransmit += machines.keys.sorted()
        return [.log("runner.retry_count back to \(configuredRetryCount) after its time", isDebug: false)]
    }

    /// `runner.enable_retry_count_feature` set: off returns every count to the standard one and sends
    /// version 1 LACPDUs from now on (as SONiC's patch 0015).
    mutating func setRetryCountEnabled(_ on: Bool) -> [TeamAction] {
        guard on != config.enableRetryCount else { return [] }
        config.enableRetryCount = on
        guard !on else { return [] }
        config.retryCount = LACPRetryCounts.standard
        announcesRetryCount = false
        var actions: [TeamAction] = [.cancelTimer(.runner(Self.retryCountTimer))]
        for index in machines.keys.sorted() {
            machines[index]!.retryCount.reset(forgetVersion: true)
            actions += [Self.retryHoldTimer, Self.partnerRetryLifetimeTimer].map { .cancelTimer(.runnerPort($0, port: index)) }
        }
        return actions
    }

    /// teamd's state item booleans: "true" or "false".
    static func bool(_ text: String) throws(StateItemError) -> Bool {
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidValue("\"\(text)\" is not true or false")
        }
    }

    static func integer(_ text: String, in range: ClosedRange<Int>) throws(StateItemError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw .invalidValue("\"\(text)\" is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}
