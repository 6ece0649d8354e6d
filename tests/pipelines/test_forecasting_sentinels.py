"""A value column whose missing readings are written as a number (``-9999``, ``1e30``) warns, naming
the file, column, value, rows and CSV lines and the read option that reads them as missing; real
series, a single spike and the far end of a long tail are not taken for such codes."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.datasets import write_co2_csv
from ssm_ts.pipelines.forecasting import load_like, load_series
from ssm_ts.pipelines.forecasting.sentinels import sentinel_values


def _ett(shared_data, rows: int = 500) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=rows)[["date", "HUFL", "OT"]]


def _no_sentinel_warning(record) -> bool:
    return not [w for w in record if "code for a missing reading" in str(w.message)]


def test_repeated_codes_far_from_the_rest_are_named_with_their_rows_and_read_option(shared_data, tmp_path):
    frame = _ett(shared_data)
    frame.loc[[10, 40, 41], "OT"] = -9999
    frame.to_csv(path := tmp_path / "station.csv", index=False)
    with pytest.warns(UserWarning) as record:
        load_series(path)
    (message,) = [str(w.message) for w in record if "missing reading" in str(w.message)]
    assert message.startswith(
        f"{path}: column 'OT' holds -9999 at 3 rows: rows 10, 40, 41 (CSV lines 12, 42, 43). Far outside"
    )
    assert (
        "pass read_options={'na_values': ['-9999']} (CLI: --data.read_options '{\"na_values\": [\"-9999\"]}')"
        in (message)
    )
    assert 'pass fill="interpolate"' in message
    # the fix: read as missing, then the fill policy fills them, and no warning is left
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        values, _ = load_series(path, read_options={"na_values": ["-9999"]}, fill="interpolate")
    assert _no_sentinel_warning(again)
    assert values["OT"].min() > 0


def test_a_huge_code_written_once_is_named_and_the_fill_policy_with_it(shared_data, tmp_path):
    frame = _ett(shared_data)
    frame.loc[77, "HUFL"] = 1e30
    frame.to_csv(path := tmp_path / "station.csv", index=False)
    with pytest.warns(UserWarning, match=r"column 'HUFL' holds 1e\+30 at 1 row: row 77 \(CSV line 79\)\. .*"
                      r"the fill policy 'ffill' fills those rows"):  # fmt: skip
        load_series(path, fill="ffill")


def test_the_fix_keeps_the_read_options_given(shared_data, tmp_path):
    frame = _ett(shared_data)
    frame.loc[[5, 6], "OT"] = -999
    path = tmp_path / "logger.csv"
    path.write_text("Logger: TX-7\n" + frame.to_csv(index=False, sep="|"))
    with pytest.warns(UserWarning, match=r"rows 5, 6 \(CSV lines 8, 9\).*read_options=\{'sep': '\|', 'skiprows': 1, "
                      r"'na_values': \{'HUFL': \['n/a'\], 'OT': \['-999'\]\}\}"):  # fmt: skip
        load_series(path, read_options={"sep": "|", "skiprows": 1, "na_values": {"HUFL": ["n/a"]}})


def test_a_dataframe_long_table_and_predict_input_are_checked(shared_data, tmp_path):
    frame = _ett(shared_data)
    fitted, spec = load_series(frame)
    frame.loc[[3, 4], "OT"] = -9999
    with pytest.warns(
        UserWarning, match=r"the DataFrame: column 'OT' holds -9999 .*df\.replace\(\[-9999\], np\.nan\)"
    ):
        load_series(frame)
    long = frame.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    long.to_csv(path := tmp_path / "long.csv", index=False)
    where = r"times 2016-07-01 03:00:00, 2016-07-01 04:00:00 \(rows 503, 504 \(CSV lines 505, 506\)\)"
    with pytest.warns(
        UserWarning, match=rf"series 'OT' .* holds -9999 at 2 times: {where}.*'na_values': \['-9999'\]"
    ):
        load_series(path)
    frame.to_csv(path := tmp_path / "new.csv", index=False)  # the file predict reads
    with pytest.warns(
        UserWarning, match=r"new\.csv: column 'OT' holds -9999 .*predict applies the fit's fill"
    ):
        load_like(path, spec, allow_future_rows=True)


def test_real_series_and_spikes_are_not_codes(shared_data, tmp_path):
    files = sorted((shared_data / "forecasting").glob("*.csv")) + [write_co2_csv(tmp_path / "co2.csv")]
    for path in files:
        frame = pd.read_csv(path)
        for name in frame.select_dtypes("number").columns:
            assert sentinel_values(frame[name].to_numpy(dtype="float64")).size == 0, (path.name, name)
    rng = np.random.default_rng(0)
    series = rng.normal(20, 3, 2000)
    spike = series.copy()
    spike[700] = 5000.0  # one genuine spike, however large
    assert sentinel_values(spike).size == 0
    rain = np.round(np.where(rng.random(2000) < 0.8, 0.0, rng.lognormal(1, 1.2, 2000)), 1)
    rain[[100, 900]] = rain.max() + 5  # the wettest day, twice: the end of the tail
    assert sentinel_values(rain).size == 0
    flags = (rng.random(2000) < 0.05).astype(float)  # a 0/1 covariate
    assert sentinel_values(flags).size == 0
    coded = series.copy()
    coded[[5, 9, 1500]] = -9999.0
    coded[[20]] = np.nan
    assert list(sentinel_values(coded)) == [-9999.0]


def test_the_check_is_cheap_on_a_long_series(shared_data):
    column = pd.read_csv(shared_data / "forecasting" / "ETTm1.csv")["OT"].to_numpy(dtype="float64", copy=True)
    column[::1000] = -9999.0
    start = time.perf_counter()
    assert list(sentinel_values(column)) == [-9999.0]
    assert time.perf_counter() - start < 0.5  # a few ms for 70k rows
