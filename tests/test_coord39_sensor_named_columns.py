"""A sensor data module (``ssm-ts classify fit`` without ``--data.window``) given a long CSV read its
``label_col`` and ``time_col`` settings nowhere: ``label_col='NOPE'`` fitted on the file's own
``label`` column without a word, and ``time_col='t'`` made the time column a channel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import SSMTSError
from ssm_ts.pipelines.sensor import SensorDataModule


@pytest.fixture
def long_csv(tmp_path):
    rng = np.random.default_rng(0)
    rows = [
        {"id": r, "t": step, "a": rng.normal(), "b": rng.normal(), "label": "up" if r % 2 else "down"}
        for r in range(8)
        for step in range(16)
    ]
    path = tmp_path / "long.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_named_label_column_missing_from_the_file_is_an_error(long_csv):
    data = SensorDataModule(path=str(long_csv), label_col="NOPE", val_fraction=0.25)
    with pytest.raises(SSMTSError, match=r"no column\(s\) \['NOPE'\].*the columns are"):
        data.setup("fit")


def test_a_named_time_column_is_the_time_not_a_channel(long_csv):
    data = SensorDataModule(path=str(long_csv), time_col="t", val_fraction=0.25)
    data.setup("fit")
    assert data.channel_names == ["a", "b"]
