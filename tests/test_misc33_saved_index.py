"""A pandas index saved into a table (``df.to_csv(path)`` writes it as ``Unnamed: 0``): dates there are
the times, with a note on the name the forecast gives them; row numbers there (0..n-1, or a slice's)
are no series to forecast and no sensor channel, with a warning naming the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.sensor import read_csv_folder, read_csv_long


def daily(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n)}, index=pd.date_range("2021", periods=n)
    )


def test_dates_in_a_saved_index_are_the_times_with_a_note_on_their_name(tmp_path):
    path = tmp_path / "dated.csv"
    daily().to_csv(path)  # an unnamed DatetimeIndex: the header's first cell is empty
    with pytest.warns(UserWarning, match=r"dated.csv: the times are read from column 'Unnamed: 0'.*"
                      r"index_label='date'.*time_col='Unnamed: 0'"):  # fmt: skip
        values, spec = load_series(path)
    assert spec.time_col == "Unnamed: 0" and spec.targets == ["a", "b"] and spec.freq == "D"
    assert pd.api.types.is_datetime64_any_dtype(values["Unnamed: 0"])

    with warnings.catch_warnings():  # named by the caller: read so, without the note
        warnings.simplefilter("error")
        assert load_series(path, time_col="Unnamed: 0")[1].time_col == "Unnamed: 0"
        # the DataFrame fix the note names, as written: the DatetimeIndex is the times, named 'ds'
        assert load_series(pd.read_csv(path, index_col=0, parse_dates=True))[1].time_col == "ds"
    with pytest.warns(UserWarning, match=r"the DataFrame: .*df.rename\(columns=\{'Unnamed: 0': 'date'\}\)"):
        load_series(pd.read_csv(path))


def test_row_numbers_of_a_slice_are_no_target_and_the_fix_fits_the_source(tmp_path):
    frame = daily(300).rename_axis("date").reset_index()
    path = tmp_path / "recent.csv"
    frame.iloc[100:].to_csv(path)  # the index 100..299: a slice's row numbers
    with pytest.warns(UserWarning, match=r"\['Unnamed: 0'\] hold the row numbers 100..299.*index=False"):
        _, spec = load_series(path)
    assert spec.targets == ["a", "b"]  # was ['Unnamed: 0', 'a', 'b']
    with pytest.warns(UserWarning, match=r"the DataFrame: .*pd.read_csv\(path, index_col=0\)"):
        assert load_series(pd.read_csv(path))[1].targets == ["a", "b"]


def test_no_time_column_names_the_saved_row_numbers_as_steps(tmp_path):
    path = tmp_path / "untimed.csv"
    pd.DataFrame({"a": np.arange(20.0)}).to_csv(path)
    with pytest.raises(
        DataError, match=r"column 'Unnamed: 0' holds the row numbers 0..19.*time_col='Unnamed: 0'"
    ):
        load_series(path)
    assert load_series(path, time_col="Unnamed: 0")[1].targets == ["a"]  # the fix, as written


def recording(seed: int, length: int = 20) -> pd.DataFrame:
    """One recording indexed by its timestamps (one per second), as a logger's frame is."""
    values = np.random.default_rng(seed).normal(size=(length, 2))
    return pd.DataFrame(
        values, columns=["acc_x", "acc_y"], index=pd.date_range("2021", periods=length, freq="s")
    )


def test_sensor_csvs_saved_with_an_index_of_dates_are_timed_by_it(tmp_path):
    for i in range(3):
        recording(i).to_csv(tmp_path / f"rec{i}.csv")  # an unnamed DatetimeIndex: 'Unnamed: 0'
    with pytest.warns(UserWarning, match=r"\(3 of its 3 files: .*column 'Unnamed: 0' holds dates.*no 'time' "
                      r"column.*index_label='time'.*read_csv_folder\(folder, time_col='Unnamed: 0'\)"):  # fmt: skip
        data = read_csv_folder(tmp_path)  # was: 'Unnamed: 0' holds '2021-01-01 00:00:00' ..., not a number
    assert data.channel_names == ["acc_x", "acc_y"] and data.sampling_step == pd.Timedelta("1s")
    assert np.allclose(data.values[0], recording(0).to_numpy().T)

    path = tmp_path / "long.csv"
    shuffled = pd.concat(recording(i).assign(id=f"r{i}", label="ab"[i % 2]) for i in range(3)).iloc[::-1]
    shuffled.to_csv(path)  # rows in reverse time order: put back in order by the saved times
    with pytest.warns(UserWarning, match=r"long.csv: column 'Unnamed: 0' holds dates"):
        data = read_csv_long(path)
    assert data.channel_names == ["acc_x", "acc_y"] and data.sampling_step == pd.Timedelta("1s")
    assert np.allclose(data.values[data.ids.index("r0")], recording(0).to_numpy().T)
    with warnings.catch_warnings():  # named as the note says: read so, without it
        warnings.simplefilter("error")
        assert read_csv_long(path, time_col="Unnamed: 0").sampling_step == pd.Timedelta("1s")


def test_sensor_row_numbers_of_a_whole_file_are_no_channel(tmp_path):
    path = tmp_path / "long.csv"
    pd.concat(recording(i).reset_index(drop=True).assign(id=f"r{i}") for i in range(2)).reset_index(
        drop=True
    ).to_csv(path)  # 0..39 over the file
    with pytest.warns(UserWarning, match=r"\['Unnamed: 0'\] hold row numbers.*index=False"):
        assert read_csv_long(path, label_col=None).channel_names == ["acc_x", "acc_y"]
