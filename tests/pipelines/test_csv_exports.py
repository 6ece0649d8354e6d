"""CSV files as spreadsheets, loggers and other tools export them (derived from ETTh1): each either
reads as the plain comma-separated file would, or fails naming the file, what was found and the fix."""

from __future__ import annotations

import bz2
import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.sensor import read_csv_long


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """The first 60 hourly rows of ETTh1 (date + 7 series), as read from the plain file."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=60)


@pytest.fixture(scope="module")
def expected(ett, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("plain") / "plain.csv"
    ett.to_csv(path, index=False)
    return load_series(path)[0]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- exports that just work


@pytest.mark.parametrize(
    ("name", "options", "encoding"),
    [
        ("semicolon_decimal_comma", {"sep": ";", "decimal": ","}, "utf-8"),
        ("bom_semicolon_decimal_comma", {"sep": ";", "decimal": ","}, "utf-8-sig"),  # Excel "CSV UTF-8"
        ("tab_decimal_comma", {"sep": "\t", "decimal": ","}, "utf-8"),
        ("windows_1252", {}, "cp1252"),  # Excel's plain "CSV" on Windows
        ("utf16_tab", {"sep": "\t"}, "utf-16"),  # Excel's "Unicode Text"
        ("utf16_comma", {}, "utf-16"),
    ],
)
def test_european_and_legacy_exports_read_like_the_plain_file(
    ett, expected, tmp_path, name, options, encoding
):
    frame = ett.rename(columns={"OT": "Température"})
    path = write(tmp_path / f"{name}.csv", frame.to_csv(index=False, **options), encoding)
    values, spec = load_series(path)
    assert spec.time_col == "date" and spec.targets[-1] == "Température"
    np.testing.assert_array_equal(values.iloc[:, 1:].to_numpy(), expected.iloc[:, 1:].to_numpy())


def test_quoted_thousands_separators_are_numbers_not_a_dropped_column(ett, tmp_path):
    frame = ett.assign(OT=[f"{v * 1000:,.1f}" for v in ett["OT"]])  # "5,827.0"
    values, spec = load_series(write(tmp_path / "thousands.csv", frame.to_csv(index=False)))
    assert spec.targets[-1] == "OT"
    np.testing.assert_allclose(values["OT"], (ett["OT"] * 1000).round(1))


def test_decimal_comma_file_reads_grouped_thousands(tmp_path):
    rows = "".join(f'2020-01-{d:02d};"1.{d:03d},5"\n' for d in range(1, 11))
    values, _ = load_series(write(tmp_path / "de.csv", "date;load\n" + rows))
    assert values["load"].iloc[0] == 1001.5


@pytest.mark.parametrize("kind", ["gzip", "bz2", "zip"])
def test_compressed_semicolon_file_is_sniffed_inside(ett, expected, tmp_path, kind):
    data = ett.to_csv(index=False, sep=";", decimal=",").encode()
    path = tmp_path / f"data.csv.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data.csv", data)
    else:
        path.write_bytes({"gzip": gzip.compress, "bz2": bz2.compress}[kind](data))
    np.testing.assert_array_equal(load_series(path)[0].to_numpy(), expected.to_numpy())


def test_trailing_separator_on_every_line_is_ignored(ett, expected, tmp_path):
    lines = ett.to_csv(index=False).splitlines()
    with_header_comma = "\n".join(line + "," for line in lines) + "\n"
    rows_only = "\n".join([lines[0], *(line + "," for line in lines[1:])]) + "\n"  # header one field short
    for text in (with_header_comma, rows_only):
        values, _ = load_series(write(tmp_path / "trailing.csv", text))
        pd.testing.assert_frame_equal(values, expected)


def test_home_relative_path_is_expanded(ett, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    ett.to_csv(tmp_path / "home.csv", index=False)
    assert len(load_series("~/home.csv")[0]) == len(ett)


def test_day_first_dates_are_read_day_first(tmp_path):
    days = pd.date_range("2020-01-01", periods=40, freq="D")
    for fmt in ("%d/%m/%Y", "%d.%m.%Y"):
        frame = pd.DataFrame({"date": days.strftime(fmt), "y": np.arange(40.0)})
        values, spec = load_series(write(tmp_path / "dmy.csv", frame.to_csv(index=False)))
        assert spec.freq == "D" and (values["date"] == days).all()


def test_day_first_dates_fitting_both_orders_take_the_regular_reading(ett, expected, tmp_path):
    # 60 hours from 1 July 2016: every date fits d/m and m/d; only day-first is hourly.
    dates = pd.to_datetime(ett["date"]).dt.strftime("%d/%m/%Y %H:%M")
    values, spec = load_series(write(tmp_path / "dmy.csv", ett.assign(date=dates).to_csv(index=False)))
    assert spec.freq == "h"
    pd.testing.assert_frame_equal(values, expected)


def test_iso_dates_that_drop_midnight_times_are_read(tmp_path):
    times = pd.date_range("2020-01-01", periods=48, freq="h")
    text = [str(t.date()) if t.hour == 0 else str(t) for t in times]  # "2020-01-01", "2020-01-01 01:00:00"
    frame = pd.DataFrame({"date": text, "y": np.arange(48.0)})
    values, spec = load_series(write(tmp_path / "mixed.csv", frame.to_csv(index=False)))
    assert spec.freq == "h" and (values["date"] == times).all()


# ---------------------------------------------------------------- clear errors instead of misreads


def test_dates_fitting_both_orders_equally_are_an_error_not_a_guess(tmp_path):
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=10).strftime("%d/%m/%Y"), "y": range(10)}
    )
    with pytest.raises(
        DataError, match=r"ambig.csv: column 'date'.*'02/01/2020'.*day first or month first.*YYYY-MM-DD"
    ):
        load_series(write(tmp_path / "ambig.csv", frame.to_csv(index=False)))
    values, spec = load_series(tmp_path / "ambig.csv", freq="D")  # a given frequency decides
    assert values["date"].iloc[1] == pd.Timestamp("2020-01-02")


def test_dates_mixing_both_orders_are_an_error(tmp_path):
    text = "date,y\n31/01/2020,1\n02/01/2020,2\n01/31/2020,3\n"
    with pytest.raises(DataError, match=r"mixes day-first dates \(e.g. '31/01/2020'\) and month-first"):
        load_series(write(tmp_path / "both.csv", text))


def test_excel_serial_dates_are_named_with_the_conversion(tmp_path):
    whole = pd.DataFrame({"date": np.arange(43831, 43871), "y": np.arange(40.0)})
    with pytest.warns(UserWarning, match=r"look like Excel serial dates.*origin='1899-12-30'"):
        load_series(write(tmp_path / "serial.csv", whole.to_csv(index=False)))
    hourly = pd.DataFrame({"date": 43831 + np.arange(48) / 24, "y": np.arange(48.0)})
    with pytest.raises(DataError, match=r"no time column.*'date' holds numbers such as 43831 .*Excel serial"):
        load_series(write(tmp_path / "serial_hours.csv", hourly.to_csv(index=False)))


def test_decimal_commas_in_a_comma_separated_file_get_the_fix(tmp_path):
    text = "date,a\n" + "".join(f'2020-01-{d:02d},"{d},5"\n' for d in range(1, 11))
    with pytest.raises(DataError, match=r"column 'a' has non-numeric .*'1,5' has a decimal comma"):
        load_series(write(tmp_path / "quoted.csv", text))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("book.xlsx", b"PK\x03\x04", r"book.xlsx is an Excel workbook, not a CSV.*pd.read_excel\(path\)"),
        ("table.parquet", b"PAR1", r"table.parquet is a Parquet file.*pd.read_parquet\(path\).*DataFrame"),
        ("renamed.csv", b"PAR1\x00\x01PAR1", r"renamed.csv is a Parquet file"),
    ],
)
def test_files_that_are_not_csv_say_how_to_load_them(tmp_path, name, content, message):
    with pytest.raises(DataError, match=message):
        load_series(write_bytes(tmp_path / name, content))


def test_excel_workbook_renamed_csv_is_recognised(tmp_path):
    path = tmp_path / "book.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(DataError, match=r"book.csv is an Excel workbook.*pd.read_excel"):
        load_series(path)


@pytest.mark.parametrize("preamble", ["# exported by Logger v2\n# units: kW\n", "Station: A\n\n"])
def test_lines_above_the_header_are_named_with_skiprows(ett, tmp_path, preamble):
    path = write(tmp_path / "meta.csv", preamble + ett.to_csv(index=False))
    skip = preamble.count("\n")  # physical lines, blank ones too, as pd.read_csv(skiprows=) counts
    with pytest.raises(
        DataError, match=rf"meta.csv: the first {skip} line.*above the header.*skiprows={skip}"
    ):
        load_series(path)


def test_rows_with_more_fields_than_the_header_are_an_error_not_a_shift(tmp_path):
    text = "date,a\n" + "".join(f"2020-01-{d:02d},{d},9\n" for d in range(1, 11))
    with pytest.raises(DataError, match=r"more field than the header names \(2 names\)"):
        load_series(write(tmp_path / "shifted.csv", text))


def test_folder_given_as_the_file_is_named_a_folder(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(DataError, match=r"data.csv is a folder, not a CSV file"):
        load_series(tmp_path / "data.csv")


# ---------------------------------------------------------------- the sensor CSV reader shares them


def test_sensor_long_csv_reads_european_export(tmp_path):
    rows = "".join(f"r{i // 4};{i % 4};{i},5;{'walk' if i < 4 else 'run'}\n" for i in range(8))
    path = write(tmp_path / "long.csv", "id;time;x;label\n" + rows, "utf-8-sig")
    data = read_csv_long(path)
    assert list(data.labels) == ["walk", "run"] and data.values[0][0, 0] == 0.5


def write_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
