import TeamdControl

/// Command-line option scanning with GNU `getopt_long` semantics, which teamdctl's users
/// rely on: options may follow operands (`teamdctl team0 state -v`), short options
/// cluster (`-vo`), `-Zaddr` and `-Z addr` both work, long options may be abbreviated
/// to any unique prefix (`--verb`), `--` ends the options, and POSIXLY_CORRECT stops at
/// the first operand. Error messages are glibc's, word for word.
struct GetoptLong {
    struct LongOption {
        var name: String
        var takesArgument: Bool
        var short: Character
    }

    enum Item: Equatable {
        /// An option (by its short letter) and its argument if it takes one.
        case option(Character, argument: String?)
        /// An error glibc prints (`"<program>: invalid option -- 'x'"`); getopt returns '?'.
        case error(String)
    }

    struct Result: Equatable {
        /// Options and errors in the order getopt returns them.
        var items: [Item]
        /// The operands in order, as `argv + optind` after permutation.
        var operands: [String]
    }

    var program: String
    /// Letters, each followed by ':' when it takes an argument (e.g. "hvoDZ:U").
    var shortOptions: String
    var longOptions: [LongOption]
    var posixlyCorrect = false

    private func shortTakesArgument(_ letter: Character) -> Bool? {
        guard letter != ":", let index = shortOptions.firstIndex(of: letter) else { return nil }
        let next = shortOptions.index(after: index)
        return next < shortOptions.endIndex && shortOptions[next] == ":"
    }

    func scan(_ arguments: [String]) -> Result {
        var items: [Item] = []
        var operands: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                operands += arguments[index...]
                break
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                if posixlyCorrect {
                    operands.append(argument)
                    operands += arguments[index...]
                    break
                }
                operands.append(argument)
                continue
            }
            if argument.hasPrefix("--") {
                items.append(longOption(String(argument.dropFirst(2)), arguments, &index))
                continue
            }
            // A cluster of short options; one that takes an argument ends it.
            var letters = Substring(argument.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                guard let takesArgument = shortTakesArgument(letter) else {
                    items.append(.error("\(program): invalid option -- '\(letter)'"))
                    continue
                }
                guard takesArgument else {
                    items.append(.option(letter, argument: nil))
                    continue
                }
                if !letters.isEmpty {
                    items.append(.option(letter, argument: String(letters)))
                } else if index < arguments.count {
                    items.append(.option(letter, argument: arguments[index]))
                    index += 1
                } else {
                    items.append(.error("\(program): option requires an argument -- '\(letter)'"))
                }
                break
            }
        }
        return Result(items: items, operands: operands)
    }

    private func longOption(_ text: String, _ arguments: [String], _ index: inout Int) -> Item {
        let name: Substring
        let inlineArgument: Substring?
        if let equals = text.firstIndex(of: "=") {
            name = text[..<equals]
            inlineArgument = text[text.index(after: equals)...]
        } else {
            name = Substring(text)
            inlineArgument = nil
        }
        let found: LongOption
        if let exact = longOptions.first(where: { $0.name == name }) {
            found = exact
        } else {
            let candidates = longOptions.filter { $0.name.hasPrefix(name) }
            guard let first = candidates.first else {
                return .error("\(program): unrecognized option '--\(text)'")
            }
            // Options that differ only by name would be interchangeable; ours all differ.
            if candidates.count > 1 {
                let possibilities = candidates.map { " '--\($0.name)'" }.joined()
                return .error("\(program): option '--\(text)' is ambiguous; possibilities:\(possibilities)")
            }
            found = first
        }
        if let inlineArgument {
            guard found.takesArgument else {
                return .error("\(program): option '--\(found.name)' doesn't allow an argument")
            }
            return .option(found.short, argument: String(inlineArgument))
        }
        guard found.takesArgument else { return .option(found.short, argument: nil) }
        guard index < arguments.count else {
            return .error("\(program): option '--\(found.name)' requires an argument")
        }
        index += 1
        return .option(found.short, argument: arguments[index - 1])
    }
}
