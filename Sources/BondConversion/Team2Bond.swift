import SystemSupport
import TeamdControl
import TeamdCore

/// The team2bond tool: a teamd config (a file, `-` for standard input, or a running team's ConfigDump)
/// as commands or files that build the same bond. The output goes to standard output (or files with
/// --outputdir), the report of what did not translate to standard error. Exit status 0, or 1 with a
/// message and no output.
public enum Team2Bond {
    struct Options: Equatable {
        var formats: [BondFormat] = []
        var name: String?
        var outputDirectory: String?
        var quiet = false
        var input: String?
        var team: String?
        var help = false
    }

    static let usage = """
        usage: team2bond [options] CONFIG|-
               team2bond [options] --team DEVICE

        Converts a teamd config to a bond: a file, - for standard input, or the config of a running team.

        OPTIONS:
          --format FORMAT   iproute2 (default), nmcli, networkd, ifupdown, or all; repeatable
          --name NAME       the bond's name (default: the config's device, else bond0)
          --team DEVICE     the config of the running team DEVICE (teamd's ConfigDump)
          --outputdir DIR   write the files there (networkd: NAME.netdev, NAME.network, NAME-PORT.network)
          --quiet           no report of what did not translate
          --help            this text

        """

    public static func main(arguments: [String]) -> Int32 {
        let options: Options
        do {
            options = try parse(arguments)
        } catch {
            Files.standardError("team2bond: \(error)\n" + usage)
            return 1
        }
        if options.help {
            Files.standardOutput(usage)
            return 0
        }
        do {
            let config = try readConfig(options)
            let plan = try TeamToBond.convert(config, device: options.name)
            let formats = options.formats.isEmpty ? [BondFormat.iproute2] : options.formats
            let renderings = formats.map { ($0, plan.render($0)) }
            var report = config.warnings.map { UntranslatedSetting("\($0.path)", bond: $0.message) } + plan.untranslated
            for (_, rendering) in renderings { report += rendering.untranslated }
            try deliver(renderings, to: options.outputDirectory)
            if !options.quiet {
                for item in report { Files.standardError("team2bond: not translated: \(item)\n") }
            }
            return 0
        } catch {
            Files.standardError("team2bond: \(error)\n")
            return 1
        }
    }

    static func parse(_ arguments: [String]) throws(ArgumentScanner.Failure) -> Options {
        var options = Options()
        var scanner = ArgumentScanner(arguments)
        while let item = try scanner.next() {
            switch item {
            case .operand(let operand):
                guard options.input == nil else { throw ArgumentScanner.Failure(description: "one config only: \(operand)") }
                options.input = operand
            case .option("--format"):
                let value = try scanner.value(of: "--format")
                if value == "all" {
                    options.formats += BondFormat.allCases
                } else if let format = BondFormat(rawValue: value) {
                    options.formats.append(format)
                } else {
                    throw ArgumentScanner.Failure(description: "unknown format \"\(value)\": iproute2, nmcli, networkd, "
                        + "ifupdown or all")
                }
            case .option("--name"): options.name = try scanner.value(of: "--name")
            case .option("--team"): options.team = try scanner.value(of: "--team")
            case .option("--outputdir"): options.outputDirectory = try scanner.value(of: "--outputdir")
            case .option("--quiet"): options.quiet = true
            case .option("--help"): options.help = true
            case .option(let other): throw ArgumentScanner.Failure(description: "unknown option \(other)")
            }
            try scanner.finish()
        }
        guard options.help || (options.input == nil) != (options.team == nil) else {
            throw ArgumentScanner.Failure(description: "give a config file, - or --team DEVICE (one of them)")
        }
        return options
    }

    static func readConfig(_ options: Options) throws(ConversionError) -> TeamdConfig {
        let source: String, text: String
        if let team = options.team {
            source = "team \(team)"
            do {
                text = try TeamdControlClient.connect(teamDevice: team).configDump()
            } catch {
                throw ConversionError(source, "cannot read its config: \(error)")
            }
        } else if options.input == "-" {
            source = "standard input"
            do { text = String(decoding: try FileDescriptor.standardInput.readAll(limit: 1 << 20), as: UTF8.self) } catch {
                throw ConversionError(source, "\(error)")
            }
        } else {
            source = options.input!
            do { text = try Files.read(source) } catch { throw ConversionError(source, "\(error)") }
        }
        do {
            return try TeamdConfig(parsing: text)
        } catch {
            throw ConversionError(source, "not a valid teamd config: \(error)")
        }
    }

    /// Standard output (each file of a multi-file format after a `### NAME` comment line, each format of
    /// several after a `### FORMAT` line), or files in a directory: a script as `bond-FORMAT.sh`.
    static func deliver(_ renderings: [(BondFormat, BondRendering)], to directory: String?) throws(ConversionError) {
        if let directory {
            guard Files.isDirectory(directory) else { throw ConversionError("--outputdir", "not a directory: \(directory)") }
            for (format, rendering) in renderings {
                for file in rendering.files {
                    let name = file.name == "-" ? (format == .ifupdown ? "interfaces" : "bond-\(format.rawValue).sh") : file.name
                    do { try Files.write(file.text, to: "\(directory)/\(name)") } catch {
                        throw ConversionError("\(directory)/\(name)", "\(error)")
                    }
                }
            }
            return
        }
        var output = ""
        for (format, rendering) in renderings {
            if renderings.count > 1 { output += "### \(format.rawValue)\n" }
            for file in rendering.files {
                if file.name != "-" { output += "### \(file.name)\n" }
                output += file.text
            }
            if renderings.count > 1 { output += "\n" }
        }
        Files.standardOutput(output)
    }
}
