"""A gap in a CSV recording's times (samples lost) was read as consecutive samples, silently: the
recording shorter than it was, every sample after the gap out of place in time. Now a
``TimeGapWarning`` names the recording, the time cells, their file lines and the missing steps, and
``nan_policy="interpolate"`` (or ``"zero"``) inserts the missing steps and fills them, as the
``.ts`` reader does with its ``@timeStamps``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_csv_folder, read_csv_long, read_series
from ssm_ts.pipelines.sensor.time_gaps import TimeGapWarning

TIMES = np.round(np.arange(10) * 0.02, 2)


def long_csv(tmp_path):
    """r1: 10 steps every 0.02; r2: the same times but 0.08, 0.1, 0.12 (lines 15 to 16 jump 0.06 -> 0.14)."""
    rows = [("r1", t, float(k), "walk") for k, t in enumerate(TIMES)]
    rows += [("r2", t, float(k), "run") for k, t in enumerate(np.r_[TIMES[:4], TIMES[7:]])]
    path = tmp_path / "gap.csv"
    pd.DataFrame(rows, columns=["id", "time", "x", "label"]).to_csv(path, index=False)
    return path


def test_a_gap_in_a_long_csv_is_named_with_its_lines_and_the_fix(tmp_path):
    path = long_csv(tmp_path)
    with pytest.warns(TimeGapWarning) as caught:
        data = read_series(path)
    assert str(caught[0].message).startswith(
        f"{path}: 1 recording(s) have gaps in their times (recording 'r2': time 0.06 to 0.14 (line(s) [15, 16]): "
        "3 missing step(s) of 0.02). Their rows are read as consecutive samples"
    )
    assert "read_series(path, nan_policy='interpolate')" in str(caught[0].message)
    assert caught[0].filename == __file__  # the user's line
    assert data.lengths.tolist() == [10, 7]  # read as before


@pytest.mark.parametrize(("policy", "filled"), [("interpolate", [3.25, 3.5, 3.75]), ("zero", [0, 0, 0])])
def test_a_policy_for_missing_values_places_the_samples_in_time(tmp_path, policy, filled):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeGapWarning)
        data = read_csv_long(long_csv(tmp_path), nan_policy=policy)
    assert data.lengths.tolist() == [10, 10]
    np.testing.assert_allclose(data.values[1][0], [0, 1, 2, 3, *filled, 4, 5, 6])
    np.testing.assert_array_equal(data.values[0][0], np.arange(10.0))  # no gap: as it was


def test_a_gap_in_a_folder_recording_with_dates(tmp_path):
    times = pd.date_range("2024-01-01", periods=10, freq="20ms")
    pd.DataFrame({"time": times.delete([4, 5]), "x": np.arange(8.0)}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"time": times, "x": np.arange(10.0)}).to_csv(tmp_path / "b.csv", index=False)
    pd.DataFrame({"file": ["a", "b"], "label": ["u", "v"]}).to_csv(tmp_path / "labels.csv", index=False)
    with pytest.warns(
        TimeGapWarning,
        match=r"\(a\.csv: time '2024-01-01 00:00:00\.060' to '2024-01-01 "
        r"00:00:00\.120' \(line\(s\) \[5, 6\]\): 2 missing step\(s\) of 0\.02 s\)",
    ):
        read_csv_folder(tmp_path)
    data = read_csv_folder(tmp_path, nan_policy="interpolate")
    np.testing.assert_allclose(data.values[0][0], [0, 1, 2, 3, 3 + 1 / 3, 3 + 2 / 3, 4, 5, 6, 7])


def test_jitter_of_a_sensor_clock_is_no_gap(tmp_path):
    rng = np.random.default_rng(0)
    times = np.arange(200) * 0.02 + rng.uniform(-0.004, 0.004, 200)  # +-20% of a step
    frame = pd.DataFrame({"id": "r", "time": times, "x": np.arange(200.0), "label": "a"})
    frame.to_csv(tmp_path / "jitter.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeGapWarning)
        assert read_csv_long(tmp_path / "jitter.csv").lengths.tolist() == [200]


def test_a_pause_far_longer_than_the_recording_is_not_filled(tmp_path):
    times = np.r_[np.arange(5) * 0.02, 60 + np.arange(5) * 0.02]  # 10 samples, then a minute's pause
    frame = pd.DataFrame({"id": "r", "time": times, "x": np.arange(10.0), "label": "a"})
    frame.to_csv(tmp_path / "pause.csv", index=False)
    with pytest.raises(DataError) as caught:
        read_csv_long(tmp_path / "pause.csv", nan_policy="interpolate")
    assert str(caught.value).startswith(
        f"{tmp_path / 'pause.csv'}, recording 'r': time 0.08 to 60.0 (line(s) [6, 7]): 2995 missing step(s) of "
        "0.02: filling 2995 missing steps would invent more than 10x the 10 samples read."
    )
