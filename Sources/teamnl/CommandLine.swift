// teamnl's command line, parsed as GNU getopt_long("hp:a:") parses it for the C tool:
// options may follow operands (argv is permuted), "--" ends options, short options
// cluster ("-hp eth1", "-peth1"), long options may be abbreviated and take "=value".

struct Invocation {
    var portName: String?
    var arrayIndex: String?
    var showHelp = false
    var operands: [String] = []
}

enum CommandLineError: Error {
    /// getopt's own complaint, already formatted as glibc prints it.
    case unknownOption(String)
}

enum CommandLineParser {
    static let longOptions: [(name: String, short: Character, takesValue: Bool)] = [
        ("help", "h", false), ("port_name", "p", true), ("array_index", "a", true),
    ]

    static func parse(_ arguments: [String], programName: String) throws(CommandLineError) -> Invocation {
        var invocation = Invocation()
        var index = 0
        func take(_ option: Character, value: String) {
            switch option {
            case "p": invocation.portName = value
            case "a": invocation.arrayIndex = value
            default: break
            }
        }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                invocation.operands.append(contentsOf: arguments[index...])
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                let inlineValue = body.contains("=") ? String(body.split(separator: "=", maxSplits: 1,
                                                                         omittingEmptySubsequences: false)[1]) : nil
                let exact = longOptions.first { $0.name == name }
                let candidates = exact.map { [$0] } ?? longOptions.filter { $0.name.hasPrefix(name) }
                guard candidates.count == 1, let option = candidates.first else {
                    if candidates.isEmpty {
                        throw .unknownOption("\(programName): unrecognized option '\(argument)'\n")
                    }
                    let names = candidates.map { "'--\($0.name)'" }.joined(separator: " ")
                    throw .unknownOption("\(programName): option '--\(name)' is ambiguous; possibilities: \(names)\n")
                }
                if option.takesValue {
                    if let inlineValue {
                        take(option.short, value: inlineValue)
                    } else if index < arguments.count {
                        take(option.short, value: arguments[index])
                        index += 1
                    } else {
                        throw .unknownOption("\(programName): option '--\(option.name)' requires an argument\n")
                    }
                } else {
                    if inlineValue != nil {
                        throw .unknownOption("\(programName): option '--\(option.name)' doesn't allow an argument\n")
                    }
                    invocation.showHelp = true
                    return invocation
                }
                continue
            }
            if argument.hasPrefix("-") && argument.count > 1 {
                var characters = Array(argument.dropFirst())
                while !characters.isEmpty {
                    let option = characters.removeFirst()
                    switch option {
                    case "h":
                        invocation.showHelp = true
                        return invocation
                    case "p", "a":
                        if !characters.isEmpty {
                            take(option, value: String(characters))
                            characters = []
                        } else if index < arguments.count {
                            take(option, value: arguments[index])
                            index += 1
                        } else {
                            throw .unknownOption("\(programName): option requires an argument -- '\(option)'\n")
                        }
                    default:
                        throw .unknownOption("\(programName): invalid option -- '\(option)'\n")
                    }
                }
                continue
            }
            invocation.operands.append(argument)
        }
        return invocation
    }
}
