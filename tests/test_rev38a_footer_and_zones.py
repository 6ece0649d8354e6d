"""Review of the totals-row and written-zone readers, on real ETTh1 rows: the ``skipfooter`` fix must
run as given (a totals row followed by blank lines, and its CLI spelling in a shell), a capital weekday
after a date is no time zone, and unsorted local times across the autumn switch are told to be unsorted."""

from __future__ import annotations

import re
import shlex

import numpy as np
import pandas as pd
import pytest
import yaml

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.fixture(scope="module")
def rows(shared_data) -> pd.DataFrame:
    """ETTh1's first 120 hourly rows, date and two series."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "HUFL", "OT"]).iloc[:120]


def _fix(path, read_options=None) -> tuple[str, dict]:
    """The error's message and the read_options its CLI spelling gives, split and parsed as a shell
    and ``--data.read_options`` (YAML) read them."""
    with pytest.raises(DataError) as raised:
        load_series(path, read_options=read_options)
    message = str(raised.value)
    cli = re.search(r"--data\.read_options ('\{.*?\}')", message).group(1)
    lexer = shlex.shlex(cli, posix=True, punctuation_chars=True)  # ';' ends a command, as in bash
    lexer.whitespace_split = True
    (word,) = list(lexer)
    return message, yaml.safe_load(word)


def test_a_totals_row_then_blank_lines_gets_the_skipfooter_that_skips_them(rows, tmp_path):
    """pandas counts the blank lines after the totals row in skipfooter: the fix said 1, which read
    the totals row again."""
    path = tmp_path / "export.csv"
    path.write_text(rows.to_csv(index=False) + "Total,1,2\n\n\n")
    message, options = _fix(path)
    assert "read_options={'skipfooter': 3}" in message and options == {"skipfooter": 3}
    values, _ = load_series(path, read_options=options)
    assert len(values) == 120 and values["OT"].tolist() == pytest.approx(rows["OT"].tolist())


def test_the_skipfooter_fix_with_a_separator_is_one_shell_word(rows, tmp_path):
    """With read_options={'sep': ';'} the CLI text was '{sep: ';', skipfooter: 1}': the shell ends the
    command at the bare ';'."""
    path = tmp_path / "export.csv"
    path.write_text(rows.to_csv(index=False, sep=";") + "Total;1;2\n")
    _, options = _fix(path, {"sep": ";"})
    assert options == {"sep": ";", "skipfooter": 1}
    assert len(load_series(path, read_options=options)[0]) == 120


def test_a_capital_weekday_after_the_date_is_no_time_zone(rows, tmp_path):
    """'2016-07-01 FRI' was read as daily dates, then refused as a zone abbreviation."""
    days = pd.date_range("2016-07-01", periods=len(rows), freq="D")
    pd.DataFrame({"date": days.strftime("%Y-%m-%d %a").str.upper(), "OT": rows["OT"]}).to_csv(
        tmp_path / "days.csv", index=False
    )
    values, spec = load_series(tmp_path / "days.csv")
    assert spec.freq == "D" and values["date"].tolist() == list(days)


def test_unsorted_zone_named_times_across_the_autumn_switch_say_they_are_unsorted(rows, tmp_path):
    """A repeated local hour is placed by the rows' order: shuffled rows were told only to write UTC
    offsets, not that their order is what cannot tell the two hours apart."""
    times = pd.date_range("2016-10-29", periods=72, freq="h", tz="Europe/Berlin")
    text = (times.strftime("%Y-%m-%d %H:%M:%S") + " Europe/Berlin")[np.random.default_rng(0).permutation(72)]
    pd.DataFrame({"date": text, "OT": rows["OT"].iloc[:72]}).to_csv(tmp_path / "zoned.csv", index=False)
    with pytest.raises(
        DataError, match=r"column 'date': the times in 'Europe/Berlin' cannot be placed"
    ) as raised:
        load_series(tmp_path / "zoned.csv")
    assert "the rows are not in time order" in str(raised.value)


def test_newest_first_zone_named_times_are_placed_by_their_order(rows, tmp_path):
    """Rows newest first (as some exports write them): the repeated hour is still placed by its order,
    and fill sorts them."""
    times = pd.date_range("2016-10-29", periods=72, freq="h", tz="Europe/Berlin")
    text = (times.strftime("%Y-%m-%d %H:%M:%S") + " Europe/Berlin")[::-1]
    pd.DataFrame({"date": text, "OT": rows["OT"].iloc[:72]}).to_csv(tmp_path / "newest.csv", index=False)
    values, spec = load_series(tmp_path / "newest.csv", fill="ffill")
    assert spec.tz == "Europe/Berlin" and values["date"].tolist() == list(times)
