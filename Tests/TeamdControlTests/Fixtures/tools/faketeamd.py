# A fake teamd control socket for differential tests of teamdctl on the host:
# faketeamd.py DEV STATEFILE [CONFIGFILE]; answers ConfigDump/ConfigDumpActual/StateDump from files.
import socket, sys, os, json, select
dev, statefile = sys.argv[1], sys.argv[2]
configfile = sys.argv[3] if len(sys.argv) > 3 else None
path = f"/var/run/teamd/{dev}.sock"
try: os.unlink(path)
except FileNotFoundError: pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path); srv.listen(10)
print("ready", flush=True)
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
        method = lines[1]
        if method == "StateDump":
            payload = open(statefile).read()
        elif method in ("ConfigDump", "ConfigDumpActual"):
            payload = open(configfile).read() if configfile else json.dumps({"device": dev})
        elif method == "StateItemValueGet":
            payload = "value-of:" + lines[2]
        else:
            payload = ""
        s.send(b"REPLY_SUCCESS\n" + payload.encode())
