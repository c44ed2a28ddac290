import TeamJSON
import TeamdCore

/// The bond2team tool: reads a bond's options (ifcfg, the command line or sysfs), converts them and
/// writes team ifcfg files or a teamd.conf. Exit status 0, or 1 with a message and nothing written.
public enum Bond2Team {
    public static func main(arguments: [String], sysfsRoot: String = "/sys/class/net") -> Int32 {
        let options: Bond2TeamOptions
        do {
            options = try Bond2TeamOptions.parse(arguments)
        } catch {
            Files.standardError("ERROR: \(error)\n" + Bond2TeamOptions.usage)
            return 1
        }
        switch options.action {
        case .version: Files.standardOutput("bond2team \(TeamdProcess.version)\n"); return 0
        case .help: Files.standardOutput(Bond2TeamOptions.usage); return 0
        case .examples: Files.standardOutput(Bond2TeamOptions.examples); return 0
        case .convert: break
        }
        do {
            let input = try BondInput.read(options, sysfsRoot: sysfsRoot)
            let device = options.rename ?? input.device ?? "team0"
            let conversion = try BondToTeam.convert(input.options, device: device, ports: input.ports)
            for message in conversion.messages where options.verbosity >= (message.level == .warning ? 1 : 2) {
                Files.standardError("\(message.level == .warning ? "WARNING" : "INFO"): \(message)\n")
            }
            let files = options.format == .json
                ? [OutputFile(name: "\(device).conf", text: conversion.text)]
                : ifcfgFiles(conversion, input: input)
            try deliver(files, options)
            return 0
        } catch {
            if options.verbosity > 0 { Files.standardError("ERROR: \(error)\n") }
            return 1
        }
    }

    struct OutputFile: Equatable {
        let name: String
        let text: String
    }

    /// The team's ifcfg and one per port: each as the bond's (or the slave's) file without its bonding
    /// keys, plus DEVICETYPE and the team's JSON (TEAM_CONFIG without the ports, TEAM_PORT_CONFIG).
    static func ifcfgFiles(_ conversion: TeamConversion, input: BondInput) -> [OutputFile] {
        let oneLine = JSONSerializationOptions(indent: 0)
        var teamConfig = conversion.config
        _ = teamConfig.removeValue(forKey: "ports")
        let master = (input.master ?? IfcfgFile(lines: []))
            .removing(IfcfgFile.bondingKeys)
            .setting("DEVICE", conversion.device)
            .setting("DEVICETYPE", "Team")
            .setting("TEAM_CONFIG", JSONValue.object(teamConfig).serialized(oneLine))
        var files = [OutputFile(name: "ifcfg-\(conversion.device)", text: master.text)]
        for port in conversion.config["ports"]?.objectValue?.keys ?? [] {
            var file = (input.portFiles[port] ?? IfcfgFile(lines: ["DEVICE=\(port)"]))
                .removing(IfcfgFile.bondingKeys)
                .setting("DEVICETYPE", "TeamPort")
                .setting("TEAM_MASTER", conversion.device)
            let portConfig = conversion.portConfig(port)
            if !portConfig.isEmpty { file = file.setting("TEAM_PORT_CONFIG", JSONValue.object(portConfig).serialized(oneLine)) }
            files.append(OutputFile(name: "ifcfg-\(port)", text: file.text))
        }
        return files
    }

    /// --stdout: a teamd.conf as it is (so it can be piped), ifcfg files between `---8<---` lines as the
    /// C tool prints them; --outputdir: written there; else into a new temporary directory, listed.
    static func deliver(_ files: [OutputFile], _ options: Bond2TeamOptions) throws(ConversionError) {
        if options.standardOutput {
            if options.format == .json {
                Files.standardOutput(files[0].text)
            } else {
                for file in files {
                    Files.standardOutput("---8<--- \(file.name) ---8<---\n\(file.text)---8<--- \(file.name) ---8<---\n\n")
                }
            }
            return
        }
        let directory: String
        if let outputDirectory = options.outputDirectory {
            directory = outputDirectory
        } else {
            do { directory = try Files.makeTemporaryDirectory("bond2team") } catch {
                throw ConversionError("/tmp", "cannot create a temporary directory: \(error)")
            }
        }
        for file in files {
            do { try Files.write(file.text, to: "\(directory)/\(file.name)") } catch {
                throw ConversionError("\(directory)/\(file.name)", "\(error)")
            }
        }
        if options.outputDirectory == nil {
            Files.standardOutput("\nResulted files:\n" + files.map { "  \(directory)/\($0.name)\n" }.joined())
        }
    }
}

/// What bond2team converts: the options, the bond's name, its ifcfg files when there are some, the ports.
struct BondInput {
    var options: BondingOptions
    var device: String?
    var master: IfcfgFile?
    var ports: [String]
    var portFiles: [String: IfcfgFile] = [:]

    static func read(_ command: Bond2TeamOptions, sysfsRoot: String) throws(ConversionError) -> BondInput {
        if let outputDirectory = command.outputDirectory, !command.standardOutput, !Files.isDirectory(outputDirectory) {
            throw ConversionError("--outputdir", "not a directory: \(outputDirectory)")
        }
        if let bond = command.fromSysfs {
            let options = try BondSysfs.read(bond: bond, root: sysfsRoot)
            return BondInput(options: options, device: bond, ports: command.ports.isEmpty ? options.slaves : command.ports)
        }
        guard let master = command.master else {
            return BondInput(options: try BondingOptions(parsing: command.bondingOptions!), device: nil, ports: command.ports)
        }
        let path = Files.isFile(master) ? master : "\(command.configDirectory)/ifcfg-\(master)"
        guard Files.isFile(path) else {
            guard let text = command.bondingOptions else {
                throw ConversionError(master, "cannot find its ifcfg file (\(path)); give --bonding_opts")
            }
            return BondInput(options: try BondingOptions(parsing: text), device: master, ports: command.ports)
        }
        let file = IfcfgFile(text: try readFile(path))
        guard let text = command.bondingOptions ?? file.value("BONDING_OPTS") else {
            throw ConversionError(path, "no BONDING_OPTS: not a bond's ifcfg file")
        }
        let device = file.value("DEVICE") ?? master
        var input = BondInput(options: try BondingOptions(parsing: text), device: device, master: file, ports: command.ports)
        try input.findSlaves(of: device, in: command.configDirectory, addPorts: command.ports.isEmpty)
        return input
    }

    /// The ifcfg files of the bond's slaves (MASTER=bond) in the config directory: the ports, unless
    /// --port named them.
    private mutating func findSlaves(of device: String, in directory: String, addPorts: Bool) throws(ConversionError) {
        for name in Files.list(directory) ?? [] where name.hasPrefix("ifcfg-") {
            let path = "\(directory)/\(name)"
            guard Files.isFile(path) else { continue }
            let file = IfcfgFile(text: try Self.readFile(path))
            guard file.value("MASTER") == device else { continue }
            let port = file.value("DEVICE") ?? String(name.dropFirst("ifcfg-".count))
            portFiles[port] = file
            if addPorts && !ports.contains(port) { ports.append(port) }
        }
    }

    private static func readFile(_ path: String) throws(ConversionError) -> String {
        do { return try Files.read(path) } catch { throw ConversionError(path, "\(error)") }
    }
}
