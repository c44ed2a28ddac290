import DBusWire

/// teamd's control interface on D-Bus (teamd/teamd_dbus.c, teamd_dbus_common.h): the
/// names, how a method call maps to a `ControlRequest`, how a `ControlReply` maps to a
/// D-Bus reply, and the introspection data. Pure values; the socket work is in
/// `DBusControlServer` and `DBusControlTransport`.
public enum TeamdDBus {
    /// `TEAMD_DBUS_SERVICE`: the bus name is this plus `.` and the team device's name.
    public static let servicePrefix = "org.libteam.teamd"
    /// `TEAMD_DBUS_IFACE`.
    public static let interfaceName = "org.libteam.teamd"
    /// `TEAMD_DBUS_PATH`.
    public static let objectPath = "/org/libteam/teamd"
    /// The signal carrying one event of teamd's event stream (ours; the C teamd emits none): its JSON
    /// text, as `teamdctl T monitor` prints it.
    public static let eventSignal = "Event"

    static let introspectableInterface = "org.freedesktop.DBus.Introspectable"
    static let peerInterface = "org.freedesktop.DBus.Peer"
    /// The standard error for a method the interface does not have.
    public static let unknownMethodError = "org.freedesktop.DBus.Error.UnknownMethod"

    /// `org.libteam.teamd.DEV`, the name teamd owns on the system bus.
    public static func busName(teamDevice: String) -> String {
        servicePrefix + "." + teamDevice
    }

    /// The D-Bus error name of a control error: `org.libteam.teamd.<Code>`.
    ///
    /// The C teamd builds it as `TEAMD_DBUS_IFACE "%s"`, without the dot, and sends
    /// `org.libteam.teamdNoSuchDev`; the dot is what teamd's own older code and the D-Bus
    /// naming convention have. `controlErrorCode(errorName:)` reads both forms.
    public static func errorName(_ code: ControlErrorCode) -> String {
        interfaceName + "." + code.rawValue
    }

    /// The control error code in an error name from teamd, ours (`org.libteam.teamd.Code`)
    /// or the C teamd's (`org.libteam.teamdCode`); `nil` for any other error (the bus's
    /// own, such as `org.freedesktop.DBus.Error.ServiceUnknown`).
    public static func controlErrorCode(errorName: String) -> ControlErrorCode? {
        guard errorName.hasPrefix(interfaceName) else { return nil }
        var rest = errorName.dropFirst(interfaceName.count)
        if rest.first == "." { rest = rest.dropFirst() }
        guard let first = rest.first, first.isUppercase, !rest.contains(".") else { return nil }
        return ControlErrorCode(String(rest))
    }

    /// What a server does with one incoming method call.
    public enum Call: Hashable, Sendable {
        /// One of teamd's methods, to be answered with `reply(to:with:)`.
        case control(ControlRequest)
        /// `org.freedesktop.DBus.Introspectable.Introspect`: answer `introspectionXML`.
        case introspect
        /// A call to teamd's interface that is wrong: answer this error.
        case error(DBusErrorReply)
        /// Not for teamd (another interface): answered by `standardCall`, which handles
        /// the standard interfaces (`Peer`) and refuses the rest.
        case notHandled
    }

    /// Maps a method call on `objectPath`: its interface (absent when the caller named
    /// none, which D-Bus allows), member, signature, and its arguments when the signature
    /// holds only strings.
    ///
    /// Arguments must be exactly the method's strings: anything else gets teamd's
    /// `InvalidArgs` error with its message. (The C teamd ignores extra arguments.)
    public static func call(interface: String?, member: String, signature: String, arguments: [String]) -> Call {
        if member == "Introspect", interface == nil || interface == introspectableInterface {
            return signature.isEmpty ? .introspect : .notHandled
        }
        if let interface, interface != interfaceName { return .notHandled }
        guard let method = ControlMethod(rawValue: member) else {
            if interface == nil { return .notHandled }
            return .error(DBusErrorReply(
                name: unknownMethodError,
                message: "Unknown method \"\(member)\" on interface \(interfaceName)."))
        }
        let expected = String(repeating: "s", count: method.argumentCount)
        guard signature == expected, arguments.count == method.argumentCount else {
            return .error(DBusErrorReply(control: .invalidArguments))
        }
        for (index, argument) in arguments.enumerated() where argument.utf8.count > maximumArgumentLength {
            return .error(argumentTooLong(method, index: index))
        }
        do throws(ControlRequestError) {
            return .control(try ControlRequest(method: method, arguments: arguments))
        } catch {
            return .error(DBusErrorReply(control: .invalidArguments))
        }
    }

    /// The longest string argument a method takes (a config JSON is a few KiB): a longer one is
    /// refused with `InvalidArgs` naming it, and, when it makes the call's body larger than
    /// `maximumBodyLength`, without being read into memory.
    public static let maximumArgumentLength = 1 << 20

    /// The largest body a call of `method` can have with every argument within
    /// `maximumArgumentLength`: per string its length word, its bytes, the NUL, and padding.
    static func maximumBodyLength(_ method: ControlMethod) -> Int {
        method.argumentCount * (maximumArgumentLength + 8)
    }

    /// The method of teamd's that a call's header names (teamd's object, its interface or none).
    static func method(of header: DBusMessageHeader) -> ControlMethod? {
        guard header.kind == .methodCall, header.path == objectPath,
            header.interface == nil || header.interface == interfaceName, let member = header.member
        else { return nil }
        return ControlMethod(rawValue: member)
    }

    /// Whether a server reads the body of the call `header` starts: only a call of teamd's
    /// methods with the method's signature and within `maximumBodyLength`. Every other call
    /// is answered from its header alone (introspection, `Peer`, errors), and a call whose
    /// arguments are too large gets `oversizedArguments`.
    public static func readsArguments(of header: DBusMessageHeader) -> Bool {
        guard let method = method(of: header), method.argumentCount > 0 else { return false }
        return header.signature == String(repeating: "s", count: method.argumentCount)
            && header.bodyLength <= maximumBodyLength(method)
    }

    /// The error for a call of teamd's whose body was not read because its arguments are too
    /// large (`readsArguments` said no though the signature is right): `InvalidArgs` naming the
    /// argument, found from the body's first bytes (the first string's length). `nil` for any
    /// other call whose body was not read.
    public static func oversizedArguments(of header: DBusMessageHeader, bodyPrefix: [UInt8]) -> DBusErrorReply? {
        guard let method = method(of: header), method.argumentCount > 0,
            header.signature == String(repeating: "s", count: method.argumentCount),
            header.bodyLength > maximumBodyLength(method)
        else { return nil }
        var firstLength = Int.max
        if bodyPrefix.count >= 4 {
            let word = bodyPrefix[0..<4].enumerated().reduce(UInt32(0)) { value, byte in
                header.byteOrder == .littleEndian
                    ? value | UInt32(byte.element) << (8 * UInt32(byte.offset)) : value << 8 | UInt32(byte.element)
            }
            firstLength = Int(word)
        }
        // The body is over the limit, so if the first string is within it, a later one is not.
        let index = firstLength > maximumArgumentLength || method.argumentCount == 1 ? 0 : 1
        return argumentTooLong(method, index: index)
    }

    static func argumentTooLong(_ method: ControlMethod, index: Int) -> DBusErrorReply {
        DBusErrorReply(control: ControlError(
            code: .invalidArguments,
            message: "Argument \"\(method.argumentNames[index])\" of \(method.name) is longer than "
                + "\(maximumArgumentLength) bytes."))
    }

    /// What a server answers for a call that is not teamd's (`call` said `notHandled`,
    /// or another object path), the way sd-bus answered for teamd before: the `Peer`
    /// methods on any path, `Introspect` on the paths above teamd's object (listing the
    /// next element as a child node), and errors for the rest.
    public enum StandardCall: Hashable, Sendable {
        /// `org.freedesktop.DBus.Peer.Ping`: an empty reply.
        case ping
        /// `org.freedesktop.DBus.Peer.GetMachineId`: the machine id (`/etc/machine-id`).
        case machineID
        /// `Introspect` of a path above teamd's object: this XML.
        case introspect(String)
        /// Anything else: this error.
        case error(DBusErrorReply)
    }

    static let unknownObjectError = "org.freedesktop.DBus.Error.UnknownObject"
    static let invalidArgsError = "org.freedesktop.DBus.Error.InvalidArgs"

    /// See `StandardCall`.
    public static func standardCall(path: String, interface: String?, member: String, signature: String)
        -> StandardCall
    {
        let peerMethods = ["Ping", "GetMachineId"]
        if interface == peerInterface || (interface == nil && peerMethods.contains(member)) {
            guard peerMethods.contains(member) else {
                return .error(DBusErrorReply(
                    name: unknownMethodError, message: "Unknown method '\(member)' or interface '\(peerInterface)'."))
            }
            guard signature.isEmpty else {
                return .error(DBusErrorReply(name: invalidArgsError, message: "Expected no parameters"))
            }
            return member == "Ping" ? .ping : .machineID
        }
        let known = path == objectPath || isAbove(path, objectPath)
        guard known else {
            return .error(DBusErrorReply(name: unknownObjectError, message: "Unknown object '\(path)'."))
        }
        if member == "Introspect", interface == nil || interface == introspectableInterface, path != objectPath {
            guard signature.isEmpty else {
                return .error(DBusErrorReply(name: invalidArgsError, message: "Expected no parameters"))
            }
            return .introspect(parentIntrospectionXML(path: path))
        }
        return .error(DBusErrorReply(
            name: unknownMethodError,
            message: "Unknown method '\(member)' or interface '\(interface ?? "(null)")'."))
    }

    /// Whether `path` is a proper ancestor of `descendant` (`/` is everyone's).
    static func isAbove(_ path: String, _ descendant: String) -> Bool {
        if path == "/" { return descendant != "/" }
        return descendant.hasPrefix(path + "/")
    }

    /// The introspection data of a path above teamd's object: the standard interfaces
    /// and the next path element down towards the object as a child node.
    static func parentIntrospectionXML(path: String) -> String {
        let rest = objectPath.dropFirst(path == "/" ? 1 : path.count + 1)
        let child = rest.split(separator: "/").first.map(String.init) ?? ""
        return standardInterfacesXML + """
             <node name="\(child)"/>
            </node>

            """
    }

    /// The start of every introspection document the server sends: the doctype and the standard
    /// interfaces it answers on any path.
    static let standardInterfacesXML = """
            <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
            "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
            <node>
             <interface name="\(peerInterface)">
              <method name="Ping"/>
              <method name="GetMachineId">
               <arg type="s" name="machine_uuid" direction="out"/>
              </method>
             </interface>
             <interface name="\(introspectableInterface)">
              <method name="Introspect">
               <arg type="s" name="data" direction="out"/>
              </method>
             </interface>

            """

    /// The D-Bus reply for a method's result: on success one string (`s`) for the
    /// methods that return one and no arguments for the others; on failure the
    /// `org.libteam.teamd.<Code>` error with teamd's message.
    public static func reply(to method: ControlMethod, with reply: ControlReply) -> Result<String?, DBusErrorReply> {
        switch reply {
        case .success(let payload): return .success(method.returnsValue ? payload : nil)
        case .failure(let error): return .failure(DBusErrorReply(control: error))
        }
    }

    /// The introspection data of `objectPath`: the standard interfaces the server answers
    /// there, and teamd's methods with their in arguments (named as teamd names them)
    /// and, unlike the C teamd's data, their out argument.
    public static let introspectionXML: String = {
        var xml = standardInterfacesXML + """
             <interface name="\(interfaceName)">

            """
        for method in ControlMethod.allCases {
            xml += "  <method name=\"\(method.name)\">\n"
            for argument in method.argumentNames {
                xml += "   <arg type=\"s\" name=\"\(argument)\" direction=\"in\"/>\n"
            }
            if let result = method.resultName {
                xml += "   <arg type=\"s\" name=\"\(result)\" direction=\"out\"/>\n"
            }
            xml += "  </method>\n"
        }
        xml += "  <signal name=\"\(eventSignal)\">\n   <arg type=\"s\" name=\"event\"/>\n  </signal>\n"
        xml += " </interface>\n</node>\n"
        return xml
    }()
}

/// A D-Bus error reply: its name and message.
public struct DBusErrorReply: Error, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    /// teamd's error for a control error: `org.libteam.teamd.<Code>` and its message.
    public init(control error: ControlError) {
        self.init(name: TeamdDBus.errorName(error.code), message: error.message)
    }

    public var description: String { "\(name): \(message)" }
}
