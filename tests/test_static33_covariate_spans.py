"""A long table's covariate series that starts after its targets (or ends before them): empty ends are
outside its own span, which no check or fill touches, and the windows read NaN. Three series of ETTh1
as a long table: OT and HUFL the targets, LULL a covariate series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError

TRAINER = {"limit_train_batches": 2, "limit_val_batches": 2, "enable_progress_bar": False,
           "enable_model_summary": False}  # fmt: skip


def long_table(ett: pd.DataFrame, covariate_rows: slice) -> pd.DataFrame:
    rows = ett.iloc[:300]
    targets = [pd.DataFrame({"unique_id": n, "ds": rows["date"], "y": rows[n]}) for n in ("OT", "HUFL")]
    covariate = rows.iloc[covariate_rows]
    return pd.concat([*targets, pd.DataFrame({"unique_id": "temp", "ds": covariate["date"], "y": covariate["LULL"]})],
                     ignore_index=True)  # fmt: skip


def forecaster(tmp: str) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, seed=0, log_to_mlflow=False,
                      out_dir=tmp, trainer_options=TRAINER)  # fmt: skip


def fix_of(error: pytest.ExceptionInfo, df: pd.DataFrame) -> pd.DataFrame:
    """The error's ``df = ...`` fix, run as pasted."""
    scope = {"df": df, "pd": pd}
    exec(str(error.value).split("out: ")[1].rstrip("."), scope)  # noqa: S102
    return scope["df"]


def test_a_covariate_series_starting_after_its_targets_is_refused_before_training(ett, tmp_path):
    """The fit stopped at its first batch: 'training loss became nan'. The fix, pasted, fits."""
    df = long_table(ett, slice(10, None))
    with pytest.raises(
        DataError, match=r"covariate 'temp' has no values before 2016-07-01 10:00:00, and series"
    ) as error:
        forecaster(str(tmp_path)).fit(df, past_covariates=["temp"])
    fc = forecaster(str(tmp_path)).fit(fix_of(error, df), past_covariates=["temp"])
    assert np.isfinite(fc.metrics_["val_loss"]) and fc.history_["ds"].iloc[0] == pd.Timestamp(
        "2016-07-01 10:00"
    )


def test_a_forecast_whose_window_lacks_the_covariate_says_so(ett, tmp_path):
    """predict of a table whose covariate ends 5 rows before the targets gave an empty frame, unsaid;
    a covariate given over the last window only is enough."""
    fc = forecaster(str(tmp_path)).fit(long_table(ett, slice(None)), past_covariates=["temp"])
    df = long_table(ett, slice(None, -5))
    with pytest.raises(DataError, match=r"covariate 'temp' has no values after 2016-07-13 06:00:00") as error:
        fc.predict(df)
    assert fc.predict(fix_of(error, df))["ds"].min() == pd.Timestamp("2016-07-13 07:00")
    recent = fc.predict(long_table(ett, slice(-24, None)))  # the lookback's rows only
    pd.testing.assert_frame_equal(recent, fc.predict(long_table(ett, slice(None))))
