"""UCR/UEA ``.ts`` and ``.arff`` files saved with a UTF-8 byte-order mark (Windows Notepad, an editor's
"UTF-8 with BOM") read as the same recordings: the mark made the first line unrecognisable ("expected
a '@' header or '@data' before values" on a header or comment line)."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.pipelines.sensor import read_series


@pytest.mark.parametrize(
    "name",
    [
        "GunPoint/GunPoint_TRAIN.ts",
        "BasicMotions/BasicMotions_TRAIN.ts",
        "BasicMotions/BasicMotions_TRAIN.arff",
    ],
)
def test_a_byte_order_mark_reads_as_without(shared_data, tmp_path, name):
    source = shared_data / "classification" / name
    marked = tmp_path / source.name
    marked.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    expected, found = read_series(source), read_series(marked)
    assert found.labels.tolist() == expected.labels.tolist()
    for a, b in zip(found.values, expected.values, strict=True):
        np.testing.assert_array_equal(a, b)
