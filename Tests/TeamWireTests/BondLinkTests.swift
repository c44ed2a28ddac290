import Testing
import NetlinkCodec
@testable import TeamWire

// Built by hand from include/uapi/linux/if_link.h (IFLA_BOND_*, IFLA_BOND_SLAVE_*: enum positions) and
// drivers/net/bonding/bond_netlink.c (bond_policy: MODE and FAIL_OVER_MAC u8, MIIMON, ARP_INTERVAL and
// ACTIVE_SLAVE u32, slave QUEUE_ID u16); every attribute padded to 4 bytes, nest lengths with padding.

@Suite struct BondLinkTests {
    @Test func attributeNumbersFollowTheUAPIEnum() {
        #expect([BondAttribute.mode, BondAttribute.activeSlave, BondAttribute.miimon, BondAttribute.arpInterval,
                 BondAttribute.failOverMAC, BondAttribute.transmitHashPolicy, BondAttribute.resendIGMP,
                 BondAttribute.peerNotifications, BondAttribute.minimumLinks, BondAttribute.lacpRate,
                 BondAttribute.aggregatorSelection, BondAttribute.aggregatorInfo, BondAttribute.actorSystemPriority,
                 BondAttribute.userPortKey, BondAttribute.peerNotificationDelay, BondAttribute.lacpActive]
                == [1, 2, 3, 7, 13, 14, 15, 16, 18, 21, 22, 23, 24, 25, 28, 29])
        #expect([BondSlaveAttribute.state, BondSlaveAttribute.miiStatus, BondSlaveAttribute.queueID,
                 BondSlaveAttribute.aggregatorID, BondSlaveAttribute.actorState, BondSlaveAttribute.partnerState,
                 BondSlaveAttribute.priority] == [1, 2, 5, 6, 7, 8, 9])
        #expect(BondMode.allCases.map(\.name) == ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
                                                   "balance-tlb", "balance-alb"])
        #expect(BondTransmitHashPolicy.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5])
    }

    @Test func createActiveBackupBondBytes() throws {
        var parameters = BondParameters(mode: .activeBackup)
        parameters.miimon = 0
        parameters.arpInterval = 0
        parameters.failOverMAC = .active
        #expect(try LinkMessage.createBond(name: "bond0", parameters: parameters).encode() == [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,            // ifinfomsg
            10, 0, 3, 0, 0x62, 0x6f, 0x6e, 0x64, 0x30, 0, 0, 0,        // IFLA_IFNAME "bond0"
            52, 0, 18, 0,                                              // IFLA_LINKINFO
            9, 0, 1, 0, 0x62, 0x6f, 0x6e, 0x64, 0, 0, 0, 0,            //   IFLA_INFO_KIND "bond"
            36, 0, 2, 0,                                               //   IFLA_INFO_DATA
            5, 0, 1, 0, 1, 0, 0, 0,                                    //     IFLA_BOND_MODE u8 1
            8, 0, 3, 0, 0, 0, 0, 0,                                    //     IFLA_BOND_MIIMON u32 0
            8, 0, 7, 0, 0, 0, 0, 0,                                    //     IFLA_BOND_ARP_INTERVAL u32 0
            5, 0, 13, 0, 1, 0, 0, 0,                                   //     IFLA_BOND_FAIL_OVER_MAC u8 1
        ])
    }

    @Test func lacpParametersBytes() throws {
        var parameters = BondParameters(mode: .ieee8023ad)
        parameters.minimumLinks = 2
        parameters.fastLACPRate = true
        parameters.aggregatorSelection = .count
        parameters.actorSystemPriority = 0x1234
        parameters.userPortKey = 7
        parameters.lacpActive = false
        var writer = AttributeWriter()
        parameters.encode(into: &writer)
        #expect(writer.bytes == [
            5, 0, 1, 0, 4, 0, 0, 0,                                    // MODE 802.3ad
            8, 0, 18, 0, 2, 0, 0, 0,                                   // MIN_LINKS u32
            5, 0, 21, 0, 1, 0, 0, 0,                                   // AD_LACP_RATE u8 fast
            5, 0, 22, 0, 2, 0, 0, 0,                                   // AD_SELECT u8 count
            6, 0, 24, 0, 0x34, 0x12, 0, 0,                             // AD_ACTOR_SYS_PRIO u16
            6, 0, 25, 0, 7, 0, 0, 0,                                   // AD_USER_PORT_KEY u16
            5, 0, 29, 0, 0, 0, 0, 0,                                   // AD_LACP_ACTIVE u8 off
        ])
        #expect(try BondParameters.decode(writer.bytes).0 == parameters)
    }

    @Test func changeActiveSlaveBytes() throws {
        var parameters = BondParameters()
        parameters.activeSlave = 9
        #expect(try LinkMessage.changeBond(index: 7, parameters: parameters).encode() == [
            0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,            // ifinfomsg, ifindex 7
            28, 0, 18, 0,                                              // IFLA_LINKINFO
            9, 0, 1, 0, 0x62, 0x6f, 0x6e, 0x64, 0, 0, 0, 0,            //   IFLA_INFO_KIND "bond"
            12, 0, 2, 0, 8, 0, 2, 0, 9, 0, 0, 0,                       //   DATA { ACTIVE_SLAVE u32 9 }
        ])
    }

    @Test func slaveQueueIDBytes() throws {
        #expect(try LinkMessage.changeBondSlave(index: 9, queueID: 3).encode() == [
            0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            28, 0, 18, 0,
            9, 0, 4, 0, 0x62, 0x6f, 0x6e, 0x64, 0, 0, 0, 0,            //   IFLA_INFO_SLAVE_KIND "bond"
            12, 0, 5, 0, 6, 0, 5, 0, 3, 0, 0, 0,                       //   SLAVE_DATA { QUEUE_ID u16 3 }
        ])
    }

    @Test func bondAndPortDecodeAsTheKernelReportsThem() throws {
        var parameters = BondParameters(mode: .ieee8023ad)
        parameters.activeSlave = 4
        var aggregator = BondAggregatorInfo()
        aggregator.aggregatorID = 2
        aggregator.portCount = 2
        aggregator.partnerAddress = [2, 0, 0, 0, 0, 9]
        let bond = Link(index: 3, name: "bond0", kind: "bond", bond: parameters, bondAggregator: aggregator)
        let decoded = try LinkMessage.decode(bond.message.encode())
        #expect(decoded.link == bond)
        let port = Link(index: 4, name: "eth0", master: 3, kind: "veth", slaveKind: "bond",
                        bondSlave: BondSlaveInfo(isActive: false, isMIIUp: true, aggregatorID: 2, actorState: 0x3d,
                                                 partnerState: 0x3f))
        #expect(try LinkMessage.decode(port.message.encode()).link == port)
        // PARTNER_OPER_PORT_STATE is a u16 on the wire; the state octet is its low byte.
        let partner: [UInt8] = [6, 0, 8, 0, 0x3f, 0, 0, 0]
        #expect(try BondSlaveInfo.decode(partner).partnerState == 0x3f)
        #expect(throws: NetlinkError.self) { try BondSlaveInfo.decode([5, 0, 8, 0, 0x3f, 0, 0, 0]) }
    }
}
