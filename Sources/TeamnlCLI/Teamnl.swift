import Getopt
import Glibc
import NetlinkCodec
import TeamKit

/// teamnl, the team device netlink tool, compatible with libteam's utils/teamnl.c in its command line,
/// output and errors. The executable only calls `run` and exits with its status.
public enum Teamnl {
    struct Command {
        let name: String
        let parameters: [String]
    }

    static let commands = [
        Command(name: "ports", parameters: []),
        Command(name: "options", parameters: []),
        Command(name: "getoption", parameters: ["OPT_NAME"]),
        Command(name: "setoption", parameters: ["OPT_NAME", "OPT_VALUE"]),
        Command(name: "monitor", parameters: ["OPT_STYLE"]),
    ]

    /// C teamnl's getopt_long("hp:a:") and its long options.
    static let options = GetoptLong(shortOptions: "hp:a:", longOptions: [
        .init(name: "help", takesArgument: false, short: "h"),
        .init(name: "port_name", takesArgument: true, short: "p"),
        .init(name: "array_index", takesArgument: true, short: "a"),
    ])

    /// What the command line asks for, once it is known to name a team and a command.
    struct Invocation: Equatable {
        var teamName: String
        var commandName: String
        /// The command that `commandName` abbreviates (teamnl takes the first with that prefix).
        var command: String
        var arguments: [String]
        var portName: String?
        var arrayIndex: String?
    }

    /// The help, as `teamnl -h` prints it; `program` is argv[0].
    static func help(program: String) -> String {
        var text = """
            \(program) [options] teamdevname command [command args]
            \t-h --help                Show this help
            \t-p --port_name           team slave port name
            \t-a --array_index         team option array index
            Commands:

            """
        for command in commands {
            text += "\t" + ([command.name] + command.parameters).joined(separator: " ") + "\n"
        }
        return text
    }

    /// The command line after argv[0]: the invocation, or the exit status after teamnl printed why it
    /// stops (help, a getopt error, no team or command, an unknown command).
    static func parse(_ arguments: [String], program: String, console: TeamnlConsole) -> Result<Invocation, Exit> {
        let scanned = options.scan(arguments)
        var portName: String?
        var arrayIndex: String?
        for item in scanned.items {
            switch item {
            case .error(let message):
                console.err("\(program): \(message)\n")
                console.err("unknown option.\n")
                console.out(help(program: program))
                return .failure(Exit(status: EXIT_FAILURE))
            case .option("p", let value): portName = value
            case .option("a", let value): arrayIndex = value
            case .option:
                console.out(help(program: program))
                return .failure(Exit(status: EXIT_SUCCESS))
            }
        }
        func refuse(_ why: String) -> Result<Invocation, Exit> {
            console.err(why)
            console.out("\n")
            console.out(help(program: program))
            return .failure(Exit(status: EXIT_FAILURE))
        }
        guard let teamName = scanned.operands.first else { return refuse("No team device specified.\n") }
        guard scanned.operands.count >= 2 else { return refuse("No command specified.\n") }
        let commandName = scanned.operands[1]
        guard let command = commands.first(where: { $0.name.hasPrefix(commandName) }) else {
            return refuse("Unknown command \"\(commandName)\".\n")
        }
        return .success(Invocation(teamName: teamName, commandName: commandName, command: command.name,
                                   arguments: Array(scanned.operands.dropFirst(2)), portName: portName,
                                   arrayIndex: arrayIndex))
    }

    /// An exit decided before any command ran.
    struct Exit: Error, Equatable {
        let status: Int32
    }

    /// Runs teamnl with `arguments` (argv, program name first); returns the exit status. Standard output
    /// is left in `console` for the caller to flush.
    public static func run(arguments: [String], console: TeamnlConsole) -> Int32 {
        let program = arguments.first ?? "teamnl"
        let invocation: Invocation
        switch parse(Array(arguments.dropFirst()), program: program, console: console) {
        case .success(let parsed): invocation = parsed
        case .failure(let exit): return exit.status
        }
        do {
            let session = try Session.open(invocation, console: console)
            let commands = Commands(session: session, console: console)
            switch invocation.command {
            case "ports": commands.ports()
            case "options": commands.options()
            case "getoption": try commands.getOption(invocation)
            case "setoption": try commands.setOption(invocation)
            default: try Monitor.run(session, arguments: invocation.arguments, console: console)
            }
        } catch {
            let failure = CommandFailure(error)
            console.err("Command failed: \(String(cString: strerror(failure.errno)))\n")
            return EXIT_FAILURE
        }
        return EXIT_SUCCESS
    }
}

/// A failure carrying the errno that C teamnl reports as "Command failed: ...".
struct CommandFailure: Error {
    let errno: Int32

    init(errno: Int32) { self.errno = errno }

    /// The errno libteam would have reported for `error`.
    init(_ error: any Error) {
        if let failure = error as? CommandFailure {
            self = failure
        } else if let netlink = error as? NetlinkError {
            switch netlink.code {
            case .kernel(let errno): self.errno = Self.libteamErrno(errno)
            case .system(let errno): self.errno = errno
            default: self.errno = netlink.errno ?? EINVAL
            }
        } else if let value = error as? TeamValueError {
            self.errno = value.errno
        } else {
            self.errno = EINVAL
        }
    }

    /// libteam passes kernel errors through libnl and back (nl_syserr2nlerr, then nl2syserr), which folds
    /// some errnos into others; we fold them the same way so that "Command failed: ..." reads the same.
    static func libteamErrno(_ kernelErrno: Int32) -> Int32 {
        switch kernelErrno {
        case EBADF, ENOTSOCK: return ENOTSOCK
        case EADDRINUSE, EEXIST: return EEXIST
        case EADDRNOTAVAIL: return EADDRNOTAVAIL
        case ESRCH, ENOENT: return ENOENT
        case EINTR, EAGAIN, EACCES, EAFNOSUPPORT, EPROTONOSUPPORT, EOPNOTSUPP, EPERM, EBUSY, ERANGE, ENODEV, EINVAL,
             ENOMEM:
            return kernelErrno
        case ENOBUFS: return ENOMEM
        default: return EINVAL
        }
    }
}
