#!/usr/bin/env python3
"""Writes the seed corpora of Fuzz/Corpus/TARGET from the project's captured fixtures: the nlmon
capture of the team family and rtnetlink (lab/captures/teamnl.pcap), the LACP and ping captures
(lab/captures/*.pcap), the D-Bus bus captures and libzmq conversations (Tests/TeamdControlTests/
Fixtures), the C teamd's state dumps and configs; the control requests are every method of the
protocol with example arguments. Nothing is random: rerunning it writes the same files.

usage: Fuzz/seeds.py   (from anywhere; rewrites Fuzz/Corpus)
"""
import glob
import hashlib
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")
FIXTURES = os.path.join(ROOT, "Tests", "TeamdControlTests", "Fixtures")
TEAM_FAMILY = 32          # the team family's id in teamnl.pcap (see Tests/TeamWireTests/CapturedVectors.swift)
RTM_LINK = (16, 17, 18, 19)  # RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK

seeds = {}


def add(target, data, limit=200):
    bucket = seeds.setdefault(target, {})
    if len(bucket) < limit:
        bucket[hashlib.sha1(data).hexdigest()[:16]] = data


def pcap(path):
    data = open(os.path.join(ROOT, path), "rb").read()
    endian = "<" if struct.unpack("<I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset = 24
    while offset + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[offset + 8:offset + 12])[0]
        yield linktype, data[offset + 16:offset + 16 + incl]
        offset += 16 + incl


def netlink_messages(datagram):
    offset = 0
    while offset + 16 <= len(datagram):
        length, mtype = struct.unpack("<IH", datagram[offset:offset + 6])
        if length < 16 or offset + length > len(datagram):
            return
        yield mtype, datagram[offset:offset + length]
        offset += (length + 3) & ~3


def netlink_seeds():
    for linktype, body in pcap("lab/captures/teamnl.pcap"):
        protocol = struct.unpack(">H", body[14:16])[0]
        datagram = body[16:]
        add("netlink-messages", datagram)
        for mtype, message in netlink_messages(datagram):
            payload = message[16:]
            if protocol == 16 and mtype >= 16:          # generic netlink: genl header, attributes
                add("netlink-attributes", payload[4:])
                if mtype == TEAM_FAMILY:
                    add("team-message", payload)
                elif mtype == 16:                        # nlctrl: the family parser reads genl payloads
                    add("netlink-attributes", payload)
            elif protocol == 0 and mtype in RTM_LINK:   # ifinfomsg (16 bytes), attributes
                add("link-message", payload)
                add("netlink-attributes", payload[16:])


def frame_seeds():
    for path in sorted(glob.glob(os.path.join(ROOT, "lab/captures/*.pcap"))):
        if path.endswith("teamnl.pcap"):
            continue
        for linktype, frame in pcap(os.path.relpath(path, ROOT)):
            if linktype != 1 or len(frame) < 14:
                continue
            ethertype = struct.unpack(">H", frame[12:14])[0]
            inner = struct.unpack(">H", frame[16:18])[0] if ethertype == 0x8100 and len(frame) >= 18 else None
            if ethertype == 0x8809:
                add("lacpdu", frame)
            elif 0x0806 in (ethertype, inner):
                add("arp", frame)
            elif 0x86DD in (ethertype, inner):
                add("nsna", frame)


def dbus_messages(stream):
    offset = 0
    while offset + 16 <= len(stream):
        endian = "<" if stream[offset:offset + 1] == b"l" else ">"
        body, _, fields = struct.unpack(endian + "III", stream[offset + 4:offset + 16])
        total = ((16 + fields + 7) & ~7) + body
        yield stream[offset:offset + total]
        offset += total


def dbus_seeds():
    for path in sorted(glob.glob(os.path.join(FIXTURES, "DBus", "*.bin"))):
        stream = open(path, "rb").read()
        for message in dbus_messages(stream):
            add("dbus-message", message)
        add("dbus-stream", bytes([0]) + stream)                # one chunk
        add("dbus-stream", bytes([3, 7, 16, 40]) + stream)     # chunks of 8, 17 and 41 bytes


def zmtp_seeds():
    for path in sorted(glob.glob(os.path.join(FIXTURES, "ZMTP", "*.txt"))):
        client = b""
        for line in open(path):
            if line.startswith("client "):
                client += bytes.fromhex(line.split()[1])
        add("zmtp-stream", bytes([0]) + client)
        add("zmtp-stream", bytes([2, 10, 63]) + client)


CONTROL_REQUESTS = [
    ("ConfigDump", []), ("ConfigDumpActual", []), ("StateDump", []),
    ("StateItemValueGet", ["setup.runner_name"]), ("StateItemValueSet", ["ports.tp0.runner.aggregator.selected", "true"]),
    ("PortAdd", ["tp0"]), ("PortRemove", ["tp1"]), ("PortConfigUpdate", ["tp0", '{"prio": 10}']),
    ("PortConfigDump", ["tp0"]), ("Nonsense", []),
]


def control_seeds():
    for method, arguments in CONTROL_REQUESTS:
        text = "REQUEST\n" + method + "\n" + "".join(a.replace("\\", "\\\\").replace("\n", "\\n") + "\n" for a in arguments)
        add("control-request", text.encode())
    add("control-request", b"REQUEST\nPortConfigUpdate\ntp0\n{\"link_watch\": {\"name\": \"ethtool\"}\\n}\n")
    add("control-request", b"REPLY_SUCCESS\n{\"a\": 1}\n")
    add("control-request", b"REPLY_ERROR\nNoSuchDev\nNo such device.\n")


def json_seeds():
    files = sorted(glob.glob(os.path.join(FIXTURES, "StateView", "c-*.json")))
    files += sorted(glob.glob(os.path.join(FIXTURES, "Cli", "*.json")))
    files += sorted(glob.glob(os.path.join(ROOT, "lab/captures/*.json")))
    for path in files:
        add("json", open(path, "rb").read())
    for path in sorted(glob.glob(os.path.join(FIXTURES, "StateView", "*.config.txt"))):
        add("json", open(path, "rb").read())
        add("config", open(path, "rb").read())


CONFIGS = [
    '{"device": "team0", "hwaddr": "02:00:00:00:00:01", "runner": {"name": "activebackup", '
    '"hwaddr_policy": "by_active"}, "notify_peers": {"count": 2, "interval": 50}, '
    '"mcast_rejoin": {"count": 1}, "ports": {"eth0": {"prio": -10, "sticky": true, "queue_id": 3}}}',
    '{"runner": {"name": "loadbalance", "tx_hash": ["eth", "ipv4", "ipv6", "l4"], '
    '"tx_balancer": {"name": "basic", "balancing_interval": 50}}}',
    '{"runner": {"name": "lacp", "active": false, "fast_rate": false, "sys_prio": 100, "min_ports": 2, '
    '"agg_select_policy": "lacp_prio_stable", "tx_hash": ["l3"]}, "link_watch_policy": "all", '
    '"ports": {"eth0": {"lacp_key": 3, "runner": {"aggregator": {"selected": true}}}}}',
    '{"runner": {"name": "roundrobin"}, "link_watch": {"name": "arp_ping", "interval": 100, "init_wait": 10, '
    '"missed_max": 3, "source_host": "10.0.0.1", "target_host": "10.0.0.2", "vlanid": 7, '
    '"validate_active": true, "validate_inactive": true, "send_always": true}}',
    '{"runner": {"name": "broadcast"}, "link_watch": [{"name": "nsna_ping", "interval": 200, '
    '"missed_max": 2, "target_host": "fe80::1"}, {"name": "tipc", "tipc_bearer": "eth:eth0"}]}',
]


def config_seeds():
    for text in CONFIGS:
        add("config", text.encode())
        add("json", text.encode())


def main():
    netlink_seeds()
    frame_seeds()
    dbus_seeds()
    zmtp_seeds()
    control_seeds()
    json_seeds()
    config_seeds()
    for target, bucket in sorted(seeds.items()):
        directory = os.path.join(CORPUS, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for name, data in sorted(bucket.items()):
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
        print("%-20s %4d seeds, %7d bytes" % (target, len(bucket), sum(map(len, bucket.values()))))


main()
