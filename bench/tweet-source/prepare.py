"""Builds tweet-source (binary, AUC, 20,761 tweets, one free-text column) from r-cran-dslabs' trump_tweets
(the @realDonaldTrump tweets of 2009-2017 from the Trump Twitter Archive, retweets and quoted tweets already
removed by dslabs). dslabs ships its data only as an R lazy-load data base (data/Rdata.rdb + Rdata.rdx); it is read
with python3-rdata (prepare_common.load_lazy_rdb), without R. Target android = 1 when the tweet's source is
"Twitter for Android". Features: the tweet's text, its hour of day (UTC), whether it is a reply, and its retweet
and favourite counts. Left out: id_str and the raw created_at (they order the tweets in time, and the device
changed with time: no Android tweet before 2013, mostly iPhone from 2016), in_reply_to_user_id_str (an id; only
whether it is set is kept) and is_retweet (FALSE on every row). Carriage returns in the text become line feeds
(three tweets; the CSV writer quotes fields with line feeds but not with a lone carriage return). Stratified 80/20
split (seed 0): 4,153 test rows."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_lazy_rdb, parse_out  # noqa: E402,F401

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DATA = "/usr/lib/R/site-library/dslabs/data"
SPEC = {
    "id": "tweet-source",
    "title": "Tweet Source: was this @realDonaldTrump tweet sent from an Android phone",
    "metric": "auc", "taskType": "binary", "idColumn": "id",
    "targetColumns": ["android"], "answerColumn": "android",
    "classes": [0, 1], "positiveClass": 1,
    "source": {"package": "r-cran-dslabs", "object": "trump_tweets", "loader": "R lazy-load data base"},
    "sources": [os.path.join(DATA, "Rdata.rdb"), os.path.join(DATA, "Rdata.rdx")],
    "suite": "dev",
}


def load():
    df = load_lazy_rdb(DATA, "trump_tweets")
    assert len(df) == 20761 and not df["is_retweet"].any(), "dslabs' trump_tweets: 20,761 rows, no retweets"
    assert df["text"].notna().all() and df["created_at"].notna().all()
    seconds = df["created_at"].to_numpy(dtype=float)  # POSIXct: seconds since 1970-01-01 UTC
    X = pd.DataFrame({
        # line breaks kept (as "\n"; three 2011 tweets use old-Mac "\r", which the CSV would not quote)
        "text": df["text"].astype(str).str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False),
        "hour_utc": (np.floor(seconds / 3600) % 24).astype(int),
        "is_reply": df["in_reply_to_user_id_str"].notna().astype(int),
        "retweet_count": df["retweet_count"].astype(int),
        "favorite_count": df["favorite_count"].astype(int),
    })
    y = (df["source"].astype(str) == "Twitter for Android").astype(int)
    return X, y


if __name__ == "__main__":
    X, y = load()
    build(SPEC, X, y, HERE, parse_out(HERE))
