# ── header: one fixed thread count, set before numpy loads, then the imports that every later section uses ──
import os
import time
# the job's clock: the elapsed time and the runtime estimate count from here (the imports below included)
T0 = time.time()
# passive OpenMP waiting: spinning threads are very slow on shared/contended CPUs
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# deterministic jobs: one fixed thread count, from the environment (the GPU node exports OMP_NUM_THREADS), never
# from this machine's cpu count; it is set for OpenMP and every BLAS before numpy loads them, and passed to every
# model that takes n_jobs (xgboost, forests, kNN); HistGradientBoosting follows OMP_NUM_THREADS
_threads = os.environ.get("OMP_NUM_THREADS", "").strip()
N_JOBS = int(_threads) if _threads.isdigit() and int(_threads) > 0 else 2
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = str(N_JOBS)
import warnings
warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd

# what this header provides to the sections after it (which import sklearn themselves, after the thread setup)
__all__ = ["np", "pd"]
