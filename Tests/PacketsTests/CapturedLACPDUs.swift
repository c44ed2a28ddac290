// Frames recorded by lab/scenarios/lacp-capture.sh (tcpdump on the partner side of a veth), whole as a
// SOCK_RAW packet socket sees them. Do not edit by hand: they are the wire truth the codec is held to.

enum CapturedLACPDU {
    /// lab/captures/lacp-c-teamd.pcap frame 1: the partner C teamd (pteam0, fast_rate; port tp0p = ifindex 2, lacp_prio 255) before it heard anyone
    static let teamdFirst = hex("""
        0180c200000276fbab16df82880901010114ffff76fbab16df82000000ff000287000000021400000000000000000000
        000000000200000003100000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)
    /// lab/captures/lacp-c-teamd.pcap frame 5: the C teamd team0 (port tp0 = ifindex 3, lacp_prio 10) collecting and distributing, state 0x3f
    static let teamdInSync = hex("""
        0180c2000002ee15721aebc8880901010114ffffee15721aebc80000000a00033f0000000214ffff76fbab16df820000
        00ff00023f00000003100000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)
    /// lab/captures/lacp-bonding.pcap frame 1: the bonding driver (bond0, 802.3ad, lacp_rate fast; key 15) with its default partner, state 0x47
    static let bondingDefaulted = hex("""
        0180c200000276fbab16df82880901010114ffff76fbab16df82000f00ff0001470000000214ffff0000000000000001
        00ff00010000000003100000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)
    /// lab/captures/lacp-bonding.pcap frame 2: the C teamd team0 answering bonding from EXPIRED, state 0x8f
    static let teamdExpired = hex("""
        0180c2000002ee15721aebc8880901010114ffffee15721aebc8000000ff00038f0000000214ffff76fbab16df82000f
        00ff00014700000003100000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)
    /// lab/captures/lacp-bonding.pcap frame 5: bonding in sync, not yet collecting, state 0x0f
    static let bondingInSync = hex("""
        0180c2000002ee15721aebc8880901010114ffffee15721aebc8000000ff00030f0000000214ffff76fbab16df82000f
        00ff00010700000003100000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter(\.isHexDigit)
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
