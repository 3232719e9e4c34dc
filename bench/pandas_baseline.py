#!/usr/bin/env python3
"""The hand-written baseline a user would otherwise write with pandas.

    python bench/pandas_baseline.py LITELLM.ndjson [OUT.csv]

Reads LiteLLM StandardLoggingPayload NDJSON with ``pandas.read_json(lines=True)``,
normalises the nested fields it needs with ``json_normalize``, and computes the
same monthly feature totals as ``aicost report unit-economics``: operations,
distinct conversations (``session_id``, else ``trace_id``) and summed
``response_cost`` per (UTC month of startTime, feature). No pricing, no
de-duplication, no quarantine: it is the optimistic version.
"""

from __future__ import annotations

import sys

import pandas as pd


def monthly_feature_totals(path: str) -> pd.DataFrame:
    df = pd.read_json(path, lines=True)
    meta = pd.json_normalize(df["metadata"].tolist())
    feature_col = "spend_logs_metadata.feature"
    feature = (
        meta[feature_col] if feature_col in meta.columns else pd.Series([None] * len(df))
    ).fillna("unattributed")
    # LiteLLM writes startTime as epoch seconds or as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
    start = df["startTime"]
    epoch = pd.to_numeric(start, errors="coerce")
    ts = pd.to_datetime(epoch, unit="s")
    text = epoch.isna()
    if text.any():
        ts[text] = pd.to_datetime(start[text].astype(str), format="%Y-%m-%d %H:%M:%S.%f")
    conversation = df["session_id"] if "session_id" in df.columns else df["trace_id"]
    conversation = conversation.fillna(df["trace_id"])
    frame = pd.DataFrame(
        {
            "month": ts.dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d"),
            "feature": feature.to_numpy(),
            "conversation": conversation.to_numpy(),
            "cost": df["response_cost"].astype(float).to_numpy(),
        }
    )
    return (
        frame.groupby(["month", "feature"])
        .agg(
            operations=("cost", "size"),
            conversations=("conversation", "nunique"),
            response_cost=("cost", "sum"),
        )
        .reset_index()
    )


def main(argv: list[str]) -> int:
    result = monthly_feature_totals(argv[1])
    if len(argv) > 2:
        result.to_csv(argv[2], index=False)
    else:
        print(result.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
