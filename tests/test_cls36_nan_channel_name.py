"""A missing value in a recording with named channels (a CSV's columns) names the channel's column,
not only its position ("first at channel 1, time step 20" left the user counting columns, the time
column not among them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


def _folder(path, hole_column: str, rows=slice(20, 25)):  # .loc: rows 20 to 25, six
    path.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.csv", "b.csv"):
        frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["acc_x", "acc_y", "acc_z"])
        frame.insert(0, "time", np.arange(40) / 50)
        if name == "b.csv":
            frame.loc[rows, hole_column] = np.nan
        frame.to_csv(path / name, index=False)
    pd.DataFrame({"file": ["a.csv", "b.csv"], "label": ["walk", "sit"]}).to_csv(
        path / "labels.csv", index=False
    )
    return path


def test_a_missing_value_names_its_column(tmp_path):
    with pytest.raises(
        DataError, match=r"recording b.csv: 6 missing .* \(first at channel 1 \('acc_y'\), time step 20\)"
    ):
        read_series(_folder(tmp_path / "rec", "acc_y"))


def test_an_empty_column_that_cannot_be_interpolated_names_it(tmp_path):
    folder = _folder(tmp_path / "rec", "acc_z", rows=slice(None))
    with pytest.raises(DataError, match=r"channel 2 \('acc_z'\) has no finite value at all"):
        read_series(folder, nan_policy="interpolate")
