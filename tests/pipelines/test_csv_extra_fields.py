"""A CSV line with more fields than the header names (a spreadsheet's ``5,827.0`` written without quotes
under a comma separator) is an error naming the first such line, its text and the likely causes with
their fixes. It said only "the data rows have 1 more field than the header names", naming neither the
line nor why; where only some rows had one, pandas' "Expected 3 fields in line 3, saw 4" named no cause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.csv_files import read_csv_file
from ssm_ts.pipelines.forecasting import load_series

HEADER = "date,HUFL,OT\n"
SEP_FIX = "read_options={'sep': ';'} (CLI: --data.read_options '{sep: \";\"}')"


def error_of(path: Path, text: str, **read_options) -> str:
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        read_csv_file(path, read_options=read_options or None)
    return str(caught.value)


def test_every_row_with_a_thousands_comma_names_the_first_line_and_the_fixes(tmp_path):
    text = HEADER + "2016-07-01 00:00:00,5,827.0,30.5\n2016-07-01 01:00:00,5,693.0,27.8\n"
    (tmp_path / "etth1.csv").write_text(text)
    with pytest.raises(DataError) as caught:
        load_series(tmp_path / "etth1.csv", target="OT", time_col="date")
    message = str(caught.value)
    assert "the data rows have 1 more field than the header names (3 names)" in message
    assert (
        "line 2 ('2016-07-01 00:00:00,5,827.0,30.5') is the first with more fields (4) than the header (3): "
        "likely a number with a thousands or decimal comma that is not quoted ('5,827.0'): quote such numbers "
        'in the file ("5,827.0"; quoted thousands groups are read as numbers)'
    ) in message
    assert SEP_FIX in message
    assert "or a text cell holding a ',': quote that cell." in message


def test_some_rows_with_a_thousands_comma_name_the_first_such_line(tmp_path):
    text = HEADER + "2016-07-01 00:00:00,827.0,30.5\n2016-07-01 01:00:00,1,693.0,27.8\n"
    message = error_of(tmp_path / "some.csv", text)
    assert "Expected 3 fields in line 3, saw 4" in message  # pandas' own words stay
    assert "line 3 ('2016-07-01 01:00:00,1,693.0,27.8') is the first with more fields (4)" in message
    assert "('1,693.0')" in message and SEP_FIX in message


def test_the_fixes_the_error_names_read_the_file(tmp_path):
    quoted = HEADER + '2016-07-01 00:00:00,"5,827.0",30.5\n2016-07-01 01:00:00,693.0,27.8\n'
    semicolons = "date;HUFL;OT\n2016-07-01 00:00:00;5,827.0;30.5\n2016-07-01 01:00:00;693.0;27.8\n"
    for name, text, options in [("quoted.csv", quoted, None), ("semicolons.csv", semicolons, {"sep": ";"})]:
        (tmp_path / name).write_text(text)
        frame = read_csv_file(tmp_path / name, read_options=options)
        assert frame["HUFL"].tolist() == [5827.0, 693.0], name


def test_a_comma_in_text_is_the_likelier_cause_without_a_split_number(tmp_path):
    text = "date,site,OT\n2016-07-01,Oslo,30.5\n2016-07-02,Bergen, west,27.8\n"
    message = error_of(tmp_path / "sites.csv", text)
    assert "line 3 ('2016-07-02,Bergen, west,27.8')" in message
    assert re.search(
        r"likely a text cell holding a ',': quote that cell; or a number with a thousands", message
    )


def test_line_numbers_count_skipped_and_comment_lines_and_long_lines_are_shortened(tmp_path):
    long_row = "2016-07-01 02:00:00,5,827.0," + ",".join(["30.5"] * 20)
    rows = "2016-07-01 00:00:00,827.0,30.5\n# logger paused\n2016-07-01 01:00:00,827.0,30.5\n"
    text = "exported by logger\nunits: kW\n\n" + HEADER + rows + long_row + "\n"
    message = error_of(tmp_path / "logger.csv", text, skiprows=2, comment="#")
    shown = long_row[:57] + "..."
    assert f"line 8 ({shown!r}) is the first with more fields (23) than the header (3)" in message


def test_another_separator_names_the_text_cell_only(tmp_path):
    text = "date;HUFL;OT\n2016-07-01;5;30.5\n2016-07-02;5;6;27.8\n"
    message = error_of(tmp_path / "semi.csv", text)
    assert (
        "line 3 ('2016-07-02;5;6;27.8') is the first with more fields (4) than the header (3): likely a "
        in (message)
    )
    assert "text cell holding a ';': quote that cell." in message and "thousands" not in message


def test_comment_lines_already_skipped_are_not_called_the_problem(tmp_path):
    # with comment='#' the '#' lines above the header are read past; the ragged row is the problem. It
    # said "comment or metadata lines above the header. Pass read_options={'skiprows': 2}"
    text = "# exported by logger v2\n# site: A\n" + HEADER + "2016-07-01 00:00:00,5.1,30.5\n"
    message = error_of(tmp_path / "logger.csv", text + "2016-07-01 01:00:00,5,693.0,27.8\n", comment="#")
    assert "skiprows" not in message.split("Otherwise")[0], message
    assert "line 5 ('2016-07-01 01:00:00,5,693.0,27.8') is the first with more fields (4)" in message


def test_a_metadata_line_beside_comment_lines_still_names_skiprows(tmp_path):
    text = "# exported by logger v2\nsite A\n" + HEADER + "2016-07-01 00:00:00,5.1,30.5\n"
    message = error_of(tmp_path / "logger.csv", text + "2016-07-01 01:00:00,5,693.0,27.8\n", comment="#")
    assert "Pass read_options={'skiprows': 2}" in message, message
