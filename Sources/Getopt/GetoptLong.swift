/// Command-line option scanning with GNU `getopt_long` semantics, the one copy teamd, teamdctl and
/// teamnl share. It is ours rather than swift-argument-parser (or any other parser) because the tools
/// are drop-in replacements of the C ones: scripts depend on glibc's exact behaviour and its error
/// messages byte for byte. Options may follow operands (`teamdctl team0 state -v`: argv is permuted),
/// short options cluster (`-vo`), `-Zaddr` and `-Z addr` both work, long options take `=value` and may
/// be abbreviated to any unique prefix (`--verb`), `--` ends the options, and POSIXLY_CORRECT stops at
/// the first operand. Pure: no I/O; the caller prints the errors, in order, as getopt would have.
public struct GetoptLong: Sendable {
    public struct LongOption: Sendable {
        public var name: String
        public var takesArgument: Bool
        public var short: Character

        public init(name: String, takesArgument: Bool, short: Character) {
            self.name = name
            self.takesArgument = takesArgument
            self.short = short
        }
    }

    public enum Item: Equatable, Sendable {
        /// An option (by its short letter) and its argument if it takes one.
        case option(Character, argument: String?)
        /// An error as glibc prints it after `argv[0]: ` (`invalid option -- 'x'`, no newline); getopt
        /// returns '?'.
        case error(String)
    }

    public struct Result: Equatable, Sendable {
        /// Options and errors in the order getopt returns them.
        public var items: [Item]
        /// The operands in order, as `argv + optind` after permutation.
        public var operands: [String]

        public init(items: [Item], operands: [String]) {
            self.items = items
            self.operands = operands
        }
    }

    /// Letters, each followed by ':' when it takes an argument (e.g. "hvoDZ:U").
    public var shortOptions: String
    /// In the C table's order: an ambiguous prefix lists its possibilities in this order.
    public var longOptions: [LongOption]
    public var posixlyCorrect: Bool

    public init(shortOptions: String, longOptions: [LongOption], posixlyCorrect: Bool = false) {
        self.shortOptions = shortOptions
        self.longOptions = longOptions
        self.posixlyCorrect = posixlyCorrect
    }

    private func shortTakesArgument(_ letter: Character) -> Bool? {
        guard letter != ":", let index = shortOptions.firstIndex(of: letter) else { return nil }
        let next = shortOptions.index(after: index)
        return next < shortOptions.endIndex && shortOptions[next] == ":"
    }

    /// The options and errors of `arguments` (argv after argv[0]) in getopt's order, and the operands.
    public func scan(_ arguments: [String]) -> Result {
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
                    items.append(.error("invalid option -- '\(letter)'"))
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
                    items.append(.error("option requires an argument -- '\(letter)'"))
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
                return .error("unrecognized option '--\(text)'")
            }
            // Options that differ only by name would be interchangeable; ours all differ.
            if candidates.count > 1 {
                let possibilities = candidates.map { " '--\($0.name)'" }.joined()
                return .error("option '--\(text)' is ambiguous; possibilities:\(possibilities)")
            }
            found = first
        }
        if let inlineArgument {
            guard found.takesArgument else {
                return .error("option '--\(found.name)' doesn't allow an argument")
            }
            return .option(found.short, argument: String(inlineArgument))
        }
        guard found.takesArgument else { return .option(found.short, argument: nil) }
        guard index < arguments.count else {
            return .error("option '--\(found.name)' requires an argument")
        }
        index += 1
        return .option(found.short, argument: arguments[index - 1])
    }
}
