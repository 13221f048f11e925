# ── settings: the run mode (from the environment) and the pipeline's settings (read from the constants above) ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import os, SPEC, TASK
# gome:stub-end
DATA_DIR = os.environ["GOME_DATA_DIR"]
OUT_DIR = os.environ.get("GOME_OUTPUT_DIR", ".")
MODE = os.environ.get("GOME_MODE", "full").strip().lower()
DEBUG = MODE == "debug"
os.makedirs(OUT_DIR, exist_ok=True)
IS_REG = TASK == "regression"
SEED = SPEC["seed"]
FOLDS = SPEC["folds"]  # only without folds.csv: the harness's folds.csv fixes the folds otherwise
SEEDS = SPEC["seeds"]
ENSEMBLE = SPEC["ensemble"]
CLASS_WEIGHT = SPEC["classWeight"]
TARGET_LOG = bool(IS_REG and SPEC["targetLog"])
MAX_TRAIN_ROWS = SPEC["maxTrainRows"]
FE = SPEC["fe"]
# the models: dicts of family, name and params, built by make_model (the models section)
MODELS = SPEC["models"]
EST_SCALE = 0.2 if DEBUG else 1.0


def est(n):
    """Number of estimators actually used: reduced in debug mode."""
    return int(max(10, round(n * EST_SCALE))) if DEBUG else int(n)
