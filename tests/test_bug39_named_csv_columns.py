"""A label or time column the user names (other than the defaults ``label``, ``time``, which are read
when a file holds them) must be in a long CSV or folder of recording CSVs read without windows: one
that is not is an error naming the file, the column, the columns found and the fix; a named time column
is the time column, not a channel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor.csv_reader import named_columns
from ssm_ts.pipelines.sensor.readers import read_series


@pytest.fixture
def long_csv(tmp_path):
    """4 recordings of 6 steps (id, t, a, b, label), written in reverse time order."""
    rng = np.random.default_rng(0)
    rows = [
        {"id": f"r{r}", "t": 0.5 * s, "a": rng.normal(), "b": rng.normal(), "label": "ab"[r % 2]}
        for r in range(4)
        for s in reversed(range(6))
    ]
    path = tmp_path / "long.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_named_time_column_is_the_time_column(long_csv):
    data = read_series(long_csv, **named_columns("label", "t"))
    assert data.channel_names == ["a", "b"]
    assert data.sampling_step == 0.5
    frame = pd.read_csv(long_csv)
    first = frame[frame["id"] == "r0"].sort_values("t")["a"].to_numpy()
    np.testing.assert_array_equal(data.values[0][0], first)  # rows in time order


def test_a_named_column_the_file_lacks_is_an_error(long_csv):
    with pytest.raises(DataError) as err:
        read_series(long_csv, **named_columns("NOPE", "t"))
    text = str(err.value)
    assert str(long_csv) in text and "'NOPE'" in text and "['id', 't', 'a', 'b', 'label']" in text
    assert "label_col='<its name>'" in text
    with pytest.raises(DataError, match=r"no column\(s\) \['clock'\].*time_col='<its name>'"):
        read_series(long_csv, **named_columns(None, "clock"))


def test_the_defaults_and_a_file_to_classify_stay_optional(long_csv, tmp_path):
    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(long_csv).drop(columns=["label"]).to_csv(unlabelled, index=False)
    assert read_series(unlabelled, **named_columns(None, None)).labels is None
    assert read_series(unlabelled, **named_columns("NOPE", "t", labelled=False)).channel_names == ["a", "b"]


def test_a_folder_names_the_file_without_the_time_column(tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for k in range(2):
        frame = pd.DataFrame({"t": np.arange(5.0), "a": np.arange(5.0) + k})
        frame.drop(columns=["t"] if k else []).to_csv(folder / f"r{k}.csv", index=False)
    pd.DataFrame({"file": ["r0.csv", "r1.csv"], "label": ["x", "y"]}).to_csv(
        folder / "labels.csv", index=False
    )
    with pytest.raises(DataError, match=r"r1\.csv: no column\(s\) \['t'\]; the columns are \['a'\]"):
        read_series(folder, **named_columns(None, "t"))


def test_the_python_readers_name_a_column_given_and_absent(long_csv, tmp_path):
    from ssm_ts.pipelines.sensor.csv_reader import read_csv_long
    from ssm_ts.pipelines.sensor.csv_recording import read_csv_recording

    with pytest.raises(DataError, match=r"no column\(s\) \['NOPE'\]; the columns are"):
        read_csv_long(long_csv, label_col="NOPE")
    with pytest.raises(DataError, match=r"no column\(s\) \['clock'\]"):
        read_series(long_csv, time_col="clock")
    one = tmp_path / "walk_01.csv"
    pd.DataFrame({"t": np.arange(4.0), "a": np.arange(4.0)}).to_csv(one, index=False)
    with pytest.raises(
        DataError, match=r"walk_01\.csv: no column\(s\) \['clock'\]; the columns are \['t', 'a'\]"
    ):
        read_csv_recording(one, time_col="clock")
    assert read_csv_recording(one, time_col="t").channel_names == ["a"]
    assert read_csv_recording(one).channel_names == ["t", "a"]  # no 'time' column: read as it was
