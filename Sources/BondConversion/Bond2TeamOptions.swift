/// bond2team's command line: the C tool's options, plus `--from-sysfs BOND`.
struct Bond2TeamOptions: Equatable {
    enum Format: Equatable { case ifcfg, json }
    enum Action: Equatable { case convert, version, help, examples }

    var action = Action.convert
    var master: String?
    var rename: String?
    var format = Format.ifcfg
    var bondingOptions: String?
    var ports: [String] = []
    var configDirectory = "/etc/sysconfig/network-scripts"
    var outputDirectory: String?
    var standardOutput = false
    /// 0 with --quiet, 1 by default (warnings), 2 and more with --debug (notes too).
    var verbosity = 1
    var fromSysfs: String?

    static func parse(_ arguments: [String]) throws(ArgumentScanner.Failure) -> Bond2TeamOptions {
        var options = Bond2TeamOptions()
        var scanner = ArgumentScanner(arguments)
        while let item = try scanner.next() {
            guard case .option(let name) = item else {
                throw ArgumentScanner.Failure(description: "unknown parameter: \(item)")
            }
            switch name {
            case "--master": options.master = try scanner.value(of: name)
            case "--rename":
                guard options.rename == nil else { throw ArgumentScanner.Failure(description: "--rename given twice") }
                options.rename = try scanner.value(of: name)
            case "--ifcfg": options.format = .ifcfg
            case "--json": options.format = .json
            case "--bonding_opts": options.bondingOptions = try scanner.value(of: name)
            case "--port": options.ports.append(try scanner.value(of: name))
            case "--configdir": options.configDirectory = try scanner.value(of: name)
            case "--outputdir": options.outputDirectory = try scanner.value(of: name)
            case "--from-sysfs": options.fromSysfs = try scanner.value(of: name)
            case "--stdout": options.standardOutput = true
            case "--debug": options.verbosity += 1
            case "--quiet": options.verbosity = 0
            case "--version": options.action = .version
            case "--help": options.action = .help
            case "--examples": options.action = .examples
            default: throw ArgumentScanner.Failure(description: "unknown parameter: \(name)")
            }
            try scanner.finish()
        }
        if options.action == .convert {
            guard options.master != nil || options.bondingOptions != nil || options.fromSysfs != nil else {
                throw ArgumentScanner.Failure(description: "No master interface or bonding options specified")
            }
            if options.fromSysfs != nil && (options.master != nil || options.bondingOptions != nil) {
                throw ArgumentScanner.Failure(description: "--from-sysfs reads the bond itself: "
                    + "--master and --bonding_opts do not go with it")
            }
        }
        return options
    }

    static let usage = """
        usage: bond2team [options]

        Translates a bonding configuration to a team (teamd.conf(5)).
        See bond2team(1) for details.

        OPTIONS:
          --master <interface>   the bond's interface name or ifcfg file
          --rename <interface>   the team's name (default: the bond's)
          --ifcfg                write ifcfg files (default)
          --json                 write a teamd.conf
          --bonding_opts <opts>  convert these bonding options instead of the ifcfg's
          --from-sysfs <bond>    convert a live bond, read from /sys/class/net/<bond>/bonding
          --port <interface>     a port of the team (repeatable)
          --configdir <dir>      where the ifcfg files are (default /etc/sysconfig/network-scripts)
          --outputdir <dir>      write the files there (default: a new temporary directory)
          --stdout               print instead of writing files
          --debug                more messages
          --quiet                no messages
          --version              print the version
          --help                 this text
          --examples             usage examples

        """

    static let examples = """

        Review the files bond2team writes (in a temporary directory by default) before using them.
        Add --stdout to print them instead, --outputdir DIR to write them there, --json for a teamd.conf.

        The ifcfg configuration of bond0, as team ifcfg files:
          # bond2team --master bond0

        The same, the team named team0 (firewall rules and other references to bond0 are not changed):
          # bond2team --master bond0 --rename team0

        Bonding options without any ifcfg, as a teamd.conf with its ports:
          # bond2team --json --stdout --bonding_opts "mode=1 miimon=500 primary=eth1 primary_reselect=0" \\
              --port eth1 --port eth2

        A running bond, as /etc/teamd/team0.conf for teamd@team0.service:
          # bond2team --from-sysfs bond0 --rename team0 --json --outputdir /etc/teamd

        """
}
