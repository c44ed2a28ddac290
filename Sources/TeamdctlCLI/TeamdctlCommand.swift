import TeamdControl

/// A teamdctl command with its parameters (utils/teamdctl.c `command_types`).
public enum TeamdctlCommand: Hashable, Sendable {
    /// `config dump`
    case configDump
    /// `config dump noports`
    case configDumpNoPorts
    /// `config dump actual`
    case configDumpActual
    /// `state` and `state view`
    case stateView
    /// `state dump`
    case stateDump
    /// `state item get ITEMPATH`
    case stateItemGet(path: String)
    /// `state item set ITEMPATH VALUE`
    case stateItemSet(path: String, value: String)
    /// `port add PORTDEV`
    case portAdd(port: String)
    /// `port remove PORTDEV`
    case portRemove(port: String)
    /// `port present PORTDEV`
    case portPresent(port: String)
    /// `port config update PORTDEV PORTCONFIG`
    case portConfigUpdate(port: String, config: String)
    /// `port config dump PORTDEV`
    case portConfigDump(port: String)
    /// `monitor` (ours): the event stream, one JSON object per line, until teamd stops.
    case monitor

    /// Finds the command in the words after the device name, as the C tool does: each
    /// word selects the first command at its level whose name starts with it (so `s`
    /// is `state`, `d` is `dump`, and an empty word is the level's first command); a
    /// command that runs stops the search when no more words are left than it takes
    /// parameters. Errors carry the C tool's message; it then prints the help.
    public static func parse(_ words: [String]) -> Result<TeamdctlCommand, TeamdctlUsageError> {
        var remaining = words[...]
        var parent: CommandNode.ID? = nil
        while true {
            guard let word = remaining.first else { return .failure(.incompleteCommand) }
            remaining = remaining.dropFirst()
            guard let node = CommandNode.table.first(where: { $0.parent == parent && $0.name.hasPrefix(word) })
            else { return .failure(.unknownCommand(word)) }
            if node.runs, node.parameters.count >= remaining.count {
                // Too few parameters: the first one missing is named.
                if remaining.count < node.parameters.count {
                    return .failure(.missingParameter(node.parameters[remaining.count]))
                }
                return .success(node.command(Array(remaining)))
            }
            parent = node.id
        }
    }

    /// The command lines the help lists, one per command that runs
    /// (e.g. `port config update PORTDEV PORTCONFIG`): the C tool's, byte for byte; `monitor`, which it
    /// does not have, is in the man page only.
    public static var usageLines: [String] {
        CommandNode.table.filter { $0.runs && $0.id != .monitor }.map { node in
            (node.path + node.parameters).joined(separator: " ")
        }
    }
}

/// A mistake on teamdctl's command line, with the C tool's message.
public enum TeamdctlUsageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No command, or one that needs a subcommand (`teamdctl team0 port`).
    case incompleteCommand
    /// A word that names no command at its level.
    case unknownCommand(String)
    /// A parameter the command needs, by its name in the help (`PORTDEV`).
    case missingParameter(String)

    public var description: String {
        switch self {
        case .incompleteCommand: return "None or incomplete command"
        case .unknownCommand(let word): return "Unknown command \"\(word)\"."
        case .missingParameter(let name): return "Command line parameter \"\(name)\" expected."
        }
    }
}

/// One entry of teamdctl's command tree, in the C table's order (which decides what an
/// ambiguous prefix means and the order of the help).
private struct CommandNode {
    enum ID: Hashable {
        case config, configDump, configDumpNoPorts, configDumpActual
        case state, stateDump, stateView, stateItem, stateItemGet, stateItemSet
        case port, portAdd, portRemove, portPresent, portConfig, portConfigUpdate, portConfigDump
        case monitor
    }

    var id: ID
    var parent: ID?
    var name: String
    var parameters: [String] = []
    /// Builds the command from its parameters; nil for a node that only groups others.
    var make: (@Sendable ([String]) -> TeamdctlCommand)?

    var runs: Bool { make != nil }

    func command(_ parameters: [String]) -> TeamdctlCommand {
        // Only called for a node that runs, with at least `self.parameters.count` values.
        make?(parameters) ?? .stateView
    }

    var path: [String] {
        var names = [name]
        var current = parent
        while let id = current, let node = CommandNode.table.first(where: { $0.id == id }) {
            names.insert(node.name, at: 0)
            current = node.parent
        }
        return names
    }

    static let table: [CommandNode] = [
        CommandNode(id: .config, parent: nil, name: "config"),
        CommandNode(id: .configDump, parent: .config, name: "dump", make: { _ in .configDump }),
        CommandNode(id: .configDumpNoPorts, parent: .configDump, name: "noports", make: { _ in .configDumpNoPorts }),
        CommandNode(id: .configDumpActual, parent: .configDump, name: "actual", make: { _ in .configDumpActual }),
        CommandNode(id: .state, parent: nil, name: "state", make: { _ in .stateView }),
        CommandNode(id: .stateDump, parent: .state, name: "dump", make: { _ in .stateDump }),
        CommandNode(id: .stateView, parent: .state, name: "view", make: { _ in .stateView }),
        CommandNode(id: .stateItem, parent: .state, name: "item"),
        CommandNode(id: .stateItemGet, parent: .stateItem, name: "get", parameters: ["ITEMPATH"],
                    make: { .stateItemGet(path: $0[0]) }),
        CommandNode(id: .stateItemSet, parent: .stateItem, name: "set", parameters: ["ITEMPATH", "VALUE"],
                    make: { .stateItemSet(path: $0[0], value: $0[1]) }),
        CommandNode(id: .port, parent: nil, name: "port"),
        CommandNode(id: .portAdd, parent: .port, name: "add", parameters: ["PORTDEV"], make: { .portAdd(port: $0[0]) }),
        CommandNode(id: .portRemove, parent: .port, name: "remove", parameters: ["PORTDEV"],
                    make: { .portRemove(port: $0[0]) }),
        CommandNode(id: .portPresent, parent: .port, name: "present", parameters: ["PORTDEV"],
                    make: { .portPresent(port: $0[0]) }),
        CommandNode(id: .portConfig, parent: .port, name: "config"),
        CommandNode(id: .portConfigUpdate, parent: .portConfig, name: "update", parameters: ["PORTDEV", "PORTCONFIG"],
                    make: { .portConfigUpdate(port: $0[0], config: $0[1]) }),
        CommandNode(id: .portConfigDump, parent: .portConfig, name: "dump", parameters: ["PORTDEV"],
                    make: { .portConfigDump(port: $0[0]) }),
        CommandNode(id: .monitor, parent: nil, name: "monitor", make: { _ in .monitor }),
    ]
}
