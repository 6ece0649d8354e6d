"""Audit 26 of forecasting: a Lightning checkpoint given to ``Forecaster.load``, a DataFrame indexed
by its times, and a backtest frame missing one series' actuals, each told what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import CheckpointError, DataError
from ssm_ts.evaluation import evaluate
from ssm_ts.pipelines.forecasting.series import load_series


def test_loading_a_checkpoint_says_it_is_one_and_what_loads_instead(tmp_path):
    """It said "no saved model ... expected a folder written by .save()" and nothing of checkpoints."""
    run = tmp_path / "out" / "fits" / "20260101-000000-1-0"
    checkpoint = run / "checkpoints" / "best-epoch=0.ckpt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"not read")
    with pytest.raises(CheckpointError) as error:
        Forecaster.load(checkpoint)
    message = str(error.value)
    assert "best-epoch=0.ckpt is a Lightning checkpoint (training state), not a saved model" in message
    assert f"ssm-ts forecast predict --ckpt_path '{checkpoint}'" in message
    assert "or the fit's out_dir" in message
    export = tmp_path / "out" / "export"  # a logged fit publishes its model there
    export.mkdir()
    (export / "config.json").write_text("{}")
    with pytest.raises(CheckpointError, match=rf"its fit saved the model in {export}: load that folder"):
        Forecaster.load(checkpoint)
    with pytest.raises(CheckpointError) as error:  # another file: no checkpoint hint
        Forecaster.load(tmp_path / "out" / "export" / "config.json")
    assert "Lightning" not in str(error.value)


@pytest.fixture()
def yearly() -> pd.DataFrame:
    return pd.DataFrame({"year": range(1950, 2000), "v": np.arange(50.0)})


@pytest.mark.parametrize("time_col", [None, "year"])
def test_a_frame_indexed_by_its_integer_times_is_told_to_reset_the_index(yearly, time_col):
    with pytest.raises(
        DataError, match=r"index 'year' is not read .* make it a column with df\.reset_index\(\)"
    ):
        load_series(yearly.set_index("year"), time_col=time_col)
    text_dates = yearly.assign(year=pd.date_range("2000", periods=50).astype(str)).set_index("year")
    with pytest.raises(DataError, match=r"index 'year' is not read"):
        load_series(text_dates)
    assert load_series(yearly.set_index("year").reset_index())[1].time_col == "year"


def test_a_datetime_index_is_read_and_an_unnamed_index_gets_no_hint(yearly):
    dated = yearly.assign(year=pd.date_range("2000", periods=50)).set_index("year")
    assert load_series(dated)[1].time_col == "year"
    with pytest.raises(DataError) as error:
        load_series(yearly.drop(columns="year").set_axis(range(100, 150)))
    assert "index" not in str(error.value)


def backtest_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"cutoff": [3, 3, 5, 5], "ds": [4, 5, 6, 7]})
    for name in ("A", "B"):
        frame[name] = rng.normal(size=4)
        frame[f"{name}_q0.1"] = frame[name] - 1
        frame[f"{name}_q0.9"] = frame[name] + 1
    for name in ("A", "B"):
        frame[f"{name}_actual"] = rng.normal(size=4)
    return frame


def test_evaluate_refuses_a_wide_frame_that_lost_one_series_actuals():
    """It scored series A alone, silently."""
    frame = backtest_frame()
    assert list(evaluate(frame, aggregate=False)["series"]) == ["A", "B"]
    with pytest.raises(
        DataError, match=r"actual columns for other series but none for \['B'\] \(no \['B_actual'\]\)"
    ):
        evaluate(frame.drop(columns="B_actual"))
    scores = evaluate(frame.drop(columns=["B", "B_q0.1", "B_q0.9", "B_actual"]), aggregate=False)
    assert list(scores["series"]) == ["A"]  # the fix the error names
    assert list(evaluate(frame.assign(step=1), aggregate=False)["series"]) == ["A", "B"]  # not a forecast
