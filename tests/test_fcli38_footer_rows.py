"""A totals row at the end of an exported CSV (real ETTh1 rows, comma and European ``;`` files): the
error named its line and said "fix or remove those rows"; it now gives the ``skipfooter`` option that
reads the export as it is, which reads it."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """ETTh1's first 200 hourly rows, date and two series."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "HUFL", "OT"]).iloc[:200]


@pytest.mark.parametrize("european", [False, True])
def test_a_totals_row_at_the_end_gets_the_option_that_skips_it(ett, tmp_path, european):
    totals = pd.DataFrame({"date": ["Total"], "HUFL": [ett["HUFL"].sum()], "OT": [ett["OT"].sum()]})
    options = {"sep": ";", "decimal": ","} if european else {}
    path = tmp_path / "export.csv"
    pd.concat([ett, totals]).to_csv(path, index=False, **options)
    with pytest.raises(DataError) as raised:
        load_series(path)
    message = str(raised.value)
    assert "row 200 (CSV line 202) (e.g. 'Total')" in message
    assert "read_options={'skipfooter': 1} (CLI: --data.read_options '{skipfooter: 1}')" in message
    values, spec = load_series(path, read_options={"skipfooter": 1})
    assert len(values) == 200 and spec.freq == "h"
    assert values["OT"].tolist() == pytest.approx(ett["OT"].tolist())


def test_a_bad_time_inside_the_file_gets_no_footer_option(ett, tmp_path):
    broken = ett.copy()
    broken.loc[50, "date"] = "Total"
    broken.to_csv(tmp_path / "broken.csv", index=False)
    with pytest.raises(DataError, match=r"row 50 \(CSV line 52\)") as raised:
        load_series(tmp_path / "broken.csv")
    assert "skipfooter" not in str(raised.value)


def test_short_day_first_dates_before_a_totals_row_are_read_in_their_order(ett, tmp_path):
    """Ten days of '01/07/2016 00:00' (every day 12 or below) and 'Summe' at the end: neither order read
    every cell, and the error blamed the order ('both readings are valid') instead of naming the row."""
    export = ett.iloc[:200].copy()
    export["date"] = pd.to_datetime(export["date"]).dt.strftime("%d/%m/%Y %H:%M")
    totals = pd.DataFrame({"date": ["Summe"], "HUFL": [1.0], "OT": [2.0]})
    path = tmp_path / "export.csv"
    pd.concat([export, totals]).to_csv(path, index=False, sep=";", decimal=",")
    with pytest.raises(
        DataError, match=r"not dates at row 200 \(CSV line 202\) \(e.g. 'Summe'\).*skipfooter"
    ):
        load_series(path)
    values, _ = load_series(path, read_options={"skipfooter": 1})
    assert values["date"].iloc[-1] == pd.Timestamp("2016-07-09 07:00")  # day first, as the rows prove


def test_the_thousands_fix_keeps_the_options_given(ett, tmp_path):
    """'5 827,00' read with the skipfooter the totals row needed: the fix named thousands and decimal
    alone, and passing it as given dropped the skipfooter (the totals row failed the next read)."""
    export = ett.copy()
    for column in ("HUFL", "OT"):
        export[column] = (ett[column] * 1000).map(lambda v: f"{v:,.2f}".replace(",", " ").replace(".", ","))
    path = tmp_path / "export.csv"
    text = export.to_csv(index=False, sep=";") + "Summe;1;2\n"
    path.write_text(text)
    with pytest.raises(DataError) as raised:
        load_series(path, read_options={"skipfooter": 1})
    fix = "read_options={'skipfooter': 1, 'thousands': ' ', 'decimal': ','}"
    assert fix in str(raised.value) and 'CLI: --data.read_options "{skipfooter: 1, thousands:' in str(
        raised.value
    )
    values, _ = load_series(path, read_options={"skipfooter": 1, "thousands": " ", "decimal": ","})
    assert values["OT"].tolist() == pytest.approx((ett["OT"] * 1000).round(2).tolist())
