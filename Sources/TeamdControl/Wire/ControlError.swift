/// The error code of a failed control call: a bare word on the UNIX socket and ZeroMQ
/// (`REPLY_ERROR\n<code>\n...`), `org.libteam.teamd.<code>` on D-Bus.
///
/// A struct rather than an enum so that a code we do not know (from a newer teamd)
/// still reaches the caller unchanged.
public struct ControlErrorCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// `InvalidArgs`: missing or undecodable arguments.
    public static let invalidArguments: ControlErrorCode = "InvalidArgs"
    /// `NoSuchDev`: the named port device does not exist.
    public static let noSuchDevice: ControlErrorCode = "NoSuchDev"
    /// `ConfigUpdateFail`.
    public static let configUpdateFailed: ControlErrorCode = "ConfigUpdateFail"
    /// `ConfigDumpFail`.
    public static let configDumpFailed: ControlErrorCode = "ConfigDumpFail"
    /// `ConfigDumpActualFail`.
    public static let configDumpActualFailed: ControlErrorCode = "ConfigDumpActualFail"
    /// `PortAddFail`.
    public static let portAddFailed: ControlErrorCode = "PortAddFail"
    /// `PortRemoveFail`.
    public static let portRemoveFailed: ControlErrorCode = "PortRemoveFail"
    /// `StateDumpFail`.
    public static let stateDumpFailed: ControlErrorCode = "StateDumpFail"
    /// `PathDoesNotExist`: no state item at the path.
    public static let pathDoesNotExist: ControlErrorCode = "PathDoesNotExist"
    /// `ItemValueGetFail`.
    public static let itemValueGetFailed: ControlErrorCode = "ItemValueGetFail"
    /// `OpNotSupp`: the state item cannot be set.
    public static let operationNotSupported: ControlErrorCode = "OpNotSupp"
    /// `ItemValueSetFail`: e.g. a value of the wrong type.
    public static let itemValueSetFailed: ControlErrorCode = "ItemValueSetFail"

    /// `UnknownMethod` (swift-team): the C teamd does not answer a request for an unknown
    /// method at all, and its client waits 5 s for nothing; we answer with this code.
    public static let unknownMethod: ControlErrorCode = "UnknownMethod"
    /// `InvalidRequest` (swift-team): a datagram that is not a request (empty, too large,
    /// not starting with `REQUEST`, not UTF-8). The C teamd ignores those silently.
    public static let invalidRequest: ControlErrorCode = "InvalidRequest"
    /// `PermissionDenied` (swift-team): the peer of the UNIX socket or of ZeroMQ is not root.
    /// The C teamd has no such check on ZeroMQ.
    public static let permissionDenied: ControlErrorCode = "PermissionDenied"
}

/// A failed control call as teamd reports it: a code and a one-line message.
public struct ControlError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ControlErrorCode
    public var message: String

    public init(code: ControlErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    // The errors teamd's method table answers, with the C teamd's messages
    // (teamd/teamd_ctl.c), so that clients print the same text for both daemons.

    public static let invalidArguments = ControlError(
        code: .invalidArguments, message: "Did not receive correct message arguments.")
    public static let noSuchDevice = ControlError(code: .noSuchDevice, message: "No such device.")
    public static let configUpdateFailed = ControlError(
        code: .configUpdateFailed, message: "Failed to update config.")
    public static let configDumpFailed = ControlError(code: .configDumpFailed, message: "Failed to dump config.")
    public static let configDumpActualFailed = ControlError(
        code: .configDumpActualFailed, message: "Failed to dump actual config.")
    public static let portAddFailed = ControlError(code: .portAddFailed, message: "Failed to add port.")
    public static let portRemoveFailed = ControlError(code: .portRemoveFailed, message: "Failed to del port.")
    public static let stateDumpFailed = ControlError(code: .stateDumpFailed, message: "Failed to dump state.")
    public static let pathDoesNotExist = ControlError(
        code: .pathDoesNotExist, message: "Item path does not exist.")
    public static let itemValueGetFailed = ControlError(
        code: .itemValueGetFailed, message: "Failed to get item value.")
    public static let operationNotSupported = ControlError(
        code: .operationNotSupported, message: "Operation not supported.")
    public static let itemValueSetFailed = ControlError(
        code: .itemValueSetFailed, message: "Failed to set item value.")
    /// swift-team's: a request from a peer that is not root.
    public static let permissionDenied = ControlError(
        code: .permissionDenied, message: "Only root may control teamd.")
}
