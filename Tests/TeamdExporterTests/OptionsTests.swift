import Testing
import TeamdExporter

@Suite("command line")
struct OptionsTests {
    @Test("no arguments: HTTP on loopback, the default port, teamd's run directory")
    func defaults() throws {
        let options = try ExporterOptions.parse([])
        #expect(options.mode == .serve(ListenAddress(host: "127.0.0.1", port: 8326)))
        #expect(options.runDirectory == "/var/run/teamd/")
        #expect(options.timeout == .seconds(2))
    }

    @Test("--listen in its forms", arguments: [
        ("0.0.0.0:9999", "0.0.0.0", 9999), ("192.0.2.7:1", "192.0.2.7", 1), ("[::1]:8326", "::1", 8326),
        ("[fe80::1%1]:80", nil, 0), (":8326", "0.0.0.0", 8326), ("127.0.0.1:0", "127.0.0.1", 0),
    ] as [(String, String?, Int)])
    func listen(text: String, host: String?, port: Int) throws {
        guard let host else {
            #expect(throws: ExporterUsageError.self) { try ExporterOptions.parse(["--listen", text]) }
            return
        }
        let expected = ExporterOptions.Mode.serve(ListenAddress(host: host, port: port))
        #expect(try ExporterOptions.parse(["--listen", text]).mode == expected)
        #expect(try ExporterOptions.parse(["--listen=" + text]).mode == expected)
    }

    @Test("a bad --listen names the option and the value", arguments: [
        "localhost:8326", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:80", "[::1]", "[127.0.0.1]:80",
        "127.0.0.1:８０", "1.2.3:80", "",
    ])
    func badListen(text: String) {
        #expect(throws: ExporterUsageError("--listen: \"\(text)\" is not ADDRESS:PORT (an IPv4 or [IPv6] address, a port 0-65535)")) {
            try ExporterOptions.parse(["--listen", text])
        }
    }

    @Test("--textfile, with or without --interval")
    func textfile() throws {
        #expect(try ExporterOptions.parse(["--textfile", "/var/lib/node_exporter"]).mode
                == .textfile(directory: "/var/lib/node_exporter", interval: nil))
        #expect(try ExporterOptions.parse(["--interval=2.5", "--textfile=/d"]).mode
                == .textfile(directory: "/d", interval: .milliseconds(2500)))
    }

    @Test("--run-dir and --timeout")
    func others() throws {
        let options = try ExporterOptions.parse(["--run-dir", "/run/x", "--timeout", "0.25"])
        #expect(options.runDirectory == "/run/x")
        #expect(options.timeout == .milliseconds(250))
    }

    @Test("help")
    func help() throws {
        #expect(try ExporterOptions.parse(["--listen", "1.2.3.4:5", "-h"]).mode == .help)
        #expect(try ExporterOptions.parse(["--help"]).mode == .help)
        #expect(ExporterOptions.usage.contains("--textfile DIR"))
    }

    @Test("bad command lines: the error names the flag", arguments: [
        (["--port", "80"], "unknown option --port"),
        (["--port=80"], "unknown option --port"),
        (["-l"], "unknown option -l"),
        (["serve"], "unexpected argument \"serve\""),
        (["--listen"], "--listen needs a value (ADDRESS:PORT)"),
        (["--textfile"], "--textfile needs a value (DIR)"),
        (["--textfile="], "--textfile: the directory is empty"),
        (["--run-dir="], "--run-dir: the directory is empty"),
        (["--interval", "5"], "--interval needs --textfile"),
        (["--textfile", "/d", "--listen", ":1"], "--listen and --textfile exclude each other"),
        (["--textfile", "/d", "--interval", "0"], "--interval: \"0\" is not a number of seconds (0.001 to 86400)"),
        (["--textfile", "/d", "--interval", "-1"], "--interval: \"-1\" is not a number of seconds (0.001 to 86400)"),
        (["--textfile", "/d", "--interval", "1e3"], "--interval: \"1e3\" is not a number of seconds (0.001 to 86400)"),
        (["--timeout", "nan"], "--timeout: \"nan\" is not a number of seconds (0.001 to 86400)"),
        (["--timeout", "100000"], "--timeout: \"100000\" is not a number of seconds (0.001 to 86400)"),
    ])
    func errors(arguments: [String], message: String) {
        #expect(throws: ExporterUsageError(message)) { try ExporterOptions.parse(arguments) }
    }

    @Test("a bad command line exits 1")
    func exitStatus() {
        #expect(ExporterMain.run(arguments: ["--bogus"]) == 1)
    }
}
