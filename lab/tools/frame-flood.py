#!/usr/bin/env python3
"""Sends malformed frames from AF_PACKET sockets, at a fixed rate, for a fixed time (lab, as root, in the
partner namespace): what a hostile or broken host on the segment may put on the wire. Nothing it sends
is a valid message that should change a receiver's state.

  frame-flood.py --seconds S --rate N [--lacp IF,...] [--ping IF,...] --dst MAC --target-ip A --target-ip6 A6

For every --lacp interface: LACPDUs that are truncated (shorter than 110 bytes after the Ethernet header,
down to none), oversized (1500 bytes with a wrong TLV length) and field-mangled (the subtype, a TLV type
or length wrong, the rest random). For every --ping interface: ARP replies that are truncated, oversized
(with a wrong hardware length), field-mangled (hardware/protocol type or lengths), or well formed but not
an answer (a sender address that is not --target-ip); and Neighbour Advertisements that are truncated,
carry a bad checksum, an ICMPv6 code other than 0, an option of length 0, a payload length past the
frame, or are well formed for another target than --target-ip6. The frames go round-robin over the
interfaces and kinds, from a seeded random source (the same sequence every run). Prints `sent=N
kinds=K seconds=S`.
"""
import argparse
import ipaddress
import random
import socket
import struct
import time

rng = random.Random(1500)


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def rand(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


SLOW = mac("01:80:c2:00:00:02")


def lacpdu_body():
    """A well-formed LACPDU body (110 bytes) from a random system: the base every mangling starts from."""
    info = lambda: struct.pack(">H6sHHHB3x", rng.getrandbits(16), rand(6), rng.getrandbits(16),
                               rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(8))
    body = bytes([1, 1, 1, 20]) + info() + bytes([2, 20]) + info() + bytes([3, 16]) + bytes(2) + bytes(12)
    body += bytes([0, 0]) + bytes(50)
    assert len(body) == 110, len(body)
    return bytearray(body)


def lacp_frames(src):
    head = SLOW + src + b"\x88\x09"
    def truncated():
        return head + bytes(lacpdu_body()[:rng.randrange(0, 110)])
    def oversized():
        body = lacpdu_body()
        body[3] = 21                      # actor TLV length
        return head + bytes(body) + rand(1500 - 110)
    def mangled():
        body = lacpdu_body()
        which = rng.randrange(5)
        if which == 0:
            body[0] = rng.choice([0, 2, 3, 10, 255])          # subtype: not LACP (1)
        else:
            at = [3, 23, 43, 59][which - 1]                    # a TLV length
            body[at] = rng.choice([v for v in range(256) if v != [20, 20, 16, 0][which - 1]])
        return head + bytes(body)
    return [truncated, oversized, mangled]


def arp(op, sha, spa, tha, tpa, hrd=1, pro=0x0800, hln=6, pln=4):
    return struct.pack(">HHBBH", hrd, pro, hln, pln, op) + sha + spa + tha + tpa


def ping_frames(src, dst, target_ip, target_ip6):
    target4 = ipaddress.IPv4Address(target_ip).packed
    other4 = ipaddress.IPv4Address(int(ipaddress.IPv4Address(target_ip)) + 7).packed
    head = dst + src + b"\x08\x06"
    def arp_truncated():
        return head + arp(2, src, target4, dst, other4)[:rng.randrange(0, 28)]
    def arp_oversized():
        return head + arp(2, src, target4, dst, other4, hln=7) + rand(1400)
    def arp_mangled():
        fields = dict(hrd=1, pro=0x0800, hln=6, pln=4)
        wrong = dict(hrd=(0, 6, 0xffff), pro=(0, 0x86dd, 0x0806), hln=(0, 4, 8, 255), pln=(0, 6, 16, 255))
        key = rng.choice(list(fields))
        fields[key] = rng.choice(wrong[key])
        return head + arp(2, src, target4, dst, other4, **fields)
    def arp_not_an_answer():
        return head + arp(2, src, other4, dst, target4)       # a reply, but from someone else
    source6 = ipaddress.IPv6Address(target_ip6).packed
    other6 = ipaddress.IPv6Address(int(ipaddress.IPv6Address(target_ip6)) + 7).packed
    dest6 = ipaddress.IPv6Address("ff02::1").packed
    def checksum(src6, dst6, msg):
        data = src6 + dst6 + struct.pack(">IxxxB", len(msg), 58) + msg
        if len(data) % 2:
            data += b"\0"
        s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return (~s) & 0xffff
    def na(target, code=0, options=None, good_sum=True, payload_extra=0, src6=source6):
        options = options if options is not None else bytes([2, 1]) + src
        msg = bytearray(struct.pack(">BBHB3x", 136, code, 0, 0x60) + target + options)
        s = checksum(src6, dest6, bytes(msg))
        if not good_sum:
            s ^= 0x5a5a
        msg[2:4] = struct.pack(">H", s)
        ip = struct.pack(">IHBB", 6 << 28, len(msg) + payload_extra, 58, 255) + src6 + dest6
        return dst + src + b"\x86\xdd" + ip + bytes(msg)
    def na_truncated():
        frame = na(source6)
        return frame[:rng.randrange(14, len(frame))]
    def na_bad_checksum():
        return na(source6, good_sum=False)
    def na_bad_code():
        return na(source6, code=rng.randrange(1, 256))
    def na_zero_option():
        return na(source6, options=bytes([2, 0]) + src)
    def na_past_frame():
        return na(source6, payload_extra=rng.randrange(1, 200))
    def na_other_target():
        return na(other6, src6=other6)
    return [arp_truncated, arp_oversized, arp_mangled, arp_not_an_answer,
            na_truncated, na_bad_checksum, na_bad_code, na_zero_option, na_past_frame, na_other_target]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--rate", type=int, required=True)
    ap.add_argument("--lacp", default="")
    ap.add_argument("--ping", default="")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--target-ip", required=True)
    ap.add_argument("--target-ip6", required=True)
    args = ap.parse_args()
    senders = []   # (socket, frame maker)
    for names, kinds in ((args.lacp, "lacp"), (args.ping, "ping")):
        for name in filter(None, names.split(",")):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((name, 0))
            src = open("/sys/class/net/%s/address" % name).read().strip()
            makers = lacp_frames(mac(src)) if kinds == "lacp" else \
                ping_frames(mac(src), mac(args.dst), args.target_ip, args.target_ip6)
            senders += [(s, m) for m in makers]
    assert senders, "nothing to send on"
    # Precomputed frames (64 of each kind), so that the sending loop is cheap enough for the rate.
    frames = [(s, [m() for _ in range(64)]) for s, m in senders]
    start = time.monotonic()
    sent = 0
    batch = max(1, args.rate // 100)            # every 10 ms
    while True:
        now = time.monotonic() - start
        if now >= args.seconds:
            break
        due = int(now * args.rate) + batch
        while sent < due:
            s, choices = frames[sent % len(frames)]
            s.send(choices[(sent // len(frames)) % len(choices)])
            sent += 1
        time.sleep(0.01)
    print("sent=%d kinds=%d seconds=%.1f" % (sent, len(senders), time.monotonic() - start))


main()
