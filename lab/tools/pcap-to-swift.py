#!/usr/bin/env python3
"""Turns an nlmon capture (lab/captures/*.pcap, written by lab/scenarios/teamnl-capture.sh) into
Tests/TeamWireTests/CapturedVectors.swift: one Swift byte array per chosen netlink message, each
labelled with the capture it came from, its packet number and what it is.

usage: lab/tools/pcap-to-swift.py lab/captures/teamnl.pcap > Tests/TeamWireTests/CapturedVectors.swift
"""
import struct
import sys

NETLINK_ROUTE, NETLINK_GENERIC = 0, 16
GENL_ID_CTRL = 0x10


def packets(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset, number = 24, 0
    while offset + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        body = data[offset + 16:offset + 16 + incl]
        offset += 16 + incl
        number += 1
        if linktype == 253:      # LINKTYPE_NETLINK: a cooked header, protocol at bytes 14-15 (big-endian)
            protocol = struct.unpack(">H", body[14:16])[0]
            yield number, protocol, body[16:]
        elif linktype == 113:    # LINKTYPE_LINUX_SLL
            protocol = struct.unpack(">H", body[14:16])[0]
            yield number, protocol, body[16:]
        elif linktype == 276:    # LINKTYPE_LINUX_SLL2
            protocol = struct.unpack(">H", body[0:2])[0]
            yield number, protocol, body[20:]
        else:
            sys.exit("unknown linktype %d" % linktype)


def messages(datagram):
    offset = 0
    while offset + 16 <= len(datagram):
        length, mtype, flags, seq, pid = struct.unpack("<IHHII", datagram[offset:offset + 16])
        if length < 16 or offset + length > len(datagram):
            return
        yield datagram[offset:offset + length], mtype, flags, seq, pid
        offset += (length + 3) & ~3


def main():
    path = sys.argv[1]
    label = path.split("/")[-1]
    team_family = None
    chosen = {}          # name -> (number, bytes, description)

    def choose(name, number, raw, description):
        if name not in chosen:
            chosen[name] = (number, raw, description)

    for number, protocol, datagram in packets(path):
        for raw, mtype, flags, seq, pid in messages(datagram):
            payload = raw[16:]
            if protocol == NETLINK_GENERIC and mtype == GENL_ID_CTRL and payload[:1] == b"\x01":
                if b"team\x00" in payload and b"change_event" in payload:
                    team_family = struct.unpack("<H", payload[payload.index(b"\x06\x00\x01\x00") + 4:][:2])[0]
                    choose("controllerTeamFamily", number, raw, "nlctrl CTRL_CMD_NEWFAMILY reply for \"team\"")
            elif protocol == NETLINK_GENERIC and team_family is not None and mtype == team_family:
                cmd = payload[0]
                if cmd == 2 and seq != 0 and flags & 0x2 and b"activebackup" in payload and b"activeport" in payload:
                    choose("optionsDumpActivebackup", number, raw, "TEAM_CMD_OPTIONS_GET reply part, activebackup team with 2 ports")
                if cmd == 2 and seq != 0 and flags & 0x2 and b"lb_tx_hash_to_port_mapping" in payload:
                    choose("optionsDumpLoadbalancePart", number, raw, "TEAM_CMD_OPTIONS_GET reply part, loadbalance team")
                if cmd == 2 and seq == 0 and b"activeport" in payload and len(payload) < 120:
                    choose("optionsEventActiveport", number, raw, "change_event multicast: activeport registered as the mode became activebackup")
                if cmd == 2 and seq == 0 and b"bpf_hash_func" in payload and len(payload) < 200 and b"\x20\x00\x00\x00" in payload:
                    choose("optionsEventBPF", number, raw, "change_event multicast: bpf_hash_func set")
                if cmd == 3 and seq != 0 and flags & 0x2 and len(raw) >= 96:
                    choose("portListReply", number, raw, "TEAM_CMD_PORT_LIST_GET reply, 2 ports")
                if cmd == 3 and seq == 0:
                    choose("portEvent", number, raw, "change_event multicast: one port changed")
                if cmd == 1 and pid != 0 and payload[1] == 0 and b"enabled" in payload:
                    choose("setOptionRequestLibteam", number, raw, "TEAM_CMD_OPTIONS_SET request from the C teamnl (libnl): per-port enabled false")
                if cmd == 1 and payload[1] == 1 and b"priority" in payload:
                    choose("setOptionRequestOurs", number, raw, "TEAM_CMD_OPTIONS_SET request from our teamnl: per-port priority -5")
                if cmd == 1 and payload[1] == 1 and b"lb_tx_hash_to_port_mapping" in payload:
                    choose("setOptionRequestArray", number, raw, "TEAM_CMD_OPTIONS_SET request from our teamnl: array entry 7")
            if mtype == 2 and len(payload) >= 4:
                error = struct.unpack("<i", payload[:4])[0]
                if error == 0:
                    choose("acknowledgement", number, raw, "NLMSG_ERROR 0: an ACK (capped)")
                elif flags & 0x200 and protocol == NETLINK_ROUTE:
                    choose("errorWithExtendedAck", number, raw, "NLMSG_ERROR with extended ack: enslaving a port that is up")
                elif protocol == NETLINK_GENERIC and error == -16:
                    choose("errorBusy", number, raw, "NLMSG_ERROR -EBUSY: mode change with ports")
            if protocol == NETLINK_ROUTE and mtype == 16:
                if b"team0\x00" in payload and b"team\x00" in payload and len(payload) > 200 and seq == 0:
                    choose("newLinkEventTeam", number, raw, "RTM_NEWLINK multicast for team0")
                if b"team0\x00" in payload and flags & 0x400:
                    choose("newLinkRequestTeam", number, raw, "RTM_NEWLINK request from ip: add team0 type team with address")

    print("// Generated by lab/tools/pcap-to-swift.py from lab/captures/%s," % label)
    print("// recorded by lab/scenarios/teamnl-capture.sh: an nlmon device in the lab VM (Debian's kernel,")
    print("// the real team driver) seen by tcpdump while the C teamnl, ours and ip worked. Do not edit.")
    print("// Each vector is one whole netlink message (header included), native byte order (x86_64).")
    print()
    print("enum CapturedVectors {")
    print("    static let teamFamilyID: UInt16 = %d" % (team_family or 0))
    for name in sorted(chosen):
        number, raw, description = chosen[name]
        print()
        print("    /// %s (%s, packet %d)" % (description, label, number))
        print("    static let %s: [UInt8] = [" % name)
        for i in range(0, len(raw), 16):
            print("        " + ", ".join("0x%02x" % b for b in raw[i:i + 16]) + ",")
        print("    ]")
    print("}")
    missing = {"controllerTeamFamily", "optionsDumpActivebackup", "portListReply", "portEvent",
               "optionsEventActiveport", "setOptionRequestLibteam", "setOptionRequestOurs", "acknowledgement",
               "newLinkEventTeam"} - set(chosen)
    if missing:
        print("warning: not found in the capture: " + ", ".join(sorted(missing)), file=sys.stderr)


main()
