import Testing
import TeamWire
@testable import TeamKit

// Expected strings follow libteam's stringify.c formats ("%s%d: %s: %s %uMbit %s" and
// "%s%s " "(port:%s) " "(arridx:%u) " + value).

@Suite struct TeamTextTests {
    @Test func portLines() {
        #expect(TeamText.port(TeamPortStatus(index: 4, isLinkUp: true, speed: 10000, duplex: 1), name: "eth1")
                == " 4: eth1: up 10000Mbit FD")
        #expect(TeamText.port(TeamPortStatus(index: 5, isChanged: true), name: "eth2") == "*5: eth2: down 0Mbit HD")
        #expect(TeamText.port(TeamPortStatus(index: 5, isChanged: true, isRemoved: true), name: nil)
                == "-5: (removed): down 0Mbit HD")
    }

    @Test func optionLines() {
        #expect(TeamText.option(TeamOption(name: "mode", value: .string("activebackup")), portName: nil)
                == " mode activebackup")
        #expect(TeamText.option(TeamOption(name: "priority", portIndex: 4, value: .s32(-3), isChanged: true), portName: "eth1")
                == "*priority (port:eth1) -3")
        #expect(TeamText.option(TeamOption(name: "enabled", portIndex: 9, value: .bool(false)), portName: nil)
                == " enabled (port:) false")
        #expect(TeamText.option(TeamOption(name: "lb_tx_hash_to_port_mapping", arrayIndex: 17, value: .u32(0)), portName: nil)
                == " lb_tx_hash_to_port_mapping (arridx:17) 0")
        #expect(TeamText.option(TeamOption(name: "lb_hash_stats", arrayIndex: 0, value: .binary([0, 0xab])), portName: nil)
                == " lb_hash_stats (arridx:0) \\00\\ab")
        #expect(TeamText.value(.unknown(type: 99, data: nil)) == "<unknown>")
        #expect(TeamText.value(.u32(4_294_967_295)) == "4294967295")
    }

    @Test func longLinesAreCutLikeSnprintf() {
        let option = TeamOption(name: "bpf_hash_func", value: .binary(Array(repeating: 0x28, count: 48)))
        let (text, truncated) = TeamText.fitted(TeamText.option(option, portName: nil))
        #expect(truncated)
        #expect(text.utf8.count == 119)
        #expect(text.hasPrefix(" bpf_hash_func \\28\\28"))
        let short = TeamText.fitted(" mode roundrobin")
        #expect(short == (" mode roundrobin", false))
        let exactly119 = String(repeating: "x", count: 119)
        #expect(TeamText.fitted(exactly119).truncated == false)
        #expect(TeamText.fitted(exactly119 + "y").truncated == true)
    }

    @Test func numbersParseLikeStrtoul() throws {
        #expect(try TeamText.parseValue("42", as: .u32) == .u32(42))
        #expect(try TeamText.parseValue("  7", as: .u32) == .u32(7))
        #expect(try TeamText.parseValue("+7", as: .u32) == .u32(7))
        #expect(try TeamText.parseValue("", as: .u32) == .u32(0))
        #expect(try TeamText.parseValue("4294967295", as: .u32) == .u32(UInt32.max))
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("4294967296", as: .u32) }
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("-1", as: .u32) }
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("12abc", as: .u32) }
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("0x10", as: .u32) }
        #expect(throws: TeamValueError.self) { try TeamText.parseValue(" ", as: .u32) }
        #expect(try TeamText.parseValue("-2147483648", as: .s32) == .s32(Int32.min))
        #expect(try TeamText.parseValue("-5", as: .s32) == .s32(-5))
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("2147483648", as: .s32) }
        do {
            _ = try TeamText.parseValue("99999999999", as: .u32)
        } catch {
            #expect(error.errno == 34)
        }
        do {
            _ = try TeamText.parseValue("x", as: .u32)
        } catch {
            #expect(error.errno == 22)
        }
    }

    @Test func binaryAndBoolParse() throws {
        #expect(try TeamText.parseValue("\\00\\ff\\1a", as: .binary) == .binary([0, 0xff, 0x1a]))
        #expect(try TeamText.parseValue("", as: .binary) == .binary([]))
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("\\0", as: .binary) }
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("x00", as: .binary) }
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("\\zz", as: .binary) }
        #expect(try TeamText.parseValue("true", as: .bool) == .bool(true))
        #expect(try TeamText.parseValue("false", as: .bool) == .bool(false))
        #expect(throws: TeamValueError.self) { try TeamText.parseValue("1", as: .bool) }
        #expect(try TeamText.parseValue("hash_to_port_mapping", as: .string) == .string("hash_to_port_mapping"))
    }

    @Test func valueTextRoundTrips() throws {
        let values: [TeamOptionValue] = [.u32(0), .u32(123), .s32(-9), .bool(true), .bool(false), .binary([1, 2, 0xfe]),
                                         .string("loadbalance")]
        for value in values {
            let type = try #require(value.type)
            #expect(try TeamText.parseValue(TeamText.value(value), as: type) == value)
        }
    }
}
