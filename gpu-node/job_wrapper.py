# Gome job wrapper: runs the job command as a child process and, when it exits, writes the children's
# resource usage (resource.getrusage(RUSAGE_CHILDREN)) and return code as JSON to a stats file.
# Usage: job_wrapper.py --stats PATH [--mem-mb N] -- CMD [ARGS...]
import json
import os
import resource
import signal
import subprocess
import sys
import time


PR_SET_PDEATHSIG = 1


def die_with_parent():
    """Ask the kernel to SIGKILL this process when its parent dies (Linux prctl); best effort elsewhere."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def write_stats(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main():
    argv = sys.argv[1:]
    stats_path, mem_mb = None, None
    while argv and argv[0] != "--":
        flag = argv.pop(0)
        if flag == "--stats":
            stats_path = argv.pop(0)
        elif flag == "--mem-mb":
            mem_mb = int(argv.pop(0))
        else:
            sys.stderr.write("job_wrapper: unknown flag %s\n" % flag)
            return 125
    if not argv or stats_path is None:
        sys.stderr.write("job_wrapper: usage: job_wrapper.py --stats PATH [--mem-mb N] -- CMD...\n")
        return 125
    cmd = argv[1:]

    def limit():
        die_with_parent()  # the job dies with this wrapper, which dies with Gome (setpriv --pdeathsig)
        if mem_mb:
            b = mem_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (b, b))

    t0 = time.monotonic()
    try:
        child = subprocess.Popen(cmd, preexec_fn=limit)
    except OSError as e:
        write_stats(stats_path, {"error": "cannot start %s: %s" % (cmd[0], e), "returncode": 127})
        return 127

    def forward(sig, _frame):
        try:
            child.send_signal(sig)
        except ProcessLookupError:
            pass

    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, forward)
    rc = child.wait()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    write_stats(stats_path, {
        "returncode": rc,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "maxrss_kb": ru.ru_maxrss,
        "wall_s": time.monotonic() - t0,
    })
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
