# Gome sandbox probe: runs as a job's main script inside the real sandbox and records what the job can and cannot
# reach (network, the answers, the repo, other workspaces, the run dir, home directories, host sockets, its own data
# dir, secrets in its environment), then walks EVERY file it can see (except /proc, /sys, /dev) and compares each
# regular file with the answers and the competition's source datasets: size first, sha256 only on a size match.
# Configuration comes from CONFIG_B64 (prepended by gpu-node/sandbox-probe.ts) or from the file named in argv[1].
# Writes sandbox_probe.json to GOME_OUTPUT_DIR and prints a one-line summary.
import base64
import hashlib
import json
import os
import re
import socket
import stat
import sys
import time

SKIP_DIRS = ("/proc", "/sys", "/dev")
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.I)


def load_config():
    b64 = globals().get("CONFIG_B64")
    if b64:
        return json.loads(base64.b64decode(b64).decode("utf-8"))
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            return json.load(f)
    return {}


CHECKS = []


def check(area, target, reached, detail, leak=None):
    CHECKS.append({"area": area, "target": target, "reached": bool(reached),
                   "leak": bool(reached) if leak is None else bool(leak), "detail": detail})


def err(e):
    return "%s: %s" % (type(e).__name__, getattr(e, "strerror", None) or e)


def try_read(area, path):
    """Reached when any byte of the file can be read."""
    if not path:
        return
    try:
        with open(path, "rb") as f:
            head = f.read(64)
        check(area, path, len(head) > 0, "readable (%d+ bytes)" % len(head) if head else "opens but is empty",
              leak=len(head) > 0)
    except OSError as e:
        check(area, path, False, err(e))


def within(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def try_list(area, path, allowed=()):
    """Reached when the directory lists entries other than the way down to an allowed path (the interpreter,
    the job's own mounts)."""
    if not path:
        return
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        check(area, path, False, err(e))
        return
    extra = [n for n in names if not any(within(a, os.path.join(path, n)) for a in allowed)]
    if extra:
        check(area, path, True, "lists %d entries: %s" % (len(names), ", ".join(names[:8]) + (" …" if len(names) > 8 else "")))
    else:
        check(area, path, False, "empty" if not names else "only expected entries: " + ", ".join(names),
              leak=False)


def try_connect(host, port):
    target = "%s:%d" % (host, port)
    try:
        s = socket.create_connection((host, port), timeout=2)
        s.close()
        check("network", target, True, "connected")
    except OSError as e:
        check("network", target, False, err(e))


def try_unix(path):
    try:
        st = os.stat(path)
    except OSError as e:
        check("host socket", path, False, err(e))
        return
    if stat.S_ISDIR(st.st_mode):
        try_list("host socket", path)
        return
    if not stat.S_ISSOCK(st.st_mode):
        check("host socket", path, True, "exists (not a socket)")
        return
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(path)
        s.close()
        check("host socket", path, True, "connected")
    except OSError as e:
        check("host socket", path, True, "socket visible, connect failed: " + err(e))


def try_write_dir(area, path, expect_writable):
    probe = os.path.join(path, ".gome-probe-write")
    try:
        with open(probe, "w") as f:
            f.write("x")
        os.remove(probe)
        check(area, path, True, "writable", leak=not expect_writable)
    except OSError as e:
        check(area, path, False, err(e), leak=expect_writable)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def walk(secrets):
    """Every regular file visible in the sandbox, compared by size then sha256 with the secrets."""
    by_size = {}
    for s in secrets:
        if s.get("size", 0) > 0:
            by_size.setdefault(s["size"], []).append(s)
    seen = hashed = 0
    sockets, matches = [], []
    stack = ["/"]
    t0 = time.monotonic()
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        if e.path not in SKIP_DIRS:
                            stack.append(e.path)
                        continue
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISSOCK(st.st_mode):
                    sockets.append(e.path)
                if not stat.S_ISREG(st.st_mode):
                    continue
                seen += 1
                cands = by_size.get(st.st_size)
                if not cands:
                    continue
                try:
                    digest = sha256(e.path)
                except OSError:
                    continue
                hashed += 1
                for s in cands:
                    if s["sha256"] == digest:
                        matches.append({"path": e.path, "copyOf": s["label"]})
    return {"filesSeen": seen, "filesHashed": hashed, "ms": round((time.monotonic() - t0) * 1000),
            "matches": matches, "sockets": sorted(sockets)}


def main():
    cfg = load_config()
    host = cfg.get("host", {})
    allowed = cfg.get("interpreterPrefixes", [])
    data_dir = os.environ.get("GOME_DATA_DIR", "")
    out_dir = os.environ.get("GOME_OUTPUT_DIR", os.getcwd())

    for port in cfg.get("loopbackPorts", []):
        try_connect("127.0.0.1", int(port))
    for ip in cfg.get("publicAddresses", []):
        try_connect(ip, 443)
    try:
        names = [n for _, n in socket.if_nameindex()]
        check("network", "interfaces", any(n != "lo" for n in names), "interfaces: " + (", ".join(names) or "none"))
    except OSError as e:
        check("network", "interfaces", False, err(e))

    try_read("answers", host.get("answers"))
    if data_dir:
        try_read("answers", os.path.join(data_dir, "..", "private", "test.csv"))
        try_list("competition folder", os.path.normpath(os.path.join(data_dir, "..")), allowed=[data_dir, out_dir, "/gome/bin"])
    try_list("competition folder", host.get("competitionRoot"))
    try_read("repo", host.get("repoFile"))
    try_list("repo", host.get("repoRoot"), allowed)
    try_read("other workspace", host.get("siblingFile"))
    try_list("other workspace", host.get("jobsRoot"))
    try_read("run dir", host.get("runFile"))
    for h in cfg.get("homes", []):
        try_list("home", h, allowed)
    for p in cfg.get("sockets", []):
        try_unix(p)
    for p in cfg.get("sources", []):
        try_read("source dataset", p)
    for p in cfg.get("maskedDirs", []):
        try_list("masked library", p)
    if data_dir:
        try_write_dir("data dir", data_dir, expect_writable=False)
    try_write_dir("workspace", out_dir, expect_writable=True)
    bad = sorted(k for k in os.environ if SECRET_NAME.search(k))
    check("environment", "secret-looking variables", bool(bad), ", ".join(bad) if bad else "none")

    w = walk(cfg.get("secrets", []))
    for m in w["matches"]:
        check("file walk", m["path"], True, "same sha256 as %s" % m["copyOf"])
    for s in w["sockets"]:
        check("file walk", s, True, "a unix socket is visible")

    report = {"view": {"dataDir": data_dir, "outputDir": out_dir, "home": os.environ.get("HOME"),
                       "tmpdir": os.environ.get("TMPDIR"), "cwd": os.getcwd()},
              "checks": CHECKS,
              "walk": {k: w[k] for k in ("filesSeen", "filesHashed", "ms", "matches")}}
    with open(os.path.join(out_dir, "sandbox_probe.json"), "w") as f:
        json.dump(report, f, indent=1)
    leaks = sum(1 for c in CHECKS if c["leak"])
    print("sandbox probe: %d checks, %d leaks, %d files walked" % (len(CHECKS), leaks, w["filesSeen"]))


if __name__ == "__main__":
    main()
