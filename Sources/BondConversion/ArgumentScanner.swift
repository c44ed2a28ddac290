/// The command lines of bond2team and team2bond: long options `--name`, those with a value as
/// `--name VALUE` (the C bond2team's form) or `--name=VALUE`, and plain operands.
struct ArgumentScanner {
    enum Item: Equatable {
        case option(String)
        case operand(String)
    }

    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    private let arguments: [String]
    private var index = 0
    private var pendingValue: String?
    private var pendingOption = ""

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// Fails when the last option was given a value it does not take.
    func finish() throws(Failure) {
        if pendingValue != nil { throw Failure(description: "option \(pendingOption) does not take a value") }
    }

    /// The next option (without its value) or operand; nil at the end. `-` alone is an operand.
    mutating func next() throws(Failure) -> Item? {
        if pendingValue != nil { throw Failure(description: "option \(pendingOption) does not take a value") }
        guard index < arguments.count else { return nil }
        let argument = arguments[index]
        index += 1
        guard argument.hasPrefix("-"), argument != "-" else { return .operand(argument) }
        if let equals = argument.firstIndex(of: "=") {
            pendingValue = String(argument[argument.index(after: equals)...])
            pendingOption = String(argument[..<equals])
            return .option(pendingOption)
        }
        return .option(argument)
    }

    /// The value of the option just returned.
    mutating func value(of option: String) throws(Failure) -> String {
        if let value = pendingValue {
            pendingValue = nil
            return value
        }
        guard index < arguments.count else { throw Failure(description: "option \(option) needs a value") }
        index += 1
        return arguments[index - 1]
    }
}
