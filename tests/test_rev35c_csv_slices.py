"""The C parser reads a CSV's text in slices of 262,144 characters (5223b02): a character beyond ASCII, a
``\\r\\n`` or a quoted field's line break that straddles a slice's end, and a file compressed or without a
final newline, read as pandas reads the whole text."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from ssm_ts.pipelines.csv_files import read_csv_file

SLICE = 262_144  # the characters pandas' C parser asks a handle for at a time


def _at_slice_end(tail: str, before: int, newline: str = "\n") -> str:
    """A CSV whose text has ``tail`` start ``before`` characters before the first slice's end."""
    head = "a,b" + newline
    pad = SLICE - before - len(head) - len(",1" + newline)
    text = head + "x" * pad + ",1" + newline + tail
    assert text[SLICE - before :].startswith(tail)
    return text


@pytest.mark.parametrize(
    "text",
    [
        _at_slice_end("é€😀,2\nz,3\n", 2),  # characters of 2, 3 and 4 UTF-8 bytes: 2 before, 1 after
        _at_slice_end("y,2\r\nz,3\r\n", 4, newline="\r\n"),  # its \r last in the slice, \n next
        _at_slice_end('"q\nr\r\ns",2\nz,3', 5),  # a quoted field's \r\n split so; no final newline
        "a,b\n" + "w" * (3 * SLICE) + ",1\n" + "z,2\n",  # a line longer than several slices
    ],
    ids=["multibyte", "crlf", "quoted-breaks", "long-line"],
)
def test_text_across_the_parser_s_slices_is_read_as_a_whole(tmp_path, text):
    expected = pd.read_csv(io.StringIO(text))
    plain, packed = tmp_path / "plain.csv", tmp_path / "packed.csv.gz"
    plain.write_bytes(text.encode("utf-8"))
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    pd.testing.assert_frame_equal(read_csv_file(plain), expected, check_exact=True)
    pd.testing.assert_frame_equal(read_csv_file(packed), expected, check_exact=True)
