"""Weka's sparse ``.arff`` rows, ``{index value, ...}``: read as the dense rows they stand for (left-out
values 0, a left-out nominal class its first declared value); they were "19 fields, but the class
attribute is field 25", or a value that "is not a number"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_arff


def _write_sparse(path: Path, values: list[np.ndarray], labels: np.ndarray) -> list[np.ndarray]:
    """``values`` (1, length) as Weka writes a sparse file: zeros and the first class left out. Values
    under 0.5 in size are made 0, so rows are sparse; returns the dense rows written."""
    classes = sorted(set(labels.tolist()))
    length = values[0].shape[1]
    lines = ["@relation sparse", *(f"@attribute t{i} numeric" for i in range(length))]
    lines += ["@attribute class {" + ",".join(classes) + "}", "@data"]
    dense = []
    for series, label in zip(values, labels, strict=True):
        row = np.round(series[0], 3)
        row[np.abs(row) < 0.5] = 0
        dense.append(row[None, :])
        entries = [f"{j} {row[j]:g}" for j in np.flatnonzero(row)]
        entries += [] if label == classes[0] else [f"{length} {label}"]
        lines.append("{" + ", ".join(entries) + "}")
    path.write_text("\n".join(lines) + "\n")
    return dense


def test_sparse_rows_read_as_dense(gunpoint_ucr, tmp_path):
    train, _ = gunpoint_ucr
    dense = _write_sparse(tmp_path / "GunPoint_sparse.arff", train.values, train.labels)
    data = read_arff(tmp_path / "GunPoint_sparse.arff")
    assert len(data) == len(train) and data.n_channels == 1
    for got, expected in zip(data.values, dense, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(data.labels, train.labels)  # "1" left out: the first class


def test_bad_sparse_rows_name_the_line(tmp_path):
    head = "@relation r\n@attribute a numeric\n@attribute b numeric\n@attribute class {x,y}\n@data\n"
    path = tmp_path / "bad.arff"
    path.write_text(head + "{0 1.5, 2 y}\n{1 2.0, 5 x}\n")
    with pytest.raises(DataError, match=r"bad.arff, line 7: sparse index '5' is not an attribute.*0 to 2"):
        read_arff(path)
    path.write_text(head + "{0 1.5, 0 2.0}\n")
    with pytest.raises(DataError, match=r"line 6: sparse index 0 \('a'\) is given twice"):
        read_arff(path)
    path.write_text(head + "{0 1.5}, {0.5}\n")
    with pytest.raises(DataError, match=r"line 6: .*instance weight.*sample_weight="):
        read_arff(path)
    path.write_text(head + "{1 ?}\n{}\n")
    data = read_arff(path, nan_policy="zero")
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], [[0.0, 0.0], [0.0, 0.0]])
    assert data.labels.tolist() == ["x", "x"]
