"""A long table's per-series inputs for tests: two ETTh1 series as ``unique_id, ds, y, load`` (each
series with its own load column), their ``static_df`` and a forecaster that fits them in a second."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ssm_ts import Forecaster

# two batches a split, no bars or summary: a fit of a few hundred rows takes about a second
TRAINER = {"limit_train_batches": 2, "limit_val_batches": 2, "enable_progress_bar": False,
           "enable_model_summary": False}  # fmt: skip
# the fixed settings of a tiny fit: ``Forecaster(**TINY, ...)`` or ``tune_forecaster(..., **TINY)``
TINY = {"model": "nlinear", "lookback": 24, "horizon": 6, "max_epochs": 1, "seed": 0, "log_to_mlflow": False,
        "trainer_options": TRAINER}  # fmt: skip
# a static per series of ``long_table``'s: ``size``, known at every time
STATIC = pd.DataFrame({"unique_id": ["OT", "HUFL"], "size": [10.0, 50.0]})


def long_table(ett: pd.DataFrame, rows: int = 300) -> pd.DataFrame:
    """``unique_id, ds, y, load`` of ETTh1's first ``rows`` hours (``2 * rows`` rows): series OT with
    MULL as its load, HUFL with LULL (values that differ by series)."""
    hours = ett.iloc[:rows]
    return pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": hours["date"], "y": hours[name], "load": hours[load]})
         for name, load in (("OT", "MULL"), ("HUFL", "LULL"))],
        ignore_index=True,
    )  # fmt: skip


def tiny_forecaster(out_dir: str | Path, **settings) -> Forecaster:
    """An unfitted Forecaster of ``TINY``'s settings writing to ``out_dir`` (``settings``: more of them)."""
    return Forecaster(**TINY, out_dir=str(out_dir), **settings)
