import Testing
import TeamWire
import TeamTesting
@testable import TeamKit

@Suite struct TeamEventStreamTests {
    @Test("a port's carrier drop arrives on the async stream as a port change")
    func portChangeArrives() async throws {
        // The fake kernel is not thread-safe: only the stream's task touches it, after making the device.
        nonisolated(unsafe) let lab = try Lab()
        let stream = TeamDevice.changes(pollSlice: .milliseconds(10)) {
            let device = try lab.device()
            lab.kernel.setCarrier(false, index: lab.eth1)
            return device
        }
        var seen: TeamPortStatus?
        for try await event in stream {
            if case .portsChanged(let ports) = event, let port = ports.first(where: { $0.index == lab.eth1 }) {
                seen = port
                break
            }
        }
        #expect(seen?.isLinkUp == false)
    }

    @Test("a device that cannot be made ends the stream with its error")
    func failureEndsStream() async {
        nonisolated(unsafe) let kernel = FakeKernel()
        kernel.teamFamilyRegistered = false
        let stream = TeamDevice.changes {
            try TeamDevice(teamIndex: 99, commandTransport: kernel.makeTransport(.generic))
        }
        await #expect(throws: (any Error).self) {
            for try await _ in stream {}
        }
    }
}
