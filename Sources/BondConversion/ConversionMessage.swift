/// What a conversion says about a setting besides its result: a warning names a setting that was not
/// converted exactly (or not at all); a note names one that needed nothing (a kernel default, a status
/// file) and is shown only with `--debug`. Nothing is dropped without one of them.
public struct ConversionMessage: Sendable, Equatable, CustomStringConvertible {
    public enum Level: Sendable, Equatable, Comparable {
        case note
        case warning
    }

    public let level: Level
    /// The bonding option or teamd.conf path the message is about.
    public let setting: String
    public let text: String

    public init(_ level: Level, _ setting: String, _ text: String) {
        self.level = level
        self.setting = setting
        self.text = text
    }

    public var description: String { "\(setting): \(text)" }
}

/// A conversion that cannot produce a faithful config: names the setting and why. No output is written.
public struct ConversionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let setting: String
    public let reason: String

    public init(_ setting: String, _ reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { setting.isEmpty ? reason : "\(setting): \(reason)" }
}
