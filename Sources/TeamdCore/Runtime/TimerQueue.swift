/// Timers armed by runners and link watchers, keyed by `TimerID`: arming an armed timer moves it,
/// cancelling forgets it. Times are milliseconds on a monotonic clock supplied by the caller, so tests
/// drive it with a clock of their own.
public struct TimerQueue: Sendable {
    private var deadlines: [TimerID: Int64] = [:]

    public init() {}

    public var isEmpty: Bool { deadlines.isEmpty }

    public mutating func arm(_ id: TimerID, at deadline: Int64) { deadlines[id] = deadline }

    public mutating func cancel(_ id: TimerID) { deadlines[id] = nil }

    public func deadline(of id: TimerID) -> Int64? { deadlines[id] }

    /// The earliest deadline, if any timer is armed.
    public var nextDeadline: Int64? { deadlines.values.min() }

    /// Removes and returns the timers due at `now`, earliest first.
    public mutating func popDue(now: Int64) -> [TimerID] {
        let due = deadlines.filter { $0.value <= now }.sorted { $0.value < $1.value }.map(\.key)
        for id in due { deadlines[id] = nil }
        return due
    }

    /// Forgets every timer whose id matches.
    public mutating func cancelAll(where predicate: (TimerID) -> Bool) {
        for id in deadlines.keys where predicate(id) { deadlines[id] = nil }
    }
}
