"""``read_csv_file`` with ``nrows`` (the one-recording check's header and first row, a header row's
names, the columns ``misreads`` compares) read and decoded the whole file: 150 ms and a 276 MB peak
for the first row of a 138 MB CSV. It now reads an uncompressed file's first 64 KB where they hold
the rows (2 ms, 0.2 MB), with the same separator, encoding and byte-order-mark detection: the
frames are those of the whole file's read, which it falls back to otherwise (a header longer than
64 KB, a compressed file, a row or a line the 64 KB cut). A file whose later lines do not decode
gives its first rows (it was the decoding error)."""

from __future__ import annotations

import codecs
import gzip
import warnings

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines import csv_files
from ssm_ts.pipelines.csv_files import read_csv_file
from ssm_ts.pipelines.sensor.csv_recording import is_one_recording_csv
from tests.memory_peak import peak_bytes

DAMAGED = b"\x81\x8d,1,2\n"  # neither UTF-8 nor Windows-1252


def _rows(n: int, sep: str = ",") -> str:
    return "".join(f"{i / 100:.2f}{sep}{i / 7:.4f}{sep}{i}\n" for i in range(n))


def test_the_first_row_of_a_file_with_an_undecodable_tail_is_read(tmp_path):
    path = tmp_path / "walk.csv"
    path.write_bytes(("time,acc_x,n\n" + _rows(20_000)).encode() + DAMAGED)
    with pytest.raises(DataError, match="cannot decode"):  # the whole file: the damaged last line
        read_csv_file(path)
    frame = read_csv_file(path, read_options={"nrows": 1})  # was the same DataError
    assert list(frame.columns) == ["time", "acc_x", "n"] and frame.to_numpy().tolist() == [[0.0, 0.0, 0.0]]
    assert is_one_recording_csv(path)  # was the DataError: no id column, one recording


def test_the_first_row_of_a_large_csv_is_read_without_a_copy_of_the_file(tmp_path):
    path = tmp_path / "walk.csv"
    path.write_bytes(("time,acc_x,n\n" + _rows(150_000)).encode())  # 3 MB
    frame, peak = peak_bytes(lambda: read_csv_file(path, read_options={"nrows": 1}))
    assert list(frame.columns) == ["time", "acc_x", "n"]
    assert peak < 1_000_000, peak  # was 6.4 MB: the bytes and the text of the whole file


def _bom_crlf() -> bytes:
    return codecs.BOM_UTF8 + ("time,acc_x,n\r\n" + _rows(9000).replace("\n", "\r\n")).encode()


def _semicolon_decimal_commas() -> bytes:
    return ("time;acc_x;n\n" + "".join(f"{i};{i},5;{i}\n" for i in range(12_000))).encode()


def _utf16_tab() -> bytes:  # Excel's "Unicode Text"; characters cut at 64 KB
    return ("zeit\tbeschl_ä\tn\n" + "".join(f"é{i}\t{i}\t😀\n" for i in range(12_000))).encode("utf-16")


def _quoted_header_with_newlines() -> bytes:
    return ('"acc\nx","gyr, z",id\n' + _rows(9000)).encode()


def _header_over_64_kb() -> bytes:
    names = [f"channel_{i}_{'x' * 60}" for i in range(1000)]  # 71 KB
    return (",".join(names) + "\n" + ",".join("1" for _ in names) + "\n").encode() * 2


def _utf8_header_windows_1252_tail() -> bytes:  # the whole file is Windows-1252: so is its header
    return ("time,Temperatur °C,n\n" + _rows(9000)).encode() + "x,1,°\n".encode("cp1252")


def _utf8_characters_cut_at_64_kb() -> bytes:
    return ("zeit,wert\n" + "".join(f"é{i}😀,{i}\n" for i in range(12_000))).encode()


def _trailing_separator() -> bytes:
    return ("a,b,\n" + "".join(f"{i},{i},\n" for i in range(12_000))).encode()


def _gzip() -> bytes:
    return gzip.compress(("time,acc_x,n\n" + _rows(20_000)).encode())


# (the file, whether its first 64 KB hold the rows)
FILES = {
    "bom_crlf": (_bom_crlf, True),
    "semicolon_decimal_commas": (_semicolon_decimal_commas, True),
    "utf16_tab": (_utf16_tab, True),
    "quoted_header_with_newlines": (_quoted_header_with_newlines, True),
    "header_over_64_kb": (_header_over_64_kb, False),
    "utf8_header_windows_1252_tail": (_utf8_header_windows_1252_tail, True),
    "utf8_characters_cut_at_64_kb": (_utf8_characters_cut_at_64_kb, True),
    "trailing_separator": (_trailing_separator, True),
    "gzip": (_gzip, False),
}


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("options", [{"nrows": 1}, {"nrows": 0}, {"nrows": 3, "header": None}])
def test_the_first_rows_are_those_of_the_whole_files_read(tmp_path, monkeypatch, name, options):
    make, from_start = FILES[name]
    path = tmp_path / f"{name}.csv"
    path.write_bytes(make())
    assert path.stat().st_size > 1 << 16
    whole = csv_files._read_detected(path, None, options)[0]  # as every read with nrows was
    whole_reads = []
    raw_bytes = csv_files._raw_bytes
    monkeypatch.setattr(csv_files, "_raw_bytes", lambda p: whole_reads.append(p) or raw_bytes(p))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either
        frame = read_csv_file(path, read_options=options)
    pd.testing.assert_frame_equal(frame, whole, check_exact=True)
    assert whole_reads == ([] if from_start else [path])


def test_the_header_of_a_utf8_file_with_a_windows_1252_tail_is_decoded_as_the_whole_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(_utf8_header_windows_1252_tail())
    # the whole file is not UTF-8, so it is read as Windows-1252, its header with it: as before
    assert list(read_csv_file(path, read_options={"nrows": 1}).columns) == ["time", "Temperatur Â°C", "n"]
