import Packets
import Testing

@Suite struct EthernetAddressTests {
    @Test func printsAndParsesAsTheCToolsDo() throws {
        let address = try #require(EthernetAddress(bytes: [0x02, 0xab, 0, 0x10, 0xff, 9]))
        #expect(address.description == "02:ab:00:10:ff:09")
        #expect(EthernetAddress("02:ab:00:10:ff:09") == address)
        #expect(EthernetAddress("2:AB:0:10:FF:9") == address, "one or two hex digits a group, either case")
        for bad in ["", "02:ab:zz", "02:ab:00:10:ff", "02:ab:00:10:ff:09:01", "02:ab:00:10:ff:109", "02::00:10:ff:09"] {
            #expect(EthernetAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func groupAndZeroAddresses() throws {
        #expect(EthernetAddress.slowProtocolsMulticast.isMulticast)
        #expect(EthernetAddress.zero.isZero)
        let unicast = try #require(EthernetAddress("02:00:00:00:00:01"))
        #expect(!unicast.isMulticast && !unicast.isZero)
    }
}
