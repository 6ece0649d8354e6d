"""A label column named in Python (``read_csv_long(path, label_col='class')``) that a file lacks is an
error; the same call on a file to classify, which has no labels, is told how to read it unlabelled."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor.csv_reader import read_csv_long


def test_a_file_without_the_named_label_column_is_told_how_to_read_it_unlabelled(tmp_path):
    path = tmp_path / "to_classify.csv"
    pd.DataFrame({"id": ["r0"] * 3 + ["r1"] * 3, "t": [0, 1, 2] * 2, "a": range(6)}).to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        read_csv_long(path, label_col="class", time_col="t")
    text = str(err.value)
    assert "no column(s) ['class']; the columns are ['id', 't', 'a']" in text
    assert "a file without labels: leave label_col out" in text
    data = read_csv_long(path, time_col="t")  # the fix: read unlabelled
    assert data.labels is None and data.channel_names == ["a"]
