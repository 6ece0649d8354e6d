"""Errors about many series name a few and count the rest: a long table in which thousands of series
have no training window said so by listing every id in its fix (18,660 characters for 2,000 series),
and ``plot(series=...)`` echoed every name it was given."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.api.forecast_fit_features import fit_datamodule
from ssm_ts.errors import ConfigError, DataError

SETTINGS = dict(target=None, past_covariates=None, future_covariates=None, freq=None, fill=None, lookback=8,
                horizon=2, split="standard", fractions=None, boundaries=None, batch_size=16, shuffle_seed=0,
                read_options=None)  # fmt: skip


def _panel(n_short: int, time_kind: str) -> pd.DataFrame:
    """Two series of 60 daily rows, and ``n_short`` of 8 rows each (too few for a training window of
    lookback 8 + horizon 2), starting at different times."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2022-03-01", periods=60, freq="D")
    parts = [pd.DataFrame({"unique_id": f"long{i}", "ds": times, "y": rng.normal(size=60)}) for i in range(2)]
    for i in range(n_short):
        start = i % 40
        parts.append(
            pd.DataFrame(
                {"unique_id": f"short{i:03d}", "ds": times[start : start + 8], "y": rng.normal(size=8)}
            )
        )
    table = pd.concat(parts, ignore_index=True)
    if time_kind == "step":
        table["ds"] = (table["ds"] - times[0]).dt.days
    elif time_kind == "text":  # as a CSV gives them
        table["ds"] = table["ds"].dt.strftime("%Y-%m-%d")
    return table


def _setup_error(table: pd.DataFrame) -> str:
    with pytest.raises(DataError, match="have no training window") as raised:
        fit_datamodule(table, None, "fit", time_col="ds", **SETTINGS)
    return str(raised.value)


@pytest.mark.parametrize("time_kind", ["date", "step", "text"])
def test_many_series_without_a_training_window_are_counted_and_their_fix_runs(time_kind):
    table = _panel(300, time_kind)
    message = _setup_error(table)
    assert message.startswith("the DataFrame: 300 of 302 series have no training window")
    assert "and 295 more" in message
    assert "short010" not in message  # was every one of the 300 ids, in the leave-out code
    assert len(message) < 1000
    fix = re.search(r"Leave those series out \((.*)\), or use", message).group(1)
    scope = {"pd": pd, "df": table.copy()}
    exec(fix, scope)  # the line the user pastes
    assert sorted(scope["df"]["unique_id"].unique()) == ["long0", "long1"]
    fit_datamodule(scope["df"], None, "fit", time_col="ds", **SETTINGS)  # now it sets up


def test_a_few_series_without_a_training_window_are_left_out_by_their_ids():
    message = _setup_error(_panel(3, "date"))
    assert "df = df[~df['unique_id'].isin(['short000', 'short001', 'short002'])]" in message


class _CountedNames(list):
    """The fitted series' names, counting the passes over them."""

    passes = 0

    def __iter__(self):
        type(self).passes += 1
        return super().__iter__()


def test_plot_of_many_unknown_series_names_a_few_and_compares_them_in_one_pass():
    from types import SimpleNamespace

    from ssm_ts.api.forecast_plot import plotted_series

    fitted = _CountedNames(f"s{i:04d}" for i in range(2000))
    fc = SimpleNamespace(spec_=SimpleNamespace(targets=fitted, id_dtype=None))
    asked = [f"x{i}" for i in range(2000)]
    _CountedNames.passes = 0
    with pytest.raises(ConfigError) as raised:
        plotted_series(fc, asked)
    assert str(raised.value) == (
        "series=['x0', 'x1', 'x2', 'x3', 'x4', ...] (2,000 names): ['x0', 'x1', 'x2', 'x3', 'x4'] and 1,995 more "
        "not among the fitted series (e.g. ['s0000', 's0001', 's0002', 's0003', 's0004']); name series the model "
        "forecasts."
    )  # was every one of the 2,000 names, 17,071 characters
    assert _CountedNames.passes <= 3  # was a set of the 2,000 fitted names built for each name asked
    assert plotted_series(fc, ["s0001", "s1999"]) == ["s0001", "s1999"]


def test_series_a_model_was_not_fitted_on_are_told_in_one_pass_over_its_series(monkeypatch):
    from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec
    from ssm_ts.pipelines.forecasting.unknown_series import warn_unknown_series

    spec = SeriesSpec(time_col="ds", targets=[f"s{i:04d}" for i in range(2000)], freq="D", long_format=True)
    reads = [0]
    columns = SeriesSpec.input_columns.fget

    def counted(self):
        reads[0] += 1
        return columns(self)

    monkeypatch.setattr(SeriesSpec, "input_columns", property(counted))
    given = [f"s{i:04d}" for i in range(1990, 2000)] + [f"new{i}" for i in range(2000)]
    with pytest.warns(UserWarning) as warned:
        warn_unknown_series("the DataFrame", given, spec)
    message = str(warned[0].message)
    assert message.startswith("the DataFrame: series ['new0', 'new1',")
    assert "'... (2000 in all)'" in message and "s1995" not in message
    assert reads[0] == 1  # was a list of the 2,000 fitted series built for each of the 2,010 ids given


class _ScannedIds(list):
    """The ids a long table holds, counting the scans for one of them."""

    scans = 0

    def __contains__(self, item):
        type(self).scans += 1
        return super().__contains__(item)


def test_series_absent_from_a_table_are_found_without_a_scan_per_fitted_series(monkeypatch):
    from types import SimpleNamespace

    import ssm_ts.api.forecast_subset as subset
    from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec

    spec = SeriesSpec(time_col="ds", targets=[f"s{i:04d}" for i in range(2000)], freq="D", long_format=True)
    fc = SimpleNamespace(spec_=spec, task_=SimpleNamespace(hparams=SimpleNamespace(channel_independent=True)))
    held = _ScannedIds(f"s{i:04d}" for i in range(0, 2000, 2))  # every other series
    monkeypatch.setattr(subset, "given_series", lambda data, spec, options: ("the DataFrame", held))
    _ScannedIds.scans = 0
    absent = subset.absent_series(fc, pd.DataFrame(), None)
    assert absent == [f"s{i:04d}" for i in range(1, 2000, 2)]
    assert _ScannedIds.scans == 0  # was a scan of the 1,000 ids held for each of the 2,000 fitted series
