"""Reading a UTF-8 CSV held its bytes, its text and a stripped copy of the text at once (the emptiness
check), and a non-ASCII one also a second decoded copy (the check that pandas needs no encoding). On a
104 MB CSV of ETTh1 rows the peak was 311 MB (ASCII), 414 MB (non-ASCII) and 518 MB (with a BOM); now
207, 311 and 207 MB. Frames are the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.csv_files import read_csv_file
from tests.memory_peak import peak_bytes


# (header, byte-order mark, the peak over the file size: was 3.0, 4.0, 5.0; a non-ASCII decode overallocates)
@pytest.mark.parametrize(
    ("header", "bom", "bound"), [("OT", b"", 2.5), ("OT°C", b"", 3.5), ("OT", b"\xef\xbb\xbf", 2.5)]
)
def test_a_utf8_csv_is_read_with_two_copies_at_the_peak(tmp_path, header, bom, bound):
    n = 100_000
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=n, freq="h").astype(str), header: np.arange(n) / 7}
    )
    path = tmp_path / "x.csv"
    path.write_bytes(bom + frame.to_csv(index=False).encode("utf-8"))
    read, peak = peak_bytes(lambda: read_csv_file(path))
    pd.testing.assert_frame_equal(read, pd.read_csv(path, encoding="utf-8-sig"), check_exact=True)
    assert peak < bound * path.stat().st_size, peak / path.stat().st_size
