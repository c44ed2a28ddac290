#!/usr/bin/env python3
"""Sends teamd's control transports what a well-behaved client never does, and prints what comes back.

  control-abuse.py usock PATH MESSAGE       one datagram (MESSAGE with \\n, \\\\ escapes), prints the reply
  control-abuse.py usock-big PATH SIZE [METHOD]  a REQUEST of SIZE bytes (METHOD, default PortAdd, and
                                            one argument); prints the reply or CLOSED
  control-abuse.py usock-idle PATH COUNT    opens COUNT connections that send nothing, prints OPEN COUNT,
                                            holds them until its standard input closes
  control-abuse.py usock-halfclose PATH     a request, then shutdown(SHUT_WR); prints the reply and EOF
  control-abuse.py usock-hold PATH SECONDS  connects and sends nothing (a silent client) for SECONDS
  control-abuse.py zmq ADDRESS MESSAGE      one ZeroMQ message (libzmq through ctypes); reply or TIMEOUT
  control-abuse.py zmq-big ADDRESS SIZE     a ZeroMQ message of SIZE bytes; reply or TIMEOUT
  control-abuse.py dbus DEVICE METHOD ARG.. a D-Bus call (sd-bus through ctypes); an ARG of the form
                                            @SIZE is SIZE bytes of "a"; prints the reply or the error
  control-abuse.py dbus-signals DEVICE COUNT SIZE  COUNT unicast signals to teamd, each one `ay` of
                                            SIZE bytes (sd-bus through ctypes); prints SENT COUNT
Exit status 0 when something (a reply, an error, a close) came back, as expected; 2 on usage errors.
"""
import ctypes
import socket
import sys
import time


def unescape(text):
    return text.encode().decode("unicode_escape").encode("latin-1")


def show(data):
    sys.stdout.write(data.decode("utf-8", "replace"))
    sys.stdout.write("\n")


def usock_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def usock(path, message):
    s = usock_connect(path)
    s.send(message)
    try:
        data = s.recv(1 << 22)
    except (ConnectionResetError, socket.timeout) as e:
        print("CLOSED" if isinstance(e, ConnectionResetError) else "TIMEOUT")
        return
    print("CLOSED" if not data else "", end="")
    if data:
        show(data)


def usock_big(path, size, method="PortAdd"):
    s = usock_connect(path)
    # SO_SNDBUFFORCE (32): past net.core.wmem_max, which root may do, so that the datagram leaves at all.
    s.setsockopt(socket.SOL_SOCKET, 32, 2 * size + 65536)
    head = ("REQUEST\n%s\n" % method).encode()
    message = head + b"a" * (size - len(head) - 1) + b"\n"
    try:
        s.send(message)
    except OSError as e:
        print("SEND FAILED: %s" % e)
        return
    try:
        data = s.recv(1 << 22)
        print("CLOSED" if not data else data.decode("utf-8", "replace"))
    except ConnectionResetError:
        print("CLOSED")


def usock_idle(path, count):
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (count + 64, count + 64))
    held = []
    while len(held) < count:
        try:
            held.append(usock_connect(path))
        except BlockingIOError:  # the listener's backlog is full until teamd's loop accepts
            time.sleep(0.01)
    print("OPEN %d" % len(held), flush=True)
    sys.stdin.read()


def usock_halfclose(path):
    s = usock_connect(path)
    s.send(b"REQUEST\nStateItemValueGet\nsetup.runner_name\n")
    s.shutdown(socket.SHUT_WR)
    show(s.recv(1 << 16))
    print("EOF" if s.recv(1 << 16) == b"" else "MORE")


def usock_hold(path, seconds):
    s = usock_connect(path)
    time.sleep(seconds)
    s.close()
    print("HELD")


def zmq_lib():
    z = ctypes.CDLL("libzmq.so.5", use_errno=True)
    z.zmq_ctx_new.restype = ctypes.c_void_p
    z.zmq_socket.restype = ctypes.c_void_p
    z.zmq_socket.argtypes = [ctypes.c_void_p, ctypes.c_int]
    z.zmq_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    z.zmq_setsockopt.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
    z.zmq_send.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    z.zmq_recv.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    z.zmq_close.argtypes = [ctypes.c_void_p]
    z.zmq_ctx_term.argtypes = [ctypes.c_void_p]
    return z


def zmq(address, message, timeout_ms=5000):
    z = zmq_lib()
    ctx = z.zmq_ctx_new()
    sock = z.zmq_socket(ctx, 3)  # ZMQ_REQ
    for option, value in ((17, 0), (27, timeout_ms)):  # ZMQ_LINGER, ZMQ_RCVTIMEO
        v = ctypes.c_int(value)
        z.zmq_setsockopt(sock, option, ctypes.byref(v), 4)
    if z.zmq_connect(sock, address.encode()) != 0:
        print("CONNECT FAILED")
        return
    z.zmq_send(sock, message, len(message), 0)
    buf = ctypes.create_string_buffer(1 << 22)
    n = z.zmq_recv(sock, buf, len(buf), 0)
    print("TIMEOUT" if n < 0 else buf.raw[:n].decode("utf-8", "replace"))
    z.zmq_close(sock)
    z.zmq_ctx_term(ctx)


class SdBusError(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("message", ctypes.c_char_p), ("need_free", ctypes.c_int)]


def dbus(device, method, args):
    b = ctypes.CDLL("libsystemd.so.0", use_errno=True)
    bus = ctypes.c_void_p()
    if b.sd_bus_open_system(ctypes.byref(bus)) < 0:
        print("NO BUS")
        return
    msg = ctypes.c_void_p()
    b.sd_bus_message_new_method_call.argtypes = [ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_char_p] * 4
    r = b.sd_bus_message_new_method_call(bus, ctypes.byref(msg), ("org.libteam.teamd." + device).encode(),
                                         b"/org/libteam/teamd", b"org.libteam.teamd", method.encode())
    if r < 0:
        print("MESSAGE FAILED %d" % r)
        return
    b.sd_bus_message_append_basic.argtypes = [ctypes.c_void_p, ctypes.c_char, ctypes.c_char_p]
    for arg in args:
        data = b"a" * int(arg[1:]) if arg.startswith("@") else arg.encode()
        b.sd_bus_message_append_basic(msg, b"s", data)
    err = SdBusError()
    reply = ctypes.c_void_p()
    b.sd_bus_call.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p]
    r = b.sd_bus_call(bus, msg, 5000000, ctypes.byref(err), ctypes.byref(reply))
    if r < 0:
        print("ERROR %s: %s" % ((err.name or b"?").decode(), (err.message or b"").decode()))
        return
    value = ctypes.c_char_p()
    b.sd_bus_message_read_basic.argtypes = [ctypes.c_void_p, ctypes.c_char, ctypes.c_void_p]
    if b.sd_bus_message_read_basic(reply, b"s", ctypes.byref(value)) > 0:
        print("REPLY %s" % value.value.decode())
    else:
        print("REPLY (no value)")


def dbus_signals(device, count, size):
    b = ctypes.CDLL("libsystemd.so.0", use_errno=True)
    bus = ctypes.c_void_p()
    if b.sd_bus_open_system(ctypes.byref(bus)) < 0:
        print("NO BUS")
        return
    b.sd_bus_message_new_signal.argtypes = [ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_char_p] * 3
    b.sd_bus_message_set_destination.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    b.sd_bus_message_append_array.argtypes = [ctypes.c_void_p, ctypes.c_char, ctypes.c_void_p, ctypes.c_size_t]
    b.sd_bus_send.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    b.sd_bus_flush.argtypes = [ctypes.c_void_p]
    b.sd_bus_message_unref.argtypes = [ctypes.c_void_p]
    payload = ctypes.create_string_buffer(b"\xa5" * size, size)
    for index in range(count):
        msg = ctypes.c_void_p()
        r = b.sd_bus_message_new_signal(bus, ctypes.byref(msg), b"/flood", b"org.example.Flood", b"Bytes")
        r = r if r < 0 else b.sd_bus_message_set_destination(msg, ("org.libteam.teamd." + device).encode())
        r = r if r < 0 else b.sd_bus_message_append_array(msg, b"y", payload, size)
        r = r if r < 0 else b.sd_bus_send(bus, msg, None)
        r = r if r < 0 else b.sd_bus_flush(bus)
        b.sd_bus_message_unref(msg)
        if r < 0:
            print("SEND FAILED at %d: %d" % (index, r))
            return
    print("SENT %d" % count)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    mode = argv[1]
    if mode == "usock":
        usock(argv[2], unescape(argv[3]))
    elif mode == "usock-big":
        usock_big(argv[2], int(argv[3]), *argv[4:5])
    elif mode == "usock-idle":
        usock_idle(argv[2], int(argv[3]))
    elif mode == "usock-halfclose":
        usock_halfclose(argv[2])
    elif mode == "usock-hold":
        usock_hold(argv[2], float(argv[3]))
    elif mode == "zmq":
        zmq(argv[2], unescape(argv[3]))
    elif mode == "zmq-big":
        zmq(argv[2], b"REQUEST\nPortAdd\n" + b"a" * int(argv[3]) + b"\n", timeout_ms=3000)
    elif mode == "dbus":
        dbus(argv[2], argv[3], argv[4:])
    elif mode == "dbus-signals":
        dbus_signals(argv[2], int(argv[3]), int(argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
