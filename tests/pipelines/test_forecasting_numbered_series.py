"""Series named by numbers: a wide CSV's numbered columns (exchange_rate's ``0``..``6``) and a long
table's text ids ``"1"`` may be named by the number, as a long table's number ids are (``target=0``
raised a bare ``TypeError``; ``target=[0]`` was "column [0] not found" beside a listed ``'0'``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def numbered_csv(tmp_path) -> str:
    """A daily wide CSV whose series columns are ``0``, ``1`` and ``OT``."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"date": pd.date_range("1990-01-01", periods=40, freq="D")})
    for name in ("0", "1", "OT"):
        frame[name] = rng.normal(size=len(frame))
    path = tmp_path / "rates.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("target", [0, [0, "OT"], np.int64(1)])
def test_a_wide_csvs_numbered_column_is_named_by_its_number(tmp_path, target):
    path = numbered_csv(tmp_path)
    expected = [str(t) for t in np.atleast_1d(np.asarray(target, dtype=object))]
    frame, spec = load_series(path, target=target)
    assert spec.targets == expected and list(frame.columns[1 : 1 + len(expected)]) == expected


def test_covariates_are_named_by_their_number_too(tmp_path):
    frame, spec = load_series(numbered_csv(tmp_path), target="OT", past_covariates=0, future_covariates=[1])
    assert spec.past_covariates == ["0"] and spec.future_covariates == ["1"]


def test_a_long_tables_text_ids_are_named_by_their_number():
    times = pd.date_range("2020-01-01", periods=30, freq="h")
    long = pd.DataFrame(
        {"unique_id": np.repeat(["1", "2"], 30), "ds": np.tile(times, 2), "y": np.arange(60.0)}
    )
    _, spec = load_series(long, target=[2])
    assert spec.targets == ["2"] and spec.id_dtype is None


def test_a_number_that_names_no_column_is_still_an_error_listing_them(tmp_path):
    with pytest.raises(DataError, match=r"column \[7\] not found.*'0', '1', 'OT'"):
        load_series(numbered_csv(tmp_path), target=7)
