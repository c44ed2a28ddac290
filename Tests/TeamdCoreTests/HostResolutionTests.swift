import Dispatch
import Glibc
import Synchronization
import Testing
import TeamKit
import TeamTesting
@testable import TeamdCore

/// A resolver that blocks until released, as getaddrinfo does with a dead DNS server.
private final class BlockingResolver: Sendable {
    let gate = DispatchSemaphore(value: 0)
    let calls = Mutex<[String]>([])
    let finished = Mutex(0)

    var resolve: ResolvedHosts.Resolve {
        { [self] name, _ in
            calls.withLock { $0.append(name) }
            _ = gate.wait(timeout: .now() + 10)
            finished.withLock { $0 += 1 }
            return [192, 0, 2, 77]
        }
    }

    /// Waits (at most 10 s) until `condition` holds; for results that arrive from the background queue.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1000 where !condition() { usleep(10_000) }
        return condition()
    }
}

@Suite("host names are resolved off the event loop")
struct HostResolutionTests {
    @Test("a name the loop asks for is resolved in the background: the lookup answers at once, the address comes later")
    func lookupNeverBlocks() {
        let resolver = BlockingResolver()
        let hosts = ResolvedHosts(resolve: resolver.resolve)
        #expect(hosts.lookup("slow.example", .ipv4) == .pending)
        #expect(hosts.lookup("slow.example", .ipv4) == .pending, "asked again while the resolution runs")
        #expect(resolver.finished.withLock { $0 } == 0, "the lookup waited for the resolver")
        resolver.gate.signal()
        #expect(BlockingResolver.eventually { hosts.lookup("slow.example", .ipv4) == .address([192, 0, 2, 77]) })
        #expect(resolver.calls.withLock { $0 } == ["slow.example"], "one resolution per name")
        hosts.stop()
    }

    @Test("the config's names are resolved before the loop; a failure there is the port's clear error")
    func primedBeforeStart() throws {
        let config = try TeamdConfig(parsing: #"""
            {"runner": {"name": "activebackup"},
             "ports": {"eth0": {"link_watch": {"name": "arp_ping", "target_host": "a.example", "source_host": "b.example"}},
                       "eth1": {"link_watch": {"name": "nsna_ping", "target_host": "c.example"}}}}
            """#)
        #expect(ResolvedHosts.names(in: config) == [.init(name: "a.example", family: .ipv4), .init(name: "b.example", family: .ipv4),
                                                   .init(name: "c.example", family: .ipv6)])
        let hosts = ResolvedHosts(resolve: { name, _ in name == "a.example" ? [192, 0, 2, 1] : nil })
        hosts.prime(config)
        #expect(hosts.lookup("a.example", .ipv4) == .address([192, 0, 2, 1]))
        #expect(hosts.lookup("c.example", .ipv6) == .unresolvable)
        hosts.stop()
    }

    @Test("a port whose watcher names a host nobody resolved yet: PortAdd answers at once while DNS hangs, the loop goes on, a later PortAdd takes the port")
    func slowDNSDoesNotStallTheLoop() throws {
        let kernel = FakeKernel()
        for name in ["eth0", "eth1", "eth2"] { kernel.addLink(name: name) }
        var access = DaemonHarness.access(kernel)
        let watcherSockets = Mutex(0)
        access.makeWatcherPort = { index, filter in
            watcherSockets.withLock { $0 += 1 }
            return ScriptedFramePort(descriptor: 9100 + Int32(index), interfaceIndex: index, filter: filter)
        }
        let resolver = BlockingResolver()
        let clock = TestClock()
        let daemon = try Daemon.start(
            config: try TeamdConfig(parsing: #"{"runner": {"name": "lacp", "fast_rate": true}, "ports": {"eth0": {}, "eth1": {}}}"#),
            options: DaemonOptions(deviceName: "team0"), kernel: access, clock: { clock.now }, resolve: resolver.resolve)
        pumpUntilQuiet(daemon, kernel)
        #expect(resolver.calls.withLock { $0 }.isEmpty, "no name in the config")
        let update = #"{"link_watch": {"name": "arp_ping", "target_host": "slow.example", "source_host": "192.0.2.1"}}"#
        #expect(daemon.call(method: "PortConfigUpdate", arguments: ["eth2", update]) == .success(""))
        guard case .failure = daemon.call(method: "PortAdd", arguments: ["eth2"]) else {
            Issue.record("PortAdd took the port before its watcher's host resolved")
            return
        }
        #expect(BlockingResolver.eventually { resolver.calls.withLock { $0 } == ["slow.example"] }, "resolving in the background")
        #expect(resolver.finished.withLock { $0 } == 0, "PortAdd waited for the resolver")
        // The loop goes on meanwhile: timers fire, requests are answered.
        for _ in 0..<5 {
            clock.now += 1000
            daemon.fireDueTimers()
            pumpUntilQuiet(daemon, kernel)
        }
        #expect(daemon.call(method: "StateItemValueGet", arguments: ["setup.runner_name"]) == .success("lacp"))
        #expect(resolver.finished.withLock { $0 } == 0)
        resolver.gate.signal()
        #expect(BlockingResolver.eventually { daemon.hosts.lookup("slow.example", .ipv4) == .address([192, 0, 2, 77]) })
        #expect(daemon.call(method: "PortAdd", arguments: ["eth2"]) == .success(""))
        pumpUntilQuiet(daemon, kernel)
        #expect(daemon.engine.ports[name: "eth2"] != nil)
        #expect(watcherSockets.withLock { $0 } == 1, "eth2's ARP watcher has its socket")
        daemon.stop()
    }
}
