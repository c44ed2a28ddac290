import TeamdControl

/// StateItemValueSet: which state items can be set and how, with the C teamd's answers: `setup.debug_level`,
/// the runner's items (`runner.*`) and its per-port items (`ports.PORT.runner.*`); an existing item that
/// cannot be set is OpNotSupp, a path that names nothing PathDoesNotExist, a bad value ItemValueSetFail.
struct StateItemSetter {
    let daemon: Daemon

    func set(_ path: String, to value: String) -> ControlReply {
        if path == "setup.debug_level" {
            guard let level = Int32(value), level >= 0 else { return .failure(.itemValueSetFailed) }
            daemon.debugLevel = Int(level)
            return .success("")
        }
        let portNames = daemon.engine.ports.ports.map(\.name)
        if path.hasPrefix("ports."), let parts = StateTree.components(of: path, portNames: portNames),
           parts.count > 3, parts[2] == "runner",
           let reply = apply(path, { engine throws(StateItemError) in
               try engine.setRunnerPortStateItem(port: parts[1], Array(parts[3...]), value: value)
           }) {
            return reply
        }
        if path.hasPrefix("runner."),
           let reply = apply(path, { engine throws(StateItemError) in
               try engine.setRunnerStateItem(path.dropFirst("runner.".count).split(separator: ".").map(String.init),
                                             value: value)
           }) {
            return reply
        }
        let exists = (try? StateTree.itemValue(path, in: daemon.stateDump(), portNames: portNames)) != nil
        return .failure(exists ? .operationNotSupported : .pathDoesNotExist)
    }

    /// Sets a runner item through the engine and performs what it asks for; nil when the runner has no
    /// such settable item (an existing read-only one is OpNotSupp, as in teamd).
    private func apply(_ path: String,
                       _ change: (inout TeamEngine) throws(StateItemError) -> [TeamAction]) -> ControlReply? {
        do {
            try daemon.executor.perform(try change(&daemon.model.engine))
            return .success("")
        } catch let error as StateItemError {
            guard case .invalidValue(let why) = error else { return nil }
            daemon.log.error("\(path): \(why)")
            return .failure(.itemValueSetFailed)
        } catch {
            daemon.log.error("\(path): \(error)")
            return .failure(.itemValueSetFailed)
        }
    }
}
