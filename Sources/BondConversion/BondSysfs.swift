/// A live bond's options from sysfs: `/sys/class/net/BOND/bonding/*` and each slave's
/// `bonding_slave/queue_id`.
public enum BondSysfs {
    public static func read(bond: String, root: String = "/sys/class/net") throws(ConversionError) -> BondingOptions {
        let directory = "\(root)/\(bond)/bonding"
        guard let names = Files.list(directory) else {
            throw ConversionError(bond, "no bond of that name (\(directory) cannot be read)")
        }
        var files: [String: String] = [:]
        for name in names where Files.isFile("\(directory)/\(name)") {
            // Some files refuse to be read in modes they do not apply to (ad_* outside 802.3ad): not settings.
            if let contents = try? Files.read("\(directory)/\(name)") { files[name] = contents }
        }
        return BondingOptions(sysfs: files)
    }
}
