import Testing
import NetlinkCodec
import TeamWire
@testable import TeamKit

/// Against the running kernel, without privileges: nlctrl and the link dump are open to
/// everyone.
@Suite struct NetlinkSocketTests {
    @Test func resolvesTheControllerItself() throws {
        let connection = NetlinkConnection(transport: try NetlinkSocket(protocol: .generic))
        let family = try connection.resolveFamily(named: "nlctrl")
        #expect(family.id == GenericNetlinkController.familyID)
        #expect(family.multicastGroup(named: "notify") != nil)
    }

    @Test func unknownFamilyIsNotFound() throws {
        let connection = NetlinkConnection(transport: try NetlinkSocket(protocol: .generic))
        #expect(throws: NetlinkError.self) { try connection.resolveFamily(named: "nosuchfamily") }
        do {
            _ = try connection.resolveFamily(named: "nosuchfamily")
        } catch let error as NetlinkError {
            #expect(error.code == .notFound)
        }
    }

    @Test func dumpsAndLooksUpLoopback() throws {
        let route = try RouteClient()
        let links = try route.dumpLinks()
        let loopback = try #require(links.first { $0.name == "lo" })
        #expect(loopback.flags.contains(.loopback))
        #expect(try route.link(named: "lo")?.index == loopback.index)
        #expect(try route.link(index: loopback.index)?.name == "lo")
        #expect(try route.link(named: "nosuchdev0") == nil)
    }

    @Test func socketHasAPortID() throws {
        let socket = try NetlinkSocket(protocol: .route)
        #expect(socket.portID != 0)
        #expect(socket.pollDescriptor >= 0)
        #expect(try socket.receive(timeout: .zero).isEmpty)
    }
}
