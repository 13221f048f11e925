"""The one table of competition metrics, read from protocols/metric-table.json (the file the TypeScript side reads
through protocols/metric-table.ts), so the bench scripts and Gome agree on every metric's direction and facts.

METRIC_TABLE: name -> {"title", "lowerIsBetter", "perfect", "taskKinds", "probabilities"}
LOWER_IS_BETTER: name -> bool
"""
import json
import os

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "protocols", "metric-table.json")

with open(TABLE_PATH, encoding="utf-8") as _f:
    METRIC_TABLE = json.load(_f)["metrics"]

LOWER_IS_BETTER = {name: bool(facts["lowerIsBetter"]) for name, facts in METRIC_TABLE.items()}


def is_regression_metric(metric):
    return "regression" in METRIC_TABLE[metric]["taskKinds"]


def scores_probabilities(metric):
    return bool(METRIC_TABLE[metric]["probabilities"])
