"""Prepares every bundled competition under bench/ (runs each <name>/prepare.py).

Usage: /usr/bin/python3 bench/prepare_all.py [--force] [NAME ...]
Skips competitions that already have a .prepared marker unless --force.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def competitions():
    return sorted(d for d in os.listdir(HERE)
                  if not d.startswith(("_", ".")) and os.path.isfile(os.path.join(HERE, d, "prepare.py")))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--force", action="store_true", help="re-prepare even if already prepared")
    p.add_argument("names", nargs="*", help="competitions to prepare (default: all)")
    args = p.parse_args()
    names = args.names or competitions()
    t_all, failed = time.time(), []
    for i, name in enumerate(names, 1):
        comp = os.path.join(HERE, name)
        if not os.path.isfile(os.path.join(comp, "prepare.py")):
            print(f"[{i}/{len(names)}] {name}: unknown competition", flush=True)
            failed.append(name)
            continue
        if os.path.exists(os.path.join(comp, ".prepared")) and not args.force:
            print(f"[{i}/{len(names)}] {name}: already prepared, skipping", flush=True)
            continue
        t0 = time.time()
        print(f"[{i}/{len(names)}] {name}: preparing...", flush=True)
        r = subprocess.run([sys.executable, os.path.join(comp, "prepare.py")])
        if r.returncode != 0:
            failed.append(name)
        print(f"[{i}/{len(names)}] {name}: {'ok' if r.returncode == 0 else 'FAILED'} "
              f"({time.time() - t0:.1f}s)", flush=True)
    print(f"done in {time.time() - t_all:.1f}s; {len(names) - len(failed)} ok, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
