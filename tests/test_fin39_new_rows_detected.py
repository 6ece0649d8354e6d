"""Today's rows alone, after the data a model was fitted on, in a European CSV (';' between fields,
decimal commas) that the fit and predict read by detection (no read_options): the error's fix printed
pd.read_csv(earlier_path) and pd.read_csv(new_path) with a note, which read each file as one text
column. It now prints the keywords predict detected in the file, and the line runs as printed."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.api.forecast_short_history import _both_rows_code
from ssm_ts.errors import DataError

_COLUMNS = ["date", "OT", "HUFL"]


def test_the_fix_reads_both_files_with_the_detected_separator_and_decimal_mark(in_tmp, ett):
    ett[_COLUMNS].iloc[:300].to_csv("fit.csv", index=False, sep=";", decimal=",")
    ett[_COLUMNS].iloc[300:310].to_csv("today.csv", index=False, sep=";", decimal=",")
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
                    trainer_options={"limit_train_batches": 2, "enable_progress_bar": False})  # fmt: skip
    fc.fit("fit.csv", time_col="date")
    assert fc.spec_.read_options == {}  # read by detection
    with pytest.raises(DataError) as raised:
        fc.predict("today.csv")
    message = str(raised.value)
    assert "for files written so" not in message  # no note to apply by hand
    line = re.search(r"Python: (model\.predict\((pd\.concat\(.*?\]\))\))", message)
    assert line.group(1) == (
        "model.predict(pd.concat([pd.read_csv(earlier_path, sep=';', decimal=','), "
        "pd.read_csv(new_path, sep=';', decimal=',')]))"
    )
    # the frame the printed code reads is the rows written, numbers as numbers
    names = {"pd": pd, "model": fc, "earlier_path": "fit.csv", "new_path": "today.csv"}
    both = eval(line.group(2), names).reset_index(drop=True)
    expected = ett[_COLUMNS].iloc[:310].reset_index(drop=True)
    pd.testing.assert_frame_equal(both.assign(date=pd.to_datetime(both["date"])), expected, check_exact=False)
    forecast = eval(line.group(1), names)
    assert forecast["date"].iloc[0] == pd.Timestamp("2016-07-13 22:00") and forecast["OT"].notna().all()


def test_a_plain_csv_gets_plain_calls_and_no_note(in_tmp, ett):
    ett[_COLUMNS].iloc[:5].to_csv("today.csv", index=False)
    assert _both_rows_code({}, "today.csv") == (
        "model.predict(pd.concat([pd.read_csv(earlier_path), pd.read_csv(new_path)]))"
    )
