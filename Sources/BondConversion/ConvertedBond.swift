/// A bond as team2bond renders it: the bonding driver's options by their kernel names (as in sysfs and
/// `ip link`), the slaves with their own options, and every team setting that did not translate.
public struct ConvertedBond: Sendable, Equatable {
    public struct Slave: Sendable, Equatable {
        public let name: String
        /// The slave's `prio` (Linux 6.0+), from the port's `prio`; nil when 0.
        public let priority: Int32?
        /// The slave's `queue_id`, from the port's `queue_id`.
        public let queueID: UInt32?
    }

    public let device: String
    /// `mode` first; the values as the kernel names them (`active-backup`, `layer3+4`, `fast`).
    public let options: [BondingOption]
    /// `address`: the team's `hwaddr`.
    public let hardwareAddress: String?
    public let slaves: [Slave]
    public let untranslated: [UntranslatedSetting]

    public func option(_ name: String) -> String? { options.last { $0.name == name }?.value }

    /// The primary slave (`primary`), if any.
    public var primary: String? { option("primary") }
}

/// A team setting the bond cannot express: where it is, what the bond does instead, and what our teamd
/// keeps of it when it runs the same config on the bonding driver (`teamd --backend bonding`).
public struct UntranslatedSetting: Sendable, Equatable, CustomStringConvertible {
    /// The teamd.conf path (`$.ports.eth0.link_watch`), or the output format it concerns.
    public let setting: String
    public let bond: String
    /// What `teamd --backend bonding` does with it; nil when it cannot keep it either.
    public let keptByTeamd: String?

    public init(_ setting: String, bond: String, keptByTeamd: String? = nil) {
        self.setting = setting
        self.bond = bond
        self.keptByTeamd = keptByTeamd
    }

    public var description: String {
        "\(setting): \(bond)" + (keptByTeamd.map { "; teamd --backend bonding: \($0)" } ?? "")
    }
}
