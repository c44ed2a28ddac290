#!/usr/bin/env python3
"""dbus-probe: a minimal D-Bus peer over the raw socket, for testing bus policies.

  dbus-probe.py call DEST PATH IFACE|- MEMBER   one method call without arguments (IFACE "-": no
                                                interface field); prints "allowed" when the destination
                                                answered, "denied" when the bus refused the call with
                                                AccessDenied, else the bus's error name
  dbus-probe.py own NAME                        asks for NAME; prints "owned" or "denied"
  dbus-probe.py serve NAME                      owns NAME and answers every method call with an empty
                                                return until killed; prints "ready" once the name is held

Its own code, so that a message can leave out what dbus-send and busctl always put in (the interface).
The bus is $DBUS_SYSTEM_BUS_ADDRESS's unix:path, else /run/dbus/system_bus_socket.
"""
import os
import socket
import struct
import sys

ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"
CALL, RETURN, ERROR, SIGNAL = 1, 2, 3, 4
# Header field codes and the signature of their variant.
FIELDS = {1: "o", 2: "s", 3: "s", 4: "s", 5: "u", 6: "s", 7: "s", 8: "g"}


def pad(buf, n):
    buf.extend(b"\0" * (-len(buf) % n))


def put_string(buf, code, text):
    data = text.encode()
    if code == "g":
        buf.append(len(data))
    else:
        pad(buf, 4)
        buf.extend(struct.pack("<I", len(data)))
    buf.extend(data + b"\0")


def message(kind, serial, fields, body=b"", signature=None):
    """A little-endian message: fields maps a header field code to its value."""
    if signature:
        fields = {**fields, 8: signature}
    array = bytearray()
    for code, value in sorted(fields.items()):
        pad(array, 8)
        array.append(code)
        sig = FIELDS[code]
        array.extend(bytes([1]) + sig.encode() + b"\0")
        # The array starts at offset 16, so alignment within it is alignment in the message.
        if sig == "u":
            pad(array, 4)
            array.extend(struct.pack("<I", value))
        else:
            put_string(array, sig, value)
    head = bytearray(b"l" + bytes([kind, 0, 1]) + struct.pack("<III", len(body), serial, len(array)))
    head.extend(array)
    pad(head, 8)
    return bytes(head) + body


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            sys.exit("dbus-probe: the bus closed the connection")
        data += chunk
    return data


def receive(sock):
    """The next message as (kind, serial, fields, body)."""
    fixed = read_exact(sock, 16)
    if fixed[0:1] != b"l":
        sys.exit("dbus-probe: only little-endian messages are handled")
    kind = fixed[1]
    body_len, serial, array_len = struct.unpack("<III", fixed[4:16])
    rest = read_exact(sock, array_len + (-(16 + array_len) % 8) + body_len)
    raw = fixed + rest
    fields, i, end = {}, 16, 16 + array_len
    while i < end:
        i += -i % 8
        code, siglen = raw[i], raw[i + 1]
        sig = raw[i + 2:i + 2 + siglen].decode()
        i += 3 + siglen
        if sig == "u":
            i += -i % 4
            fields[code] = struct.unpack("<I", raw[i:i + 4])[0]
            i += 4
        elif sig == "g":
            n = raw[i]
            fields[code] = raw[i + 1:i + 1 + n].decode()
            i += 2 + n
        else:
            i += -i % 4
            n = struct.unpack("<I", raw[i:i + 4])[0]
            fields[code] = raw[i + 4:i + 4 + n].decode()
            i += 5 + n
    body = raw[len(raw) - body_len:]
    return kind, serial, fields, body


class Bus:
    def __init__(self):
        address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/run/dbus/system_bus_socket")
        path = address.split("path=", 1)[1].split(",")[0]
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        uid = str(os.getuid()).encode().hex()
        self.sock.sendall(b"\0AUTH EXTERNAL " + uid.encode() + b"\r\n")
        if not self.sock.recv(512).startswith(b"OK"):
            sys.exit("dbus-probe: authentication refused")
        self.sock.sendall(b"BEGIN\r\n")
        self.serial = 0
        self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello")

    def send(self, kind, fields, body=b"", signature=None):
        self.serial += 1
        self.sock.sendall(message(kind, self.serial, fields, body, signature))
        return self.serial

    def call(self, dest, path, iface, member, body=b"", signature=None):
        """Sends a call and returns (kind, fields, body) of its reply; other messages are skipped."""
        fields = {1: path, 3: member, 6: dest}
        if iface:
            fields[2] = iface
        serial = self.send(CALL, fields, body, signature)
        while True:
            kind, _, reply_fields, reply_body = receive(self.sock)
            if kind in (RETURN, ERROR) and reply_fields.get(5) == serial:
                return kind, reply_fields, reply_body

    def request_name(self, name):
        body = bytearray()
        put_string(body, "s", name)
        pad(body, 4)
        body.extend(struct.pack("<I", 4))  # DBUS_NAME_FLAG_DO_NOT_QUEUE
        kind, fields, reply = self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                        "RequestName", bytes(body), "su")
        if kind == ERROR:
            return "denied" if fields.get(4) == ACCESS_DENIED else fields.get(4)
        return "owned" if struct.unpack("<I", reply[:4])[0] == 1 else "not-owned"


def main(argv):
    if len(argv) == 5 and argv[0] == "call":
        dest, path, iface, member = argv[1:]
        kind, fields, _ = Bus().call(dest, path, None if iface == "-" else iface, member)
        if kind == ERROR and fields.get(4) == ACCESS_DENIED:
            print("denied")
        elif fields.get(7) != "org.freedesktop.DBus":
            print("allowed")  # the destination itself answered
        else:
            print(fields.get(4))  # the bus answered otherwise (ServiceUnknown, ...)
    elif len(argv) == 2 and argv[0] == "own":
        print(Bus().request_name(argv[1]))
    elif len(argv) == 2 and argv[0] == "serve":
        bus = Bus()
        result = bus.request_name(argv[1])
        if result != "owned":
            sys.exit("dbus-probe: could not own %s: %s" % (argv[1], result))
        print("ready", flush=True)
        while True:
            kind, serial, fields, _ = receive(bus.sock)
            if kind == CALL and 7 in fields:
                bus.send(RETURN, {5: serial, 6: fields[7]})
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
