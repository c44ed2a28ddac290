// teamd's config (TeamdCore/Config): the JSON text decoded into TeamdConfig with every runner's and
// link watcher's keys validated; then the ConfigDump teamd would answer (defaults written back,
// each configured port added) must decode again to the same runner, watchers and ports.
@testable import TeamdConfig
import TeamJSON

let fuzzTargetName = "config"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let text = String(validating: bytes, as: UTF8.self), let config = try? TeamdConfig(parsing: text) else {
        return false
    }
    var document = ConfigDocument(config: config, deviceName: config.device ?? "team0")
    for port in config.ports { document.portAdded(port.name) }
    guard let again = try? TeamdConfig(json: document.dump()) else {
        roundTripCheck(false, "ConfigDump does not decode")
        return true
    }
    roundTripCheck(again.runner == config.runner && again.linkWatchPolicy == config.linkWatchPolicy
                   && again.notifyPeers == config.notifyPeers && again.multicastRejoin == config.multicastRejoin,
                   "TeamdConfig from its ConfigDump")
    return true
}
