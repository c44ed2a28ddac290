import TeamJSON
import TeamdControl

/// teamd's nine control methods on a running daemon: a typed request in, a reply out, whatever transport
/// it came by (the transports decode and validate requests; an unknown method or a wrong number of
/// arguments never gets here). Never throws, never traps; every error code is one of `ControlError`'s.
struct ControlDispatcher {
    let daemon: Daemon

    func reply(to request: ControlRequest) -> ControlReply {
        switch request {
        case .configDump:
            return .success(Self.dumpJSON(daemon.document.dump()))
        case .configDumpActual:
            return .success(Self.dumpJSON(daemon.document.dumpActual(presentPorts: daemon.engine.ports.ports.map(\.name))))
        case .stateDump:
            return .success(Self.dumpJSON(daemon.stateDump()))
        case .portAdd(let name):
            return portAdd(name)
        case .portRemove(let name):
            return portRemove(name)
        case .portConfigUpdate(let name, let config):
            return portConfigUpdate(name, json: config)
        case .portConfigDump(let name):
            guard daemon.engine.ports[name: name] != nil else { return .failure(.noSuchDevice) }
            return .success(Self.dumpJSON(daemon.document.portDump(name)))
        case .stateItemValueGet(let path):
            do {
                return .success(try StateTree.itemValue(path, in: daemon.stateDump(),
                                                        portNames: daemon.engine.ports.ports.map(\.name)))
            } catch {
                return .failure(.pathDoesNotExist)
            }
        case .stateItemValueSet(let path, let value):
            return StateItemSetter(daemon: daemon).set(path, to: value)
        }
    }

    private func portAdd(_ name: String) -> ControlReply {
        portChange(name, "port add", failure: .portAddFailed) { name throws(Daemon.PortError) in
            try daemon.addPort(named: name)
        }
    }

    private func portRemove(_ name: String) -> ControlReply {
        portChange(name, "port remove", failure: .portRemoveFailed) { name throws(Daemon.PortError) in
            try daemon.removePort(named: name)
        }
    }

    /// PortAdd and PortRemove: NoSuchDev for a name that is no interface, `failure` for the rest.
    private func portChange(_ name: String, _ what: String, failure: ControlError,
                            _ change: (String) throws(Daemon.PortError) -> Void) -> ControlReply {
        do { try change(name) } catch {
            if error == .noSuchDevice { return .failure(.noSuchDevice) }
            daemon.log.error("\(name): \(what) failed: \(error)")
            return .failure(failure)
        }
        return .success("")
    }

    private func portConfigUpdate(_ name: String, json: String) -> ControlReply {
        guard (try? daemon.existingLink(named: name)) != nil else { return .failure(.noSuchDevice) }
        do {
            let (port, _) = try daemon.model.document.updatePort(name, json: json)
            if let existing = daemon.engine.ports[name: name] {
                try daemon.executor.perform(daemon.model.engine.updateSettings(index: existing.index, port.settings))
            }
        } catch {
            daemon.log.error("\(name): config update failed: \(error)")
            return .failure(.configUpdateFailed)
        }
        // Before what the update changed (reported after the request, with every other change).
        daemon.events.publish([.configUpdated(port: name)], time: daemon.engine.wallClock())
        return .success("")
    }

    /// The C teamd's control payloads: jansson with JSON_INDENT(4) | JSON_SORT_KEYS (TEAMD_JSON_DUMPS_FLAGS).
    static func dumpJSON(_ value: JSONValue) -> String {
        value.serialized(.teamdControl)
    }
}

extension Daemon {
    /// One control request, answered.
    public func reply(to request: ControlRequest) -> ControlReply {
        let start = engine.wallClock()
        let reply = ControlDispatcher(daemon: self).reply(to: request)
        noteChanges(since: start)
        return reply
    }
}
