"""CSV files as spreadsheets, loggers and other tools export them (derived from ETTh1): each either
reads as the plain comma-separated file would, or fails naming the file, what was found and the fix."""

from __future__ import annotations

import bz2
import gzip
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import SeriesSpec, load_like, load_series
from ssm_ts.pipelines.sensor import SensorDataModule, read_csv_folder, read_csv_long, read_series, read_ts


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
def test_lines_above_the_header_are_named_with_skiprows(ett, expected, tmp_path, preamble):
    path = write(tmp_path / "meta.csv", preamble + ett.to_csv(index=False))
    skip = preamble.count("\n")  # physical lines, blank ones too, as pd.read_csv(skiprows=) counts
    with pytest.raises(
        DataError,
        match=rf"meta.csv: the first {skip} line.*above the header. Pass read_options=\{{'skiprows': {skip}\}} "
        rf"\(CLI: --data.read_options '\{{skiprows: {skip}\}}'\)",
    ):
        load_series(path)
    # the option the error names reads the file
    pd.testing.assert_frame_equal(load_series(path, read_options={"skiprows": skip})[0], expected)


def test_rows_with_more_fields_than_the_header_are_an_error_not_a_shift(tmp_path):
    text = "date,a\n" + "".join(f"2020-01-{d:02d},{d},9\n" for d in range(1, 11))
    with pytest.raises(DataError, match=r"more field than the header names \(2 names\)"):
        load_series(write(tmp_path / "shifted.csv", text))


def test_folder_given_as_the_file_is_named_a_folder(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(DataError, match=r"data.csv is a folder, not a CSV file"):
        load_series(tmp_path / "data.csv")
    # the fix names every way a path is given, not the command line's and fit's alone
    with pytest.raises(FileNotFoundError, match=r"not found: .*missing.csv; check --data.path \(or the path given to fit, "
                       r"predict, backtest or evaluate\)"):  # fmt: skip
        load_series(tmp_path / "missing.csv")


# ---------------------------------------------------------------- the sensor CSV reader shares them


def test_sensor_long_csv_reads_european_export(tmp_path):
    rows = "".join(f"r{i // 4};{i % 4};{i},5;{'walk' if i < 4 else 'run'}\n" for i in range(8))
    path = write(tmp_path / "long.csv", "id;time;x;label\n" + rows, "utf-8-sig")
    data = read_csv_long(path)
    assert list(data.labels) == ["walk", "run"] and data.values[0][0, 0] == 0.5


def write_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


# ---------------------------------------------------------------- read_options: what detection cannot know

LOGGER_OPTIONS = {"sep": "|", "skiprows": 3, "na_values": ["-999"], "date_format": "%d.%m.%Y %H:%M"}


def logger_export(frame: pd.DataFrame, missing: list[tuple[int, str]]) -> str:
    """``frame`` as a data logger writes it: 3 metadata lines, ``|``-separated, ``-999`` for a
    missing value, dates as ``31.12.2016 23:00``."""
    frame = frame.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%d.%m.%Y %H:%M")
    for row, column in missing:
        frame.loc[row, column] = -999
    return "Logger: TX-7 | site Lyon\nExported: 2024-01-05\nUnits: kW\n" + frame.to_csv(index=False, sep="|")


def test_logger_export_reads_with_read_options(ett, expected, tmp_path):
    missing = [(10, "OT"), (11, "OT"), (30, "HUFL")]
    path = write(tmp_path / "logger.csv", logger_export(ett, missing))
    with pytest.raises(
        DataError,
        match=r"logger.csv: read as one column.*from line 4 \('date\|HUFL.*read_options=\{'sep': '\|', 'skiprows': 3\}",
    ):
        load_series(path)
    values, spec = load_series(path, read_options=LOGGER_OPTIONS, fill="interpolate")
    assert spec.freq == "h" and spec.read_options == LOGGER_OPTIONS
    pd.testing.assert_series_equal(values["date"], expected["date"])  # 13.07 read as 13 July
    kept = ~values.index.isin([10, 11, 30])
    np.testing.assert_array_equal(values[kept].iloc[:, 1:], expected[kept].iloc[:, 1:])
    # the -999 cells were read as missing and interpolated from their neighbours
    np.testing.assert_allclose(
        values.loc[10, "OT"], expected.loc[9, "OT"] + (expected.loc[12, "OT"] - expected.loc[9, "OT"]) / 3
    )
    assert (values.iloc[:, 1:] > -999).all().all()


@pytest.mark.parametrize(
    ("text", "options"),
    [  # each: the plain ETTh1 rows written one way, and the option that reads them
        (lambda e: e.to_csv(index=False).replace("\n", "\n# checked\n", 5), {"comment": "#"}),
        (
            lambda e: e.assign(OT=[f"{v * 1000:,.1f}".replace(",", " ") for v in e["OT"]]).to_csv(
                index=False
            ),
            {"thousands": " "},
        ),
        (
            lambda e: e.assign(OT=[f"{v * 1000:,.1f}".replace(",", "'") for v in e["OT"]]).to_csv(
                index=False
            ),
            {"thousands": "'"},
        ),
        (lambda e: e.to_csv(index=False, sep=" "), {"sep": r"\s+"}),
        (
            lambda e: e.to_csv(index=False, header=False),
            {"names": ["date", "HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]},
        ),
        (lambda e: e.to_csv(index=False) + "total,,,,,,,\nexported by X,,,,,,,\n", {"skipfooter": 2}),
    ],
    ids=["comment", "thousands_space", "thousands_apostrophe", "whitespace", "no_header", "footer"],
)
def test_each_read_option_reads_what_detection_cannot(ett, expected, tmp_path, text, options):
    path = write(tmp_path / "export.csv", text(ett))
    values, _ = load_series(path, read_options=options)
    scale = np.where(values.columns[1:] == "OT", 1000, 1) if "thousands" in options else 1
    np.testing.assert_allclose(values.iloc[:, 1:].to_numpy(), expected.iloc[:, 1:].to_numpy() * scale)
    pd.testing.assert_series_equal(values["date"], expected["date"])


def test_encoding_option_reads_a_legacy_non_latin_export(ett, tmp_path):
    frame = ett[["date", "OT"]].rename(columns={"OT": "Температура"})
    path = write(tmp_path / "ru.csv", frame.to_csv(index=False), "cp1251")
    assert load_series(path)[1].targets != ["Температура"]  # detection reads it as Windows-1252
    assert load_series(path, read_options={"encoding": "cp1251"})[1].targets == ["Температура"]
    with pytest.raises(DataError, match=r"cannot decode .*ru.csv as utf-8 \(read_options encoding\).*offset"):
        load_series(path, read_options={"encoding": "utf-8"})


def test_dayfirst_option_settles_dates_that_fit_both_orders(tmp_path):
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=10).strftime("%d/%m/%Y"), "y": range(10)}
    )
    path = write(tmp_path / "ambig.csv", frame.to_csv(index=False))
    with pytest.raises(
        DataError, match=r"read_options=\{'dayfirst': True\} \(or False; CLI: --data.read_options"
    ):
        load_series(path)
    values, spec = load_series(path, read_options={"dayfirst": True})
    assert spec.freq == "D" and values["date"].iloc[1] == pd.Timestamp("2020-01-02")
    # month first, 13/01/2020 is no date: the rows are named, and the option that read them so
    late = write(tmp_path / "late.csv", "date,y\n12/01/2020,1\n13/01/2020,2\n14/01/2020,3\n")
    with pytest.raises(
        DataError,
        match=r"not dates at rows 1, 2 \(CSV lines 3, 4\).*read month first \(read_options dayfirst\)",
    ):
        load_series(late, read_options={"dayfirst": False})


def test_date_format_option_names_rows_that_do_not_match(ett, tmp_path):
    dates = pd.to_datetime(ett["date"]).dt.strftime("%d.%m.%Y %H:%M").tolist()
    dates[7] = "2016-07-01 07:00"
    path = write(tmp_path / "fmt.csv", ett.assign(date=dates).to_csv(index=False))
    with pytest.raises(
        DataError,
        match=r"not dates at row 7 \(CSV line 9\) \(e.g. '2016-07-01 07:00'\) "
        r"that match read_options date_format '%d.%m.%Y %H:%M'",
    ):
        load_series(path, read_options={"date_format": "%d.%m.%Y %H:%M"})


def test_missing_value_markers_are_named_with_na_values(ett, expected, tmp_path):
    text = ett.assign(OT=ett["OT"].astype(object).where(ett.index != 5, "n/d")).to_csv(index=False)
    path = write(tmp_path / "nd.csv", text)
    with pytest.raises(
        DataError, match=r"'OT' has non-numeric values at row 5.*read_options=\{'na_values': \['n/d'\]\}"
    ):
        load_series(path)
    values, _ = load_series(path, read_options={"na_values": ["n/d"]}, fill="ffill")
    assert values.loc[5, "OT"] == expected.loc[4, "OT"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"usecols": ["OT"]}, r"'usecols' is set by the pipeline.*target=.*Valid keys: \['comment', "),
        ({"parse_dates": ["date"]}, r"'parse_dates' is set by the pipeline.*dayfirst / date_format"),
        ({"index_col": 0}, r"'index_col' is set by the pipeline.*time_col="),
        ({"skip_rows": 3}, r"'skip_rows' is not a pandas.read_csv option. Did you mean 'skiprows'\?"),
        ({"separator": "|"}, r"'separator' is not a pandas.read_csv option. Did you mean 'sep'\?"),
        ({"decimal": ",,"}, r"read_options\['decimal'\] must be one character"),
        ({"skiprows": "3"}, r"read_options\['skiprows'\] must be a count"),
        ({"dayfirst": "yes"}, r"read_options\['dayfirst'\] must be true or false"),
        ({"encoding": "klingon"}, r"'klingon' is not known to Python"),
        ({"decimal": ",", "thousands": ","}, r"thousands and decimal are both ','"),
        ("sep=|", r"read_options must be a mapping of pandas.read_csv options, got str"),
    ],
)
def test_bad_read_options_are_named_before_reading(ett, tmp_path, options, message):
    path = write(tmp_path / "plain.csv", ett.to_csv(index=False))
    with pytest.raises(ConfigError, match=message):
        load_series(path, read_options=options)


def test_read_options_with_a_dataframe_are_an_error(ett):
    with pytest.raises(
        ConfigError, match=r"read_options \{'sep': '\|'\} apply to CSV files, but the data is a DataFrame"
    ):
        load_series(ett, read_options={"sep": "|"})


def test_a_fitted_spec_reads_new_files_with_its_options(ett, expected, tmp_path):
    path = write(tmp_path / "logger.csv", logger_export(ett, []))
    _, spec = load_series(path, read_options=LOGGER_OPTIONS)
    saved = SeriesSpec.from_dict(json.loads(json.dumps(spec.to_dict())))  # as an export stores it
    later = write(tmp_path / "later.csv", logger_export(ett, [(3, "OT")]))
    with pytest.raises(DataError, match=r"'OT' has NaN"):  # the -999 marker was read as missing
        load_like(later, saved)
    pd.testing.assert_frame_equal(load_like(path, saved), expected, check_like=True)
    with pytest.raises(DataError, match=r"read as one column"):  # {}: detection alone
        load_like(path, saved, read_options={})


# ---------------------------------------------------------------- read_options for sensor CSVs

SENSOR_OPTIONS = {"sep": "|", "skiprows": 2, "na_values": ["-999"], "date_format": "%d.%m.%Y %H:%M:%S"}


@pytest.fixture(scope="module")
def motions(shared_data):
    """Six BasicMotions recordings (6 channels x 100 steps), as the real .ts file holds them."""
    data = read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    return data.subset(np.array([0, 1, 10, 11, 20, 30]))


def sensor_logger_rows(values: np.ndarray, rec_id: str, label: str) -> pd.DataFrame:
    """One recording as a logger's long rows: day-first times across a new year (text order is not
    time order), the first sample of channel 0 written as -999."""
    times = pd.date_range("2019-12-31 23:59:00", periods=values.shape[1], freq="s")
    frame = pd.DataFrame(values.T, columns=[f"c{j}" for j in range(values.shape[0])])
    frame.loc[0, "c0"] = -999
    frame.insert(0, "time", times.strftime("%d.%m.%Y %H:%M:%S"))
    frame.insert(0, "id", rec_id)
    frame["label"] = label
    return frame.sample(frac=1.0, random_state=0)  # rows in any order: the time column orders them


def test_sensor_long_csv_reads_a_logger_export_with_read_options(motions, tmp_path):
    rows = [
        sensor_logger_rows(v, f"r{i}", lab)
        for i, (v, lab) in enumerate(zip(motions.values, motions.labels, strict=True))
    ]
    text = "Device: IMU-3\nRate: 10 Hz\n" + pd.concat(rows).to_csv(index=False, sep="|")
    path = write(tmp_path / "imu.csv", text)
    with pytest.raises(DataError, match=r"read_options=\{'sep': '\|', 'skiprows': 2\}"):
        read_csv_long(path)
    data = read_csv_long(path, read_options=SENSOR_OPTIONS, nan_policy="interpolate")
    assert list(data.labels) == list(motions.labels)
    for got, want in zip(data.values, motions.values, strict=True):
        np.testing.assert_allclose(got[:, 1:], want[:, 1:])  # in time order, not text order
        np.testing.assert_allclose(got[1:, 0], want[1:, 0])
        assert got[0, 0] == got[0, 1]  # -999 read as missing, filled from the next sample
    with pytest.raises(
        DataError, match=r"'time' holds '31/12/2019.*does not read as a date with read_options"
    ):
        read_csv_long(write(tmp_path / "other.csv", text.replace("31.12.2019", "31/12/2019")),
                      read_options=SENSOR_OPTIONS, nan_policy="interpolate")  # fmt: skip


def test_sensor_csv_folder_and_data_module_take_read_options(motions, tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for i, (values, label) in enumerate(zip(motions.values, motions.labels, strict=True)):
        frame = sensor_logger_rows(values, f"r{i}", label).drop(columns=["id", "label"])
        write(folder / f"r{i}.csv", "Device: IMU-3\nRate: 10 Hz\n" + frame.to_csv(index=False, sep="|"))
    labels = pd.DataFrame(
        {"file": [f"r{i}.csv" for i in range(len(motions.values))], "label": motions.labels}
    )
    write(folder / "labels.csv", "Device: IMU-3\nRate: 10 Hz\n" + labels.to_csv(index=False, sep="|"))
    data = read_csv_folder(folder, read_options=SENSOR_OPTIONS, nan_policy="interpolate")
    np.testing.assert_allclose(data.values[2][:, 1:], motions.values[2][:, 1:])
    module = SensorDataModule(path=str(folder), format="csv_folder", nan_policy="interpolate",
                              read_options=SENSOR_OPTIONS, val_fraction=0.0, batch_size=2)  # fmt: skip
    module.setup("fit")
    assert len(module.train_set.values) == 6 and module.n_channels == 6
    with pytest.raises(ConfigError, match=r"'chunksize' is set by the pipeline"):
        SensorDataModule(path=str(folder), read_options={"chunksize": 10})
    ts_file = folder.parent / "motions.ts"
    ts_file.write_text("@dimensions 1\n@data\n1,2,3\n")
    with pytest.raises(ConfigError, match=r"read CSV files, but .*motions.ts is read as 'ts'"):
        read_series(ts_file, read_options={"sep": "|"})
