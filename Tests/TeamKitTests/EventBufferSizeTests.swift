import Glibc
import Testing
@testable import TeamKit

/// TEAM_EVENT_BUFSIZE: libteam's variable for the event sockets' receive buffer, strictly read.
@Suite struct EventBufferSizeTests {
    @Test(arguments: [("32768", Int32(32768)), ("4096", 4096), ("1073741824", 1 << 30), ("0", 32768), ("007", 7)])
    func sizes(text: String, bytes: Int32) throws {
        #expect(try EventBufferSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "-1", "+5", "32k", " 32768", "32768 ", "0x8000", "1073741825", "99999999999999999999"])
    func refused(text: String) {
        #expect(throws: EventBufferSize.Invalid(text: text)) { try EventBufferSize.parse(text) }
    }

    @Test func errorNamesTheVariable() {
        let message = EventBufferSize.Invalid(text: "32k").description
        #expect(message == "TEAM_EVENT_BUFSIZE: \"32k\" is not a receive buffer size; use a number of bytes from 0 to 1073741824")
    }

    @Test func theEventSocketsGetTheSizeTheOthersKeepTheDefault() throws {
        let kernel = KernelAccess.system(eventBufferSize: 32768)
        // The kernel doubles what it is given (socket(7), SO_RCVBUF).
        #expect(try receiveBuffer(kernel.makeRouteEvents()) == 65536)
        #expect(try receiveBuffer(kernel.makeGenericEvents()) == 65536)
        #expect(try receiveBuffer(kernel.makeRoute()) > 65536)
        #expect(try receiveBuffer(KernelAccess.system.makeRouteEvents()) > 65536)
    }

    private func receiveBuffer(_ transport: any NetlinkTransport) throws -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(transport.pollDescriptor, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0)
        return value
    }
}
