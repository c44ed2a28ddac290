// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "swift-team",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "teamd", targets: ["teamd"]),
        .executable(name: "teamdctl", targets: ["teamdctl"]),
        .executable(name: "teamnl", targets: ["teamnl"]),
        .executable(name: "teamd-exporter", targets: ["teamd-exporter"]),
        .executable(name: "bond2team", targets: ["bond2team"]),
        .executable(name: "team2bond", targets: ["team2bond"]),
        .library(name: "TeamKit", targets: ["TeamKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // teamd-exporter only: the Prometheus registry and exposition, and HTTP/1 from SwiftNIO (lighter to
        // build than a framework; teamd, teamdctl and teamnl link neither).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Pure codecs: no I/O.
        .target(name: "NetlinkCodec", swiftSettings: strict),
        // TeamWire takes Packets' address types (EthernetAddress): one MAC type from the config to the wire.
        .target(name: "TeamWire", dependencies: ["NetlinkCodec", "Packets"], swiftSettings: strict),
        .target(name: "Packets", swiftSettings: strict),
        .target(name: "TeamJSON", swiftSettings: strict),
        // The one place system calls go through: descriptors, Errno, the EINTR retry, poll timeouts,
        // sockaddr_un. Our own rather than swift-system: most of our calls are on sockets (socket, poll,
        // recv, sendmsg, accept4), which swift-system leaves out, and errors must carry glibc's strerror
        // text byte for byte; a package for the remaining few file calls would be a second seam.
        .target(name: "SystemSupport", swiftSettings: strict),
        // Two general protocols, reusable alone: the D-Bus message format and ZMTP 3.
        .target(name: "DBusWire", swiftSettings: strict),
        .target(name: "ZMTP", swiftSettings: strict),
        // The sockets to the kernel.
        .target(name: "TeamKit", dependencies: ["NetlinkCodec", "TeamWire", "Packets", "SystemSupport"], swiftSettings: strict),
        // The daemon's logic. Its kernel sockets (netlink, AF_PACKET) come from TeamKit's `KernelAccess`, which the
        // executable supplies (`.system` in teamd, FakeKernel in the tests); its control servers are TeamdControl's.
        .target(name: "TeamdCore", dependencies: [
            "TeamKit", "TeamWire", "TeamJSON", "Packets", "TeamdControl", "SystemSupport", "Getopt",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // teamd's control: its request and reply formats, the servers and clients of the UNIX
        // socket, D-Bus and ZeroMQ transports.
        .target(name: "TeamdControl", dependencies: ["TeamJSON", "DBusWire", "ZMTP", "SystemSupport"],
                swiftSettings: strict),
        // The one getopt_long of teamd, teamdctl and teamnl (ours for glibc's exact errors). Pure, no imports.
        .target(name: "Getopt", swiftSettings: strict),
        // The teamdctl command line (options, commands, the state view) over TeamdControl's clients.
        .target(name: "TeamdctlCLI", dependencies: ["TeamdControl", "TeamJSON", "SystemSupport", "Getopt"],
                swiftSettings: strict),
        // The teamnl command line (options, commands, the monitor) over TeamKit.
        .target(name: "TeamnlCLI", dependencies: ["TeamKit", "TeamWire", "NetlinkCodec", "Packets", "SystemSupport", "Getopt"],
                swiftSettings: strict),
        // Thin executables.
        .executableTarget(name: "teamd", dependencies: [
            "TeamdCore", "TeamKit", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .executableTarget(name: "teamdctl", dependencies: ["TeamdctlCLI", "SystemSupport"], swiftSettings: strict),
        .executableTarget(name: "teamnl", dependencies: ["TeamnlCLI"], swiftSettings: strict),
        // The Prometheus exporter of every running teamd: its logic (state dump to metrics, the HTTP server,
        // the textfile writer, the command line) in a library, the executable thin.
        .target(name: "TeamdExporter", dependencies: [
            "TeamdControl", "TeamJSON", "SystemSupport",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: strict),
        .executableTarget(name: "teamd-exporter", dependencies: ["TeamdExporter"], swiftSettings: strict),
        // bond2team and team2bond: the mappings between bonding options and teamd.conf, their outputs and command
        // lines in a library (TeamdCore's config decoder checks every config written or read; TeamdControl
        // fetches a running team's config), the executables thin.
        .target(name: "BondConversion", dependencies: ["TeamJSON", "Packets", "TeamdCore", "TeamdControl", "SystemSupport"],
                swiftSettings: strict),
        .executableTarget(name: "bond2team", dependencies: ["BondConversion"], swiftSettings: strict),
        .executableTarget(name: "team2bond", dependencies: ["BondConversion"], swiftSettings: strict),
        // Timing and monitoring for bench/compare inside the lab guest; not shipped.
        .executableTarget(name: "labtool", dependencies: ["TeamKit", "TeamWire", "TeamJSON", "TeamdControl", "CLabSupport", "SystemSupport"],
                          swiftSettings: strict),
        .target(name: "CLabSupport"),
        // What the tests share: the seeded generator and the server thread (TestSupport), the fakes (TeamTesting).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .target(name: "TeamTesting", dependencies: ["TeamKit", "TeamWire", "NetlinkCodec", "Packets"],
                path: "Tests/TeamTesting", swiftSettings: strict),
        .testTarget(name: "NetlinkCodecTests", dependencies: ["NetlinkCodec", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TeamWireTests", dependencies: ["TeamWire", "NetlinkCodec", "Packets", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TeamJSONTests", dependencies: ["TeamJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PacketsTests", dependencies: ["Packets", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TeamKitTests", dependencies: ["TeamKit", "TeamTesting", "Packets", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TeamdCoreTests", dependencies: ["TeamdCore", "TeamdControl", "TeamTesting", "TeamJSON", "Packets", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "TeamdExporterTests", dependencies: ["TeamdExporter", "TeamJSON", "TestSupport"], exclude: ["Fixtures"],
                    swiftSettings: strict),
        .testTarget(name: "BondConversionTests", dependencies: ["BondConversion", "TeamdCore", "TeamJSON"],
                    swiftSettings: strict),
        .testTarget(name: "DBusWireTests", dependencies: ["DBusWire", "TeamTesting", "TestSupport"], exclude: ["Fixtures"],
                    swiftSettings: strict),
        .testTarget(name: "ZMTPTests", dependencies: ["ZMTP", "TeamTesting", "TestSupport"], exclude: ["Fixtures"],
                    swiftSettings: strict),
        .testTarget(name: "TeamnlCLITests", dependencies: ["TeamnlCLI", "TeamKit", "TeamWire", "Packets"],
                    swiftSettings: strict),
        .testTarget(name: "TeamdControlTests",
                    dependencies: ["TeamdControl", "TeamdctlCLI", "Getopt", "DBusWire", "ZMTP", "TeamJSON", "TeamTesting",
                                   "SystemSupport", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
