import NetlinkCodec
import Packets
import TeamWire

/// The bonding driver's rtnetlink side, after drivers/net/bonding (bond_netlink.c, bond_main.c,
/// bond_options.c): a bond made with its IFLA_BOND_* parameters, ports enslaved with IFLA_MASTER (opened,
/// given the bond's MAC unless active-backup's fail_over_mac says otherwise), released (closed, their MAC
/// restored), the active slave set by IFLA_BOND_ACTIVE_SLAVE only to a port that is up with carrier, and
/// the first usable port made active by the driver itself when there is none.
extension FakeKernel {
    /// The bond's parameters as the kernel reports them.
    public func bondParameters(_ index: UInt32) -> BondParameters? { links[index]?.bond }

    /// The bond's ports in the order they were enslaved.
    public func ports(ofBond index: UInt32) -> [UInt32] { bondPorts[index] ?? [] }

    func createBond(_ message: LinkMessage) -> Int32 {
        guard let name = message.name, !name.isEmpty, name.utf8.count < 16 else { return 22 }
        var parameters = message.bond?.parameters ?? BondParameters()
        parameters.mode = parameters.mode ?? .balanceRR
        // bond_opts: arp_interval's unsuppmodes are 802.3ad, balance-tlb and balance-alb.
        if parameters.arpInterval != nil && [.ieee8023ad, .balanceTLB, .balanceALB].contains(parameters.mode) { return 13 }
        parameters.activeSlave = nil
        parameters.miimon = parameters.miimon ?? 0
        parameters.arpInterval = parameters.arpInterval ?? 0
        if let address = message.address {
            guard address.count == 6 else { return 22 }
            guard address[0] & 1 == 0, address != [0, 0, 0, 0, 0, 0] else { return 99 }
        }
        let index = addLink(name: name, kind: "bond", address: message.address, carrier: false)
        links[index]!.bond = parameters
        links[index]!.mtu = 1500
        bondPorts[index] = []
        return 0
    }

    /// RTM_NEWLINK on an existing link: a bond's changelink or a bond port's slave_changelink.
    func changeLinkInfo(_ message: LinkMessage, of link: Link) -> Int32 {
        if message.kind == "bond" {
            guard bondPorts[link.index] != nil, var current = link.bond else { return 95 }
            let change = message.bond?.parameters ?? BondParameters()
            if let mode = change.mode, mode != current.mode {
                guard bondPorts[link.index]!.isEmpty else { return 1 }       // EPERM: "unable to set mode"
                current.mode = mode
            }
            if let active = change.activeSlave {
                guard current.mode == .activeBackup else { return 22 }
                if active != 0 {
                    guard bondPorts[link.index]!.contains(active), let port = links[active],
                          port.isUp, port.carrier == true else { return 22 }
                }
                setActive(active, bond: link.index)
                current = links[link.index]!.bond!
            }
            if let value = change.peerNotifications { current.peerNotifications = value }
            if let value = change.peerNotificationDelay { current.peerNotificationDelay = value }
            if let value = change.resendIGMP { current.resendIGMP = value }
            links[link.index]!.bond = current
            linkEvent(links[link.index]!)
            return 0
        }
        if message.slaveKind == "bond" {
            return bondPorts[link.master] != nil ? 0 : 95
        }
        return 95
    }

    func enslaveToBond(port index: UInt32, bond: UInt32) -> Int32 {
        guard var link = links[index], let bondLink = links[bond], let parameters = bondLink.bond else { return 19 }
        if index == bond { return 22 }
        if link.master == bond { return 0 }
        if link.master != 0 { return 16 }
        bondOriginalAddress[index] = link.address
        if bondPorts[bond]!.isEmpty && bondLink.address?.bytes.starts(with: [0x02, 0x00, 0x00, 0x00, 0x00]) == true {
            links[bond]!.address = link.address                                // the first port's MAC
        }
        if parameters.mode != .activeBackup || (parameters.failOverMAC ?? .off) == .off {
            link.address = links[bond]!.address
        }
        link.master = bond
        link.slaveKind = "bond"
        link.bondSlave = BondSlaveInfo(isActive: parameters.mode != .activeBackup)
        link.flags.insert(.up)                                                 // dev_open
        link = refreshed(link)
        links[index] = link
        bondPorts[bond]!.append(index)
        linkEvent(link)
        if parameters.mode == .activeBackup && (parameters.activeSlave ?? 0) == 0 && link.carrier == true {
            setActive(index, bond: bond)
        }
        bondCarrierCheck(bond)
        return 0
    }

    func releaseFromBond(_ index: UInt32) -> Int32 {
        guard var link = links[index], let bond = Optional(link.master), bondPorts[bond] != nil else { return 0 }
        bondPorts[bond]!.removeAll { $0 == index }
        if let original = bondOriginalAddress.removeValue(forKey: index) { link.address = original }
        link.master = 0
        link.slaveKind = nil
        link.bondSlave = nil
        link.flags.remove(.up)                                                 // dev_close
        link = refreshed(link)
        links[index] = link
        linkEvent(link)
        if links[bond]?.bond?.activeSlave == index {
            let next = bondPorts[bond]!.first { links[$0]?.carrier == true } ?? 0
            setActive(next, bond: bond)
        }
        bondCarrierCheck(bond)
        return 0
    }

    private func setActive(_ index: UInt32, bond: UInt32) {
        links[bond]!.bond!.activeSlave = index == 0 ? nil : index
        for port in bondPorts[bond]! {
            links[port]!.bondSlave?.isActive = port == index
            linkEvent(links[port]!)
        }
        linkEvent(links[bond]!)
    }

    /// The bond has carrier while a port has (miimon 0: every port counts as up).
    private func bondCarrierCheck(_ bond: UInt32) {
        guard var link = links[bond] else { return }
        let carrier = bondPorts[bond]!.contains { links[$0]?.carrier == true }
        guard link.carrier != carrier else { return }
        link.carrier = carrier
        links[bond] = refreshed(link)
        linkEvent(links[bond]!)
    }
}
