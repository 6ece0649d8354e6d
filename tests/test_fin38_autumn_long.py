"""A long table whose times name their zone (``2016-10-30 02:00:00 Europe/Berlin``) across the autumn
switch, on real ETTh1 values: the clock repeats 02:00, so each series has that text twice for two
instants. The duplicate check said to drop_duplicates, which drops a real hour; it now names the
repeated hour and the fix, UTC offsets."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series

_TIMES = pd.date_range("2016-10-29", periods=72, freq="h", tz="Europe/Berlin")  # 02:00 twice on the 30th


@pytest.fixture(scope="module")
def values(shared_data) -> pd.DataFrame:
    """ETTh1's OT and HUFL, the first 72 hourly values."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["OT", "HUFL"]).iloc[:72]


def _long(values: pd.DataFrame, text: pd.Index) -> pd.DataFrame:
    return pd.concat(
        pd.DataFrame({"unique_id": name, "ds": text, "y": values[column].to_numpy()})
        for name, column in (("oil", "OT"), ("load", "HUFL"))
    )


def test_a_zone_name_s_repeated_autumn_hour_is_named_with_the_offsets_that_read_it(values, tmp_path):
    _long(values, _TIMES.strftime("%Y-%m-%d %H:%M:%S") + " Europe/Berlin").to_csv(
        tmp_path / "z.csv", index=False
    )
    with pytest.raises(DataError) as raised:
        load_series(tmp_path / "z.csv")
    message = str(raised.value)
    assert "drop_duplicates" not in message
    assert (
        "series 'oil' has the time '2016-10-30 02:00:00 Europe/Berlin' more than once, at rows 26, 27"
        in message
    )
    assert (
        "'Europe/Berlin' repeats that hour where daylight saving time ends (first at +02:00, then at +01:00)"
        in (message)
    )
    first, second = re.search(r"offsets instead \('([^']+)', then '([^']+)'\)", message).groups()
    assert (first, second) == ("2016-10-30 02:00:00+02:00", "2016-10-30 02:00:00+01:00")
    # the fix as the error gives it: every time with its UTC offset reads both hours
    offsets = _TIMES.strftime("%Y-%m-%d %H:%M:%S%z")
    _long(values, offsets.str[:-2] + ":" + offsets.str[-2:]).to_csv(tmp_path / "offsets.csv", index=False)
    wide, spec = load_series(tmp_path / "offsets.csv")
    assert spec.freq == "h" and wide["ds"].tolist() == list(_TIMES.tz_convert("UTC"))
    assert wide["oil"].tolist() == pytest.approx(values["OT"].tolist())


def test_a_real_duplicate_with_a_zone_name_keeps_the_drop_duplicates_fix(values, tmp_path):
    text = pd.Index(_TIMES[:24].strftime("%Y-%m-%d %H:%M:%S") + " Europe/Berlin")  # no switch in it
    _long(values.iloc[:24], text.insert(5, text[5])[:24]).to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(DataError, match="drop_duplicates") as raised:
        load_series(tmp_path / "dup.csv")
    assert "daylight saving" not in str(raised.value)
