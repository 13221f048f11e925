# Template of the standalone script `gome export` writes (cli/commands/export.ts). Not runnable by itself: the export
# puts a header and the run's constants above the marker line below and the pipeline's source after this body.
# What it does, given a competition folder: checks that the data is what the run saw, rebuilds the run's data dir
# (the same rows, the same folds, the same held-back slice) in a temporary folder, runs the embedded pipeline there
# exactly as a Gome job (GOME_DATA_DIR, GOME_OUTPUT_DIR, GOME_MODE=full) and copies its submission.csv out.
# <gome-export:constants>

import argparse
import base64
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

# the strings pandas reads as NaN: a train row whose label is one of them was neither fitted nor scored by the run
NA_TOKENS = {
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
}
EXIT_BAD_DATA = 2
EXIT_PIPELINE_FAILED = 3


class DataMismatch(Exception):
    """The competition folder given is not the data the run saw (or cannot be read)."""


def unpack(blob):
    return json.loads(zlib.decompress(base64.b64decode("".join(blob))).decode("utf-8"))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def public_dir(competition):
    """COMPETITION_DIR in the MLE-bench layout (with public/) or its public/ folder itself."""
    for d in (os.path.join(competition, "public"), competition):
        if os.path.isfile(os.path.join(d, "train.csv")):
            return d
    raise DataMismatch("%s has neither public/train.csv nor train.csv; give the competition folder (or its public/ "
                       "folder) of %s" % (competition, COMPETITION))


def read_table(path):
    """Header (trimmed) and rows as strings, parsed as the run parsed them (BOM dropped, blank lines skipped)."""
    try:
        csv.field_size_limit(sys.maxsize)
    except OverflowError:
        csv.field_size_limit(2 ** 31 - 1)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        records = [r for r in csv.reader(f) if r]
    if not records:
        raise DataMismatch("%s is empty; give the competition folder of %s" % (path, COMPETITION))
    header = [h.strip() for h in records[0]]
    for n, row in enumerate(records[1:], start=2):
        if len(row) != len(header):
            raise DataMismatch("%s row %d has %d cells but the header has %d; give the competition folder of %s"
                               % (path, n, len(row), len(header), COMPETITION))
    return header, records[1:]


def fingerprint(header, rows):
    h = hashlib.sha256("\x1f".join(header).encode("utf-8", "surrogatepass"))
    for row in rows:
        h.update(b"\x1e")
        h.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def check_same_file(path, expected_sha256, what):
    if not os.path.isfile(path):
        raise DataMismatch("%s is missing; give the competition folder of %s" % (path, COMPETITION))
    if sha256_file(path) != expected_sha256:
        raise DataMismatch("%s is not the %s this run used (its sha256 differs); give the competition folder of %s "
                           "that run %s was started on" % (path, what, COMPETITION, RUN_ID))


def labelled_rows(train_path):
    """The train rows the run split (those with a label), checked against the run's rows, ids and folds."""
    header, rows = read_table(train_path)
    for col in (ID_COLUMN, LABEL_COLUMN):
        if col not in header:
            raise DataMismatch("%s has no column %r, which the run's train.csv had; give the competition folder of %s"
                               % (train_path, col, COMPETITION))
    j, i = header.index(LABEL_COLUMN), header.index(ID_COLUMN)
    rows = [r for r in rows if r[j].strip() not in NA_TOKENS]
    expected = unpack(ROWS)  # [[id, fold], ...] in the run's row order; fold -1: held back
    if len(rows) != len(expected):
        raise DataMismatch("%s has %d labelled rows, but the run split %d; give the competition folder of %s that "
                           "run %s was started on" % (train_path, len(rows), len(expected), COMPETITION, RUN_ID))
    for n, (row, (rid, _)) in enumerate(zip(rows, expected)):
        if row[i] != rid:
            raise DataMismatch("%s's labelled row %d has id %r, where the run's had %r; give the competition folder of "
                               "%s that run %s was started on" % (train_path, n + 1, row[i], rid, COMPETITION, RUN_ID))
    if fingerprint(header, rows) != TRAIN_FINGERPRINT:
        raise DataMismatch("%s has the run's ids but not its values (the cells' sha256 differs); give the competition "
                           "folder of %s that run %s was started on" % (train_path, COMPETITION, RUN_ID))
    return header, rows, [fold for _, fold in expected]


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def materialise(pub, data_dir):
    """The run's data dir: train.csv (the rows the pipeline fitted on), folds.csv, holdout.csv, test.csv, sample."""
    for name, sha, what in (("test.csv", TEST_SHA256, "test set"),
                            ("sample_submission.csv", SAMPLE_SHA256, "sample submission")):
        check_same_file(os.path.join(pub, name), sha, what)
    header, rows, folds = labelled_rows(os.path.join(pub, "train.csv"))
    test_header = read_table(os.path.join(pub, "test.csv"))[0]
    i = header.index(ID_COLUMN)
    features = [header.index(c) for c in test_header if c in header]
    if len(features) != len(test_header):
        raise DataMismatch("test.csv has columns that train.csv lacks; give the competition folder of %s" % COMPETITION)
    os.makedirs(data_dir, exist_ok=True)
    fitted = [(r, f) for r, f in zip(rows, folds) if f >= 0]
    write_csv(os.path.join(data_dir, "train.csv"), header, [r for r, _ in fitted])
    write_csv(os.path.join(data_dir, "folds.csv"), [ID_COLUMN, "fold"], [[r[i], str(f)] for r, f in fitted])
    write_csv(os.path.join(data_dir, "holdout.csv"), test_header,
              [[r[x] for x in features] for r, f in zip(rows, folds) if f < 0])
    shutil.copyfile(os.path.join(pub, "test.csv"), os.path.join(data_dir, "test.csv"))
    shutil.copyfile(os.path.join(pub, "sample_submission.csv"), os.path.join(data_dir, "sample_submission.csv"))
    return len(fitted), len(rows) - len(fitted)


def library_notes():
    try:
        from importlib.metadata import version, PackageNotFoundError
    except ImportError:
        return []
    notes = []
    for name, theirs in sorted(LIBRARIES.items()):
        try:
            mine = version(name)
        except PackageNotFoundError:
            mine = None
        if mine != theirs:
            notes.append("%s is %s here, %s in the run's interpreter" % (name, mine or "not installed", theirs))
    return notes


def run_pipeline(data_dir, out_dir):
    script = os.path.join(out_dir, "main.py")
    with open(script, "w", encoding="utf-8", newline="") as f:
        f.write(PIPELINE)
    env = dict(os.environ)
    env.update({
        "GOME_DATA_DIR": data_dir, "GOME_OUTPUT_DIR": out_dir, "GOME_MODE": "full", "GOME_JOB_ID": "export",
        "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
    })
    if THREADS:  # the thread count the run's jobs had: some models' results depend on it
        for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                  "VECLIB_MAXIMUM_THREADS"):
            env[v] = str(THREADS)
    sys.stdout.flush()
    sys.stderr.flush()
    # the pipeline's log goes to stderr: stdout carries only the path of the submission written
    return subprocess.call([sys.executable, script], env=env, cwd=out_dir, stdout=sys.stderr.fileno())


def main(argv):
    p = argparse.ArgumentParser(description="Reproduce the submission of Gome run %s (%s, experiment %s)."
                                % (RUN_ID, COMPETITION, EXPERIMENT))
    p.add_argument("competition", help="the competition folder (MLE-bench layout) or its public/ folder")
    p.add_argument("-o", "--out", default=".", help="folder for submission.csv (default: the current folder)")
    p.add_argument("--keep-data", metavar="DIR", help="build the pipeline's data dir here and keep it")
    a = p.parse_args(argv)
    say = lambda s: sys.stderr.write(s + "\n")
    if hashlib.sha256(PIPELINE.encode("utf-8", "surrogatepass")).hexdigest() != PIPELINE_SHA256:
        say("note: the embedded pipeline was edited since the export; the predictions will differ from the run's")
    for note in library_notes():
        say("note: %s; predictions may differ slightly from the run's" % note)
    work = tempfile.mkdtemp(prefix="gome-solution-")
    try:
        data_dir = os.path.abspath(a.keep_data) if a.keep_data else os.path.join(work, "data")
        try:
            fitted, held = materialise(public_dir(os.path.abspath(a.competition)), data_dir)
        except (DataMismatch, OSError) as e:
            say("error: %s" % e)
            return EXIT_BAD_DATA
        say("%s: fitting %s on %d rows in %d folds%s" % (RUN_ID, EXPERIMENT, fitted, FOLDS,
            ", %d held back as the run did" % held if held else ""))
        out_dir = os.path.join(work, "job")
        os.makedirs(out_dir)
        code = run_pipeline(data_dir, out_dir)
        produced = os.path.join(out_dir, "submission.csv")
        if code != 0 or not os.path.isfile(produced):
            say("error: the pipeline failed (exit code %s) without writing submission.csv; its output is above" % code)
            return EXIT_PIPELINE_FAILED
        os.makedirs(a.out, exist_ok=True)
        dest = os.path.join(a.out, "submission.csv")
        shutil.copyfile(produced, dest)
        same = sha256_file(dest) == SUBMISSION_SHA256
        say("wrote %s (%s)" % (dest, "byte for byte the run's submission.csv" if same else
            "not byte for byte the run's submission.csv: compare the values, floating-point rounding differs"))
        print(os.path.abspath(dest))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
