# A fake teamd control socket for recording what the C teamdctl prints (not a teamd):
#   faketeamd.py DEV STATEFILE [CONFIGFILE [ACTUALFILE]]
# ConfigDump, ConfigDumpActual and StateDump come from the files (the config defaults to
# {"device": DEV}); the other methods answer as the CLI fixtures expect (see Cli/cases.txt
# and FakeTransport.cliTeamd in the tests, which must agree with this):
#   StateItemValueGet: "nope*" -> PathDoesNotExist, "garbage" -> a message that is not a
#     reply, "incomplete" -> an error reply without message, else "value-of:<path>"
#   StateItemValueSet: "setup.pid" -> OpNotSupp, else success
#   PortAdd, PortRemove, PortConfigDump: "nosuchdev" -> NoSuchDev
#   PortConfigDump: {"prio": 5, "queue_id": 1}
import socket, sys, os, select
dev, statefile = sys.argv[1], sys.argv[2]
configfile = sys.argv[3] if len(sys.argv) > 3 else None
actualfile = sys.argv[4] if len(sys.argv) > 4 else configfile
path = f"/var/run/teamd/{dev}.sock"
try: os.unlink(path)
except FileNotFoundError: pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path); srv.listen(10)
print("ready", flush=True)

def error(code, msg):
    return f"REPLY_ERROR\n{code}\n{msg}\n".encode()

def ok(payload):
    return b"REPLY_SUCCESS\n" + payload.encode()

def answer(method, args):
    if method == "StateDump":
        return ok(open(statefile).read())
    if method == "ConfigDump":
        return ok(open(configfile).read() if configfile else '{"device": "%s"}' % dev)
    if method == "ConfigDumpActual":
        return ok(open(actualfile).read() if actualfile else '{"device": "%s"}' % dev)
    if method == "StateItemValueGet":
        p = args[0]
        if p.startswith("nope"): return error("PathDoesNotExist", "Item path does not exist.")
        if p == "garbage": return b"HELLO\n"
        if p == "incomplete": return b"REPLY_ERROR\nSomeCode\n"
        return ok("value-of:" + p)
    if method == "StateItemValueSet":
        return error("OpNotSupp", "Operation not supported.") if args[0] == "setup.pid" else ok("")
    if method in ("PortAdd", "PortRemove", "PortConfigDump") and args[0] == "nosuchdev":
        return error("NoSuchDev", "No such device.")
    if method == "PortConfigDump":
        return ok('{"prio": 5, "queue_id": 1}')
    return ok("")

conns = []
while True:
    r, _, _ = select.select([srv] + conns, [], [])
    for s in r:
        if s is srv:
            c, _ = srv.accept(); conns.append(c); continue
        m = s.recv(1 << 20)
        if not m:
            conns.remove(s); s.close(); continue
        lines = [l for l in m.decode().split("\n") if l]
        args = [a.replace("\\n", "\n").replace("\\\\", "\\") for a in lines[2:]]
        s.send(answer(lines[1], args))
