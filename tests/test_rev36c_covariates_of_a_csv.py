"""darts' ``fit(series, past_covariates)`` with the data a CSV path: the fix said
``data = data.merge(covariates, on=<the time column>, ...)`` (a path has no ``.merge``) and named the
covariates' time column as a covariate. It now reads the CSV, its times as times, and the suggested
code runs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError


def test_the_merge_suggested_for_a_csv_runs(tmp_path):
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=40, freq="h"), "OT": np.arange(40) / 7})
    covariates = pd.DataFrame({"date": frame["date"], "HUFL": np.cos(np.arange(40) / 7.0)})
    path = tmp_path / "etth1.csv"
    frame.to_csv(path, index=False)
    fc = Forecaster(
        model="nlinear", lookback=8, horizon=2, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path)
    )
    with pytest.raises(ConfigError) as raised:
        fc.fit(str(path), covariates)
    text = str(raised.value)
    code = re.search(r"(data = .*?\)), then fit\(data, \.\.\., past_covariates=(\[.*?\])\)", text)
    assert code, text
    scope = {"pd": pd, "covariates": covariates}
    exec(code.group(1), scope)  # noqa: S102  (the error's own fix)
    assert scope["data"].columns.tolist() == ["date", "OT", "HUFL"] and len(scope["data"]) == 40
    assert eval(code.group(2)) == ["HUFL"]  # noqa: S307
