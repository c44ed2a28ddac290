import Packets
import Testing
import TeamJSON
import TeamWire
import TeamdControl
@testable import TeamdCore

@Suite("loadbalance runner")
struct LoadBalanceRunnerTests {
    static func program(_ value: TeamOptionValue?) -> [UInt8]? {
        if case .binary(let bytes)? = value { return bytes }
        return nil
    }

    @Test("start gives the kernel the tx_hash program as struct sock_filter entries")
    func hashFunction() throws {
        var runner = LoadBalanceRunner(config: LoadBalanceConfig(txHash: [.l3, .l4]))
        let actions = runner.start(context: RunnerContext(ports: PortTable(), teamAddress: teamMAC))
        guard case .setOption(let id, let value)? = actions.first, id.name == "bpf_hash_func" else {
            Issue.record("no bpf_hash_func"); return
        }
        let bytes = try #require(Self.program(value))
        #expect(bytes.count % 8 == 0)
        #expect(bytes == BPFProgram.transmitHash([.l3, .l4]).instructions.flatMap(\.encoded))
        #expect(bytes != BPFProgram.transmitHash([.eth, .ipv4, .ipv6]).instructions.flatMap(\.encoded))
    }

    @Test("ports take the team MAC and are enabled while their link is up")
    func ports() {
        let (e0, actions) = engine(LoadBalanceRunner(), [port("eth0", 3), port("eth1", 5, up: false)])
        var e = e0
        #expect(actions.contains(.setPortAddress(port: 3, teamMAC)))
        #expect(actions.contains(.enable(3, true)))
        #expect(!actions.contains(.enable(5, true)))
        #expect(e.kernelPortChanged(linkUp(5)).contains(.enable(5, true)))
        #expect(e.kernelPortChanged(linkDown(3)).contains(.enable(3, false)))
    }

    @Test("the daemon runs loadbalance and lacp with the hash program in the kernel")
    func daemon() throws {
        for config in [#"{"runner":{"name":"loadbalance","tx_hash":["eth","l4"]},"ports":{"eth0":{},"eth1":{}}}"#,
                       #"{"runner":{"name":"lacp","tx_hash":["eth","l4"]},"ports":{"eth0":{},"eth1":{}}}"#] {
            let h = try LACPDaemonHarness(config)
            try h.start()
            h.pump()
            let options = h.kernel.options(ofTeam: h.team)
            #expect(options.first { $0.name == "mode" }?.value == .string("loadbalance"))
            #expect(Self.program(options.first { $0.name == "bpf_hash_func" }?.value)
                    == BPFProgram.transmitHash([.eth, .l4]).instructions.flatMap(\.encoded))
        }
        let lb = try LACPDaemonHarness(#"{"runner":{"name":"loadbalance"},"ports":{"eth0":{},"eth1":{}}}"#)
        try lb.start()
        lb.pump()
        #expect(lb.option("enabled", port: "eth0") == .bool(true))
        #expect(lb.ports.isEmpty, "loadbalance opens no packet socket")
        #expect(lb.item("setup.runner_name") == .success("loadbalance"))
    }
}
