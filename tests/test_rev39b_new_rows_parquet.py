"""Today's rows alone in a Parquet file, after the data a model was fitted on: the error's fix printed
pd.read_csv(earlier_path) and pd.read_csv(new_path) with a note about a CSV's separator, which cannot
read a Parquet file. It reads both with pd.read_parquet, and the printed code reads the rows written."""

from __future__ import annotations

import re

import pandas as pd

from ssm_ts.api.forecast_short_history import _both_rows_code


def test_new_rows_in_a_parquet_file_are_read_with_read_parquet(in_tmp, ett):
    rows = ett[["date", "OT", "HUFL"]]
    rows.iloc[:30].to_parquet("fit.parquet", index=False)
    rows.iloc[30:40].to_parquet("today.parquet", index=False)
    code = _both_rows_code({}, "today.parquet")
    assert code == "model.predict(pd.concat([pd.read_parquet(earlier_path), pd.read_parquet(new_path)]))"
    both = eval(re.search(r"model\.predict\((.*)\)$", code).group(1),
                {"pd": pd, "earlier_path": "fit.parquet", "new_path": "today.parquet"})  # fmt: skip
    pd.testing.assert_frame_equal(both.reset_index(drop=True), rows.iloc[:40].reset_index(drop=True))
