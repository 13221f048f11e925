"""Builds house-votes (binary, AUC) from r-cran-mlbench HouseVotes84.rda
(1984 US House votes on 16 issues, y/n/missing). Target republican=1."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401


RDA = "/usr/lib/R/site-library/mlbench/data/HouseVotes84.rda"
# Issue names of V1..V16, in order, from the UCI Congressional Voting Records documentation.
ISSUES = ["handicapped_infants", "water_project_cost_sharing", "adoption_of_the_budget_resolution",
          "physician_fee_freeze", "el_salvador_aid", "religious_groups_in_schools",
          "anti_satellite_test_ban", "aid_to_nicaraguan_contras", "mx_missile", "immigration",
          "synfuels_corporation_cutback", "education_spending", "superfund_right_to_sue", "crime",
          "duty_free_exports", "export_administration_act_south_africa"]
SPEC = {
    "id": "house-votes",
    "title": "House Votes: tell Republicans from Democrats by their 1984 votes",
    "metric": "auc", "taskType": "binary", "idColumn": "id",
    "targetColumns": ["republican"], "answerColumn": "republican",
    "classes": [0, 1], "positiveClass": 1,
    "source": {"package": "r-cran-mlbench", "path": RDA, "object": "HouseVotes84"},
    "suite": "dev", "smoke": True,
}

if __name__ == "__main__":
    df = load_rda(RDA, "HouseVotes84")
    X = df.drop(columns=["Class"]).astype(object)
    X.columns = ISSUES
    y = (df["Class"].astype(str) == "republican").astype(int)
    build(SPEC, X, y, HERE, parse_out(HERE))
