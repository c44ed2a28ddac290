import TeamJSON

/// The `ethtool` link watcher: follows the kernel's link flag of the team port (it calls no ethtool),
/// with optional delays. A change that reverts before its delay ends is forgotten, so a flap shorter
/// than `delay_down` never takes the port down.
public struct EthtoolWatcher: LinkWatcher {
    /// `delay_up` in ms.
    public let delayUp: Int
    /// `delay_down` in ms.
    public let delayDown: Int
    public private(set) var isUp = false
    public private(set) var downCount = 0
    /// The verdict waiting for its delay to pass.
    private var pending: Bool?

    public var name: String { "ethtool" }

    public init(delayUp: Int = 0, delayDown: Int = 0) {
        self.delayUp = delayUp
        self.delayDown = delayDown
    }

    public mutating func start(port: TeamPort, timer: TimerID) -> [TeamAction] {
        handle(.kernelLinkChanged(port.kernelLink.isLinkUp), port: port, timer: timer)
    }

    public mutating func handle(_ event: LinkWatcherEvent, port: TeamPort, timer: TimerID) -> [TeamAction] {
        switch event {
        case .kernelLinkChanged(let up):
            if up == isUp {
                guard pending != nil else { return [] }
                pending = nil
                return [.cancelTimer(timer)]
            }
            let delay = up ? delayUp : delayDown
            if delay <= 0 {
                let hadPending = pending != nil
                settle(up)
                return hadPending ? [.cancelTimer(timer)] : []
            }
            if pending == up { return [] }
            pending = up
            return [.armTimer(timer, milliseconds: delay)]
        case .timer:
            if let verdict = pending { settle(verdict) }
            return []
        case .frame, .forcedSendChanged:
            return []
        }
    }

    private mutating func settle(_ up: Bool) {
        pending = nil
        if isUp && !up { downCount += 1 }
        isUp = up
    }

    public func state() -> JSONObject {
        [
            "name": .string(name), "up": .bool(isUp), "down_count": .integer(Int64(downCount)),
            "delay_up": .integer(Int64(delayUp)), "delay_down": .integer(Int64(delayDown)),
        ]
    }
}
