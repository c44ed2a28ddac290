import TeamWire

/// The aggregate device a daemon drives, whichever kernel driver moves the packets: the team driver
/// (`TeamDevice`, the team generic netlink family) or the bonding driver (`BondDevice`, rtnetlink). The
/// daemon speaks in the team driver's terms (options such as `enabled` and `activeport`, port statuses,
/// change events); a backend translates them to what its driver has.
public protocol AggregateDevice: AnyObject {
    /// The device's ifindex.
    var teamIndex: UInt32 { get }
    /// A descriptor that poll() reports readable when `drainEvents` has something; -1 if none.
    var eventDescriptor: Int32 { get }
    /// The queued changes, without blocking: at most `maxReads` datagrams.
    func drainEvents(maxReads: Int) throws -> [TeamEvent]
    /// The cached ports.
    func ports() -> [TeamPortStatus]
    /// Refetches the ports.
    @discardableResult func refreshPorts() throws -> [TeamPortStatus]
    /// The cached options.
    func options() -> [TeamOption]
    /// Refetches the options.
    @discardableResult func refreshOptions() throws -> [TeamOption]
    /// The cached option instance with exactly this name, port and array index.
    func option(named name: String, port: UInt32?, arrayIndex: UInt32?) -> TeamOption?
    /// Writes one option, acknowledged.
    func setOption(_ id: TeamOptionID, to value: TeamOptionValue) throws
    /// Writes several small options, `perMessage` to a message where the device can (TeamDevice).
    func setOptions(_ options: [TeamOption], perMessage: Int) throws
    /// The kernel's name of the device's mode (`setup.kernel_team_mode_name`); nil: the runner's team mode.
    var kernelModeName: String? { get }
    /// Whether the driver sets the ports' and the device's MACs and the device's carrier itself (bonding's
    /// fail_over_mac and min_links): the daemon then leaves them alone.
    var driverManagesAddresses: Bool { get }
    /// teamd released the port (PortRemove, exit): whatever the device kept about it goes.
    func portReleased(_ index: UInt32)
}

extension AggregateDevice {
    /// Every queued change, without blocking.
    public func drainEvents() throws -> [TeamEvent] { try drainEvents(maxReads: .max) }

    /// The cached instance of a known option, team-wide or of `port`.
    public func option(_ name: TeamOptionName, port: UInt32? = nil) -> TeamOption? {
        option(named: name.rawValue, port: port, arrayIndex: nil)
    }

    public func option(named name: String, port: UInt32? = nil) -> TeamOption? {
        option(named: name, port: port, arrayIndex: nil)
    }

    /// One option at a time, unless the device writes several in one message.
    public func setOptions(_ options: [TeamOption], perMessage: Int) throws {
        for option in options { try setOption(option.id, to: option.value) }
    }

    public func setOptions(_ options: [TeamOption]) throws { try setOptions(options, perMessage: 64) }
}

extension TeamDevice: AggregateDevice {
    public var kernelModeName: String? { nil }
    public var driverManagesAddresses: Bool { false }
    public func portReleased(_ index: UInt32) {}
}
