"""A series named as another series' output column (``sales`` beside ``sales_actual``, ``a_q0.1``,
``a_lo-80``) or as a backtest's ``cutoff`` is refused when read, with a rename that works: the outputs
took its columns for the other series' (a long forecast's ``y_actual`` held its forecast)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series

_DAYS = pd.date_range("2020-01-01", periods=10, freq="D")


@pytest.mark.parametrize(
    ("second", "told"),
    [("sales_actual", "actual values"), ("sales_q0.1", "a quantile"), ("sales_hi-95", "an interval's bound")],
)
def test_a_series_named_as_another_ones_output_column_is_refused(tmp_path, second, told):
    path = tmp_path / "shop.csv"
    pd.DataFrame({"date": _DAYS, "sales": np.arange(10.0), second: np.ones(10)}).to_csv(path, index=False)
    with pytest.raises(DataError, match=rf"series '{re.escape(second)}' .*{told} of series 'sales'") as error:
        load_series(path)
    fix = re.search(r"df = pd\.read_csv\(path\), then (.*), and pass the DataFrame", str(error.value))
    scope = {"df": pd.read_csv(path)}
    exec(fix.group(1), scope)  # the rename, as a user pastes it
    _, spec = load_series(scope["df"])
    assert spec.targets == ["sales", second.replace("_", " ", 1)]


def test_long_ids_and_cutoff_are_refused_with_their_rename():
    long = pd.DataFrame({"unique_id": np.repeat(["a", "a_lo-80"], 10), "ds": np.tile(_DAYS, 2), "y": 1.0})
    with pytest.raises(
        DataError, match=r"df\['unique_id'\] = df\['unique_id'\]\.replace\(\{'a_lo-80': 'a lo-80'\}\)"
    ):
        load_series(long)
    with pytest.raises(
        DataError, match=r"series 'cutoff' .*df\.rename\(columns=\{'cutoff': 'cutoff value'\}\)"
    ):
        load_series(pd.DataFrame({"date": _DAYS, "cutoff": 1.0, "x": 2.0}))


def test_names_that_extend_no_other_series_are_read():
    frame = pd.DataFrame({"date": _DAYS, "a_actual": 1.0, "b_q": 2.0, "b": 3.0, "b_total": 4.0})
    _, spec = load_series(frame)
    assert spec.targets == ["a_actual", "b_q", "b", "b_total"]
