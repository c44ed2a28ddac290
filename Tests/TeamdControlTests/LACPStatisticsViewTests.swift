import Testing
import TeamJSON
import TeamdControl
import TeamdctlCLI

/// Our teamd's lacp dump has what the C teamd's has not: `ports.X.runner.statistics` and SONiC's
/// `runner.fallback`. The C teamdctl ignores them; ours shows them (statistics with -v only).
@Suite("state view of our lacp counters and SONiC's fallback")
struct LACPStatisticsViewTests {
    static let statistics = #"""
        {"lacpdu_rx_stats": 12, "lacpdu_tx_stats": 14, "lacpdu_illegal_pkts": 1, "marker_pdu_rx_stats": 0,
         "partner_churn_count": 2, "last_lacpdu_rx_time": "2025-06-24T06:30:05.482917192Z",
         "last_lacpdu_tx_time": "N/A"}
        """#

    /// The C teamd's dump of c-lacp with our additions on port tp0 and the runner.
    static func ours() throws -> JSONValue {
        guard case .object(var state) = try JSONValue(parsing: try #require(Fixtures.read("StateView/c-lacp.json"))),
              case .object(var ports)? = state["ports"], case .object(var tp0)? = ports["tp0"],
              case .object(var portRunner)? = tp0["runner"], case .object(var runner)? = state["runner"]
        else { throw Unexpected() }
        portRunner["statistics"] = try JSONValue(parsing: Self.statistics)
        tp0["runner"] = .object(portRunner)
        ports["tp0"] = .object(tp0)
        state["ports"] = .object(ports)
        runner["fallback"] = .bool(true)
        state["runner"] = .object(runner)
        return .object(state)
    }

    struct Unexpected: Error {}

    @Test("-v: the port's counters after its partner's LACPDU info; fallback with the runner")
    func verbose() throws {
        let rendering = StateView.render(try Self.ours(), verbosity: 1)
        #expect(rendering.failure == nil)
        #expect(rendering.text.contains("""
                    state: 0x3f
                  statistics:
                    LACPDUs received: 12
                    LACPDUs sent: 14
                    illegal LACPDUs: 1
                    marker PDUs received: 0
                    partner churns: 2
                    last LACPDU received: 2025-06-24T06:30:05.482917192Z
                    last LACPDU sent: N/A
              tp1
            """))
        #expect(rendering.text.contains("  fast rate: yes\n  fallback: yes\n"))
    }

    @Test("the plain view shows fallback but not the counters; the C teamd's dump renders as before")
    func plain() throws {
        let rendering = StateView.render(try Self.ours(), verbosity: 0)
        #expect(!rendering.text.contains("statistics") && rendering.text.contains("fallback: yes"))
        let c = try JSONValue(parsing: try #require(Fixtures.read("StateView/c-lacp.json")))
        #expect(!StateView.render(c, verbosity: 1).text.contains("fallback"))
    }
}
