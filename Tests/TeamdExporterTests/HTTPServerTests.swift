#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import TeamdExporter

@Suite("HTTP server and textfile")
struct HTTPServerTests {
    /// Sends `request` raw over TCP to the server and reads until it closes the connection (an error if
    /// it does not within 10 s).
    static func exchange(_ request: String, port: Int) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TextfileError(operation: "connect", path: "127.0.0.1:\(port)", errno: errno) }
        _ = request.withCString { send(descriptor, $0, strlen($0), 0) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0 { throw TextfileError(operation: "recv", path: "127.0.0.1:\(port)", errno: errno) }
            if count == 0 { break }
            reply += buffer[..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    static func withServer(_ source: FakeSource, _ body: (Int) throws -> Void) throws {
        let server = try MetricsHTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0),
                                           collector: TeamdCollector(source: source), log: { _ in })
        defer { try? server.shutdown() }
        try body(try #require(server.address?.port))
    }

    @Test("GET /metrics: the exposition of every team, read at the request, with the exposition's content type")
    func metrics() throws {
        let source = FakeSource()
        source.answers = ["team0": .success(activeBackupDump(ports: [("tp0", true), ("tp1", false)]))]
        try Self.withServer(source) { port in
            let reply = try Self.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: port)
            #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(reply.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8\r\n"))
            let body = try #require(reply.split(separator: "\r\n\r\n", maxSplits: 1).last)
            let text = Exposition(String(body))
            #expect(text.problems.isEmpty)
            #expect(text.samples[#"node_bonding_active{master="team0"}"#] == 1)
            // The next scrape reads teamd again.
            source.answers["team0"] = .success(activeBackupDump(ports: [("tp0", true), ("tp1", true)]))
            let again = try Self.exchange("GET /metrics?x=1 HTTP/1.0\r\n\r\n", port: port)
            #expect(again.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(again.contains(#"node_bonding_active{master="team0"} 2.0"#))
        }
    }

    @Test("keep-alive: two scrapes on one connection", .timeLimit(.minutes(1)))
    func keepAlive() throws {
        let source = FakeSource()
        source.answers = ["team0": .success(activeBackupDump())]
        try Self.withServer(source) { port in
            let reply = try Self.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                                          + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: port)
            #expect(reply.split(separator: "HTTP/1.1 200 OK", omittingEmptySubsequences: false).count == 4)
            #expect(reply.split(separator: "# TYPE node_bonding_slaves gauge", omittingEmptySubsequences: false).count == 2)  // not for HEAD
            #expect(reply.hasSuffix("at /metrics\n"))
        }
    }

    @Test("other paths 404, other methods 405")
    func errors() throws {
        try Self.withServer(FakeSource()) { port in
            #expect(try Self.exchange("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: port)
                .hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            let post = try Self.exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab", port: port)
            #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
            #expect(post.lowercased().contains("allow: get, head\r\n"))
            #expect(try Self.exchange("garbage\r\n\r\n", port: port).hasPrefix("HTTP/1.1 400 Bad Request"))
        }
    }

    @Test("an address in use is an error, not a crash")
    func addressInUse() throws {
        try Self.withServer(FakeSource()) { port in
            #expect(throws: (any Error).self) {
                try MetricsHTTPServer(address: ListenAddress(host: "127.0.0.1", port: port),
                                      collector: TeamdCollector(source: FakeSource()), log: { _ in })
            }
        }
    }

    @Test("the textfile: written whole under its name, no temporary file left; a missing directory names it")
    func textfile() throws {
        let directory = TemporaryDirectory(prefix: "teamd-exporter-test")
        let writer = TextfileWriter(directory: directory.path)
        try writer.write("first\n")
        try writer.write("# TYPE x gauge\nx 1\n")
        #expect(Fixtures.read(directory.path + "/teamd.prom") == "# TYPE x gauge\nx 1\n")
        #expect(Fixtures.read(directory.path + "/.teamd.prom.\(getpid()).tmp") == nil)
        let missing = TextfileWriter(directory: directory.path + "/none")
        #expect(throws: TextfileError(operation: "create", path: directory.path + "/none/.teamd.prom.\(getpid()).tmp", errno: ENOENT)) {
            try missing.write("x")
        }
    }
}
