"""The forecasting reader and checks: formats, time column, frequency, and clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssm_ts.datasets import write_co2_csv
from ssm_ts.errors import DataError, DataFileNotFoundError, SSMTSError
from ssm_ts.pipelines.forecasting import ForecastDataModule, infer_frequency, load_like, load_series


def hourly(n=48, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq="h")})
    rng = np.random.default_rng(0)
    for name in columns or {"a": None, "b": None}:
        frame[name] = rng.normal(size=n)
    return frame


def test_real_files_read_with_inferred_frequency(shared_data):
    expected = {"ETTh1.csv": ("h", 17420), "ETTm1.csv": ("15min", 69680), "exchange_rate.csv": ("D", 7588)}
    for name, (freq, rows) in expected.items():
        frame, spec = load_series(shared_data / "forecasting" / name)
        assert spec.time_col == "date" and spec.freq == freq and len(frame) == rows
        assert spec.targets[-1] == "OT" and frame[spec.targets].notna().all().all()
    frame, spec = load_series(shared_data / "forecasting" / "national_illness.csv", target="OT")
    assert spec.freq == "W-TUE" and spec.targets == ["OT"] and list(frame.columns) == ["date", "OT"]


def test_co2_gaps_are_an_error_unless_filled(tmp_path):
    path = write_co2_csv(tmp_path / "co2.csv")
    raw = pd.read_csv(path)
    with pytest.raises(DataError, match=r"59 timestamps are missing.*'W-SAT'.*CSV line.*fill="):
        load_series(path)
    frame, spec = load_series(path, fill="interpolate")
    assert spec.freq == "W-SAT" and len(frame) == len(raw) + 59
    assert (frame["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    # Interpolated weeks lie between their neighbours; observed weeks are untouched.
    merged = frame.merge(
        raw.assign(date=pd.to_datetime(raw["date"])), on="date", how="left", suffixes=("", "_raw")
    )
    observed = merged["co2_raw"].notna()
    assert np.allclose(merged.loc[observed, "co2"], merged.loc[observed, "co2_raw"])
    filled_ffill, _ = load_series(path, fill="ffill")
    gap = (~observed).to_numpy().nonzero()[0][0]
    assert filled_ffill["co2"].iloc[gap] == filled_ffill["co2"].iloc[gap - 1]


def test_long_format_is_pivoted(tmp_path):
    wide = hourly(30)
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    long = long.sample(frac=1.0, random_state=0)  # long files need not be ordered
    frame, spec = load_series(long)
    assert spec.long_format and spec.targets == ["a", "b"] and spec.time_col == "ds"
    assert np.allclose(frame["a"], wide["a"]) and np.allclose(frame["b"], wide["b"])


def test_time_index_covariates_and_named_target():
    frame = hourly(40, load=None, temp=None, hour=None).set_index("date")
    values, spec = load_series(frame, target="load", past_covariates=["temp"], future_covariates=["hour"])
    assert spec.input_columns == ["load", "temp", "hour"] and spec.freq == "h"
    assert list(values.columns) == ["date", "load", "temp", "hour"]


def test_month_start_frequency_with_a_gap_is_inferred():
    times = pd.date_range("2000-01-01", periods=40, freq="MS").delete(17)
    assert infer_frequency(pd.Series(times)).freqstr == "MS"


@pytest.mark.parametrize(
    ("mutate", "kwargs", "pattern"),
    [
        (
            lambda f: f.assign(b=f["b"].astype(object).where(f.index != 7, "n/a")),
            {},
            r"column 'b'.*non-numeric.*row 7.*'n/a'",
        ),
        (lambda f: f.assign(a=f["a"].where(f.index != 5, np.nan)), {}, r"column 'a' has NaN.*row 5.*fill="),
        (lambda f: f.assign(a=f["a"].where(f.index != 9, np.inf)), {}, r"column 'a' has inf.*row 9"),
        (lambda f: pd.concat([f, f.iloc[[3]]], ignore_index=True), {}, r"duplicate timestamps.*rows 3, 48"),
        (lambda f: f.iloc[[0, 1, 3, 2, *range(4, 48)]].reset_index(drop=True), {}, r"not sorted.*row 3"),
        (lambda f: f.drop(index=[10, 11]), {}, r"2 timestamps are missing.*'h'"),
        (
            lambda f: f.assign(date=f["date"].astype(str).where(f.index != 4, "yesterday")),
            {"time_col": "date"},
            r"column 'date'.*not dates.*row 4",
        ),
        (lambda f: f, {"target": ["nope"]}, r"\['nope'\] not found.*columns are"),
        (lambda f: f, {"time_col": "when"}, r"time column 'when' not found"),
        (lambda f: f.drop(columns="date"), {}, r"no time column found"),
        (lambda f: f.assign(a=np.nan), {"fill": "ffill"}, r"column 'a' has no values"),
        (lambda f: f, {"fill": "zero"}, r"fill='zero' is not a fill policy"),
    ],
)
def test_bad_inputs_raise_data_error_naming_the_problem(mutate, kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        load_series(mutate(hourly(48)), **kwargs)


def test_csv_errors_give_file_lines(tmp_path):
    frame = hourly(20)
    frame.loc[6, "a"] = np.nan
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"data.csv: column 'a' has NaN.*row 6 \(CSV line 8\)"):
        load_series(path)
    with pytest.raises(DataFileNotFoundError, match="not found"):
        load_series(tmp_path / "missing.csv")
    # lines the reader skips (read_options' skiprows, comment lines, blank lines) move the rows' lines
    lines = frame.to_csv(index=False).splitlines()
    text = ["Logger: TX-7", "Units: kW", lines[0], *lines[1:4], "", "# pause", *lines[4:]]
    (tmp_path / "logger.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match=r"row 6 \(CSV line 12\)"):
        load_series(tmp_path / "logger.csv", read_options={"skiprows": 2, "comment": "#"})
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        load_series(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("date,a\n")
    with pytest.raises(DataError, match="no data rows"):
        load_series(tmp_path / "header.csv")


def test_fill_policy_sorts_and_fills_inf():
    frame = hourly(30)
    frame.loc[4, "a"] = np.inf
    shuffled = frame.iloc[[1, 0, *range(2, 30)]]
    values, _ = load_series(shuffled, fill="interpolate")
    assert values["date"].is_monotonic_increasing
    assert np.isclose(values["a"].iloc[4], (frame["a"].iloc[3] + frame["a"].iloc[5]) / 2)


def test_load_like_reads_new_data_with_the_fitted_spec():
    _, spec = load_series(hourly(30), target="a", past_covariates=["b"])
    new = hourly(30)
    new["extra"] = 1.0
    values = load_like(new, spec)
    assert list(values.columns) == ["date", "a", "b"]
    with pytest.raises(DataError, match=r"\['b'\] not found"):
        load_like(new.drop(columns="b"), spec)


_CELL = st.sampled_from(["", "nan", "inf", "-inf", "x", "1e400", "3", "-2.5", "0", "7"])


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(st.tuples(st.integers(0, 30), _CELL, _CELL), min_size=1, max_size=25),
    fill=st.sampled_from([None, "ffill", "interpolate"]),
    freq=st.sampled_from(["h", "D", "MS", "W"]),
    lookback=st.integers(1, 5),
)
def test_arbitrary_csv_rows_give_clean_windows_or_an_ssm_ts_error(
    tmp_path_factory, rows, fill, freq, lookback
):
    """Duplicates, disorder, gaps, junk and inf in any mix: finite windows out, or an ssm-ts error."""
    times = pd.date_range("2020-01-01", periods=31, freq=freq)
    path = tmp_path_factory.mktemp("fuzz") / "series.csv"
    path.write_text("date,a,b\n" + "\n".join(f"{times[i]},{a},{b}" for i, a, b in rows))
    try:
        dm = ForecastDataModule(path=str(path), fill=fill, lookback=lookback, horizon=2)
        dm.setup("fit")
    except SSMTSError:
        return
    x, y = next(iter(dm.train_dataloader()))
    assert torch.isfinite(x).all() and torch.isfinite(y).all()
