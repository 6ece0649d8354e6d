"""A ``futr_df`` CSV that needs read options, for a model fitted without any: the file is read by detection,
and the reader's error names ``read_options={...}``, which ``predict`` applies to the data (or refuses
without it), never to ``futr_df``. The error now says so and gives the DataFrame route, as neuralforecast
takes ``futr_df``: the options go to ``pd.read_csv``, the DataFrame to ``futr_df``."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.api.forecast_future_frame import _named_options
from ssm_ts.errors import DataError
from tests.untrained import untrained_forecaster


@pytest.fixture(scope="module")
def hourly(ett) -> pd.DataFrame:
    frame = ett.iloc[:200][["date", "OT"]].copy()
    return frame.assign(hour=frame["date"].dt.hour.astype(float))


def test_a_futr_df_file_that_needs_options_is_read_as_a_dataframe(hourly, tmp_path):
    fc = untrained_forecaster(hourly.iloc[:194], 24, 6, target="OT", future_covariates=["hour"])
    path = tmp_path / "export.csv"
    with open(path, "w") as file:  # two lines of an export's preamble above the header
        file.write("exported by the planner\nsite 4\n")
        hourly[["date", "hour"]].iloc[194:].to_csv(file, index=False)
    with pytest.raises(DataError) as error:
        fc.predict(futr_df=path)
    message = str(error.value)
    assert message.endswith(
        "(the futr_df file was read by detection, as the fit read its data; predict's read_options read the "
        "data, not futr_df: read the file with those options as pd.read_csv keywords and give the DataFrame, "
        f"futr_df=pd.read_csv({str(path)!r}, **options) with options the dict that reads it)"
    )
    options = {"skiprows": 2}  # the dict that reads it, as the note says
    futr_df = pd.read_csv(str(path), **options)
    assert len(fc.predict(futr_df=futr_df)) == 6


def test_the_one_dict_the_reader_names_is_written_as_the_call(hourly, tmp_path):
    weekly = hourly.assign(dow=hourly["date"].dt.day_of_week.astype(float))
    fc = untrained_forecaster(weekly.iloc[:194], 24, 6, target="OT", future_covariates=["hour", "dow"])
    path = tmp_path / "export.csv"
    with open(path, "w") as file:  # the reader names one fix: read_options={'skiprows': 2}
        file.write("# exported by the planner\n# site 4\n")
        weekly[["date", "hour", "dow"]].iloc[194:].to_csv(file, index=False)
    with pytest.raises(DataError) as error:
        fc.predict(futr_df=path)
    call = f"futr_df=pd.read_csv({str(path)!r}, skiprows=2)"
    assert str(error.value).endswith(f"give the DataFrame, {call})")
    scope = {"pd": pd}
    exec(call, scope)  # as written, no dict to fill in
    assert len(fc.predict(futr_df=scope["futr_df"])) == 6


@pytest.mark.parametrize(
    "message, options",
    [
        ("pass read_options={'sep': ';'} (CLI: ...), as read_options={'sep': ';'} does", {"sep": ";"}),
        ("read_options={'sep': ';'} or the separator (read_options={'sep': '|'})", None),  # which: the user's
        ("pass read_options={options}", None),  # no dict written out
        (
            "pass the order, read_options={'dayfirst': True} (or False; CLI: ...)",
            None,
        ),  # the user's to choose
    ],
)
def test_only_one_dict_named_is_taken(message, options):
    assert _named_options(message) == options
