"""A table with one recording per row (a label column, then one column per time step: the UCR
archive's CSV/TSV layout, and what ``DataFrame(X).to_csv`` writes) is not a long CSV. Reading it
names the layout and the fix in a short message, not a list of every time-step column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


def _wide(gunpoint) -> pd.DataFrame:
    frame = pd.DataFrame(np.stack(gunpoint.values)[:, 0, :])  # (50, 150): one row per recording
    frame.insert(0, "label", gunpoint.labels)
    return frame


def test_a_wide_csv_names_the_layout_and_the_fix(gunpoint_ucr, tmp_path):
    path = tmp_path / "gunpoint_wide.csv"
    _wide(gunpoint_ucr[0]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no column\(s\) \['id'\]") as err:
        read_series(path)
    message = str(err.value)
    assert "one recording per row" in message and "151 columns" in message
    assert "np.savez" in message and "read_csv" in message
    assert "'149'" not in message and len(message) < 1200  # the columns are not all listed


def test_a_ucr_tsv_names_the_fix(gunpoint_ucr, tmp_path):
    path = tmp_path / "GunPoint_TRAIN.tsv"  # the UCR 2018 archive's files: no header, tab-separated
    _wide(gunpoint_ucr[0]).to_csv(path, sep="\t", index=False, header=False)
    with pytest.raises(DataError, match=r"suffix '\.tsv'") as err:
        read_series(path)
    assert "sep='\\t', header=None" in str(err.value) and "np.savez" in str(err.value)


def test_a_long_csv_without_an_id_column_names_the_rename(gunpoint_ucr, tmp_path):
    path = tmp_path / "long_no_id.csv"
    pd.DataFrame({"time": range(5), "x": np.arange(5.0), "label": "a"}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no column\(s\) \['id'\].*\['time', 'x', 'label'\]") as err:
        read_series(path)
    assert "one recording per row" not in str(err.value)
    assert "rename yours to 'id'" in str(err.value) and "read_csv_long(path, id_col=" in str(err.value)
