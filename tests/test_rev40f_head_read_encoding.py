"""The first rows of a large CSV (read_options ``nrows``) are read from its first 64 KB: the pd.read_csv
keywords that read (kept as a fit's ``spec_.csv_keywords``, for printed fixes that read the fitted file
again) left out the encoding of a Windows-1252 or UTF-16 file, so ``pd.read_csv(path, nrows=...)`` could
not decode it. They name the encoding as the whole file's read does."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.pipelines.csv_files import csv_read_keywords_used, read_csv_file


@pytest.mark.parametrize(
    ("encoding", "csv"),
    [("cp1252", {"encoding": "cp1252"}), ("utf-16", {"encoding": "utf-16", "sep": "\t"})],
    ids=["Windows-1252", "UTF-16 tab-separated"],
)
def test_the_keywords_of_a_first_rows_read_name_the_file_s_encoding(tmp_path, encoding, csv):
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=5000, freq="h").astype(str),
                          "température": [float(i % 97) for i in range(5000)]})  # fmt: skip
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False, **csv)
    assert path.stat().st_size > 1 << 16  # its first rows are read from its first 64 KB
    used: dict[str, object] = {}
    read = read_csv_file(path, read_options={"nrows": 100}, used=used)
    assert used == csv_read_keywords_used(path, {"nrows": 100})
    assert used["encoding"] == encoding
    pd.testing.assert_frame_equal(
        pd.read_csv(path, **used).astype({"date": object}), read.astype({"date": object})
    )
