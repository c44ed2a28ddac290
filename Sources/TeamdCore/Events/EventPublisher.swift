/// The daemon's event stream: after every step of its one event path (a kernel event, a frame, a timer,
/// a control request) the daemon calls `observe`, which compares the engine with what it saw after the
/// step before and hands each difference, once, to every subscriber. With no subscriber nothing is
/// computed; the first one starts from the engine as it is then.
final class EventPublisher {
    typealias Sink = (TeamdEvent) -> Void
    let team: String
    private var sinks: [Sink] = []
    private var observed = TeamObservation()

    init(team: String) { self.team = team }

    func subscribe(_ sink: @escaping Sink, engine: TeamEngine) {
        if sinks.isEmpty { observed = TeamObservation(engine: engine) }
        sinks.append(sink)
    }

    /// Reports what changed in `engine` since the last call, stamped `time`: when the step that made
    /// the changes began (what it wrote to the kernel afterwards is no part of when it happened).
    func observe(_ engine: TeamEngine, time: WallClockTime? = nil) {
        guard !sinks.isEmpty else { return }
        let now = TeamObservation(engine: engine)
        guard now != observed else { return }
        let changes = now.changes(since: observed)
        observed = now
        publish(changes, time: time ?? engine.wallClock())
    }

    /// Reports events that are no difference of state (a config update, the stop).
    func publish(_ kinds: [TeamdEvent.Kind], time: WallClockTime) {
        for kind in kinds {
            let event = TeamdEvent(time: time, team: team, kind: kind)
            for sink in sinks { sink(event) }
        }
    }
}
