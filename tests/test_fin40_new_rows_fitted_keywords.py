"""Today's rows alone, after the data a model was fitted on, where the fit read its CSV by detection (no
read_options) and today's export is written another way: the error's fix read the earlier (fitted) file
with the keywords predict detected in the new one, so ``pd.read_csv(earlier_path)`` read a ';' file with
decimal commas as one text column (or ``sep=';'`` a plain one). The fit now keeps what it detected
(``spec_.csv_keywords``, saved with the model) and the fix reads each file as it is written."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError

_COLUMNS = ["date", "OT", "HUFL"]
EUROPEAN = {"sep": ";", "decimal": ","}


def _printed_code(fc: Forecaster) -> str:
    with pytest.raises(DataError) as raised:
        fc.predict("today.csv")
    return re.search(r"Python: model\.predict\((pd\.concat\(.*?\]\))\)", str(raised.value)).group(1)


@pytest.mark.parametrize(
    ("fitted", "today", "earlier_keywords"),
    [(EUROPEAN, {}, ", sep=';', decimal=','"), ({}, EUROPEAN, "")],
    ids=["european fit, plain today", "plain fit, european today"],
)
def test_the_fix_reads_the_earlier_file_as_the_fit_read_it(in_tmp, ett, fitted, today, earlier_keywords):
    ett[_COLUMNS].iloc[:200].to_csv("fit.csv", index=False, **fitted)
    ett[_COLUMNS].iloc[200:210].to_csv("today.csv", index=False, **today)
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
                    trainer_options={"limit_train_batches": 1, "enable_progress_bar": False})  # fmt: skip
    fc.fit("fit.csv", time_col="date")
    assert fc.spec_.read_options == {}  # read by detection, and predict detects again
    for model in (fc, Forecaster.load(fc.save("saved"))):  # kept with the saved model too
        code = _printed_code(model)
        assert code.startswith(
            f"pd.concat([pd.read_csv(earlier_path{earlier_keywords}), pd.read_csv(new_path"
        )
        both = eval(code, {"pd": pd, "earlier_path": "fit.csv", "new_path": "today.csv"}).reset_index(
            drop=True
        )
        expected = ett[_COLUMNS].iloc[:210].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            both.assign(date=pd.to_datetime(both["date"])), expected, check_exact=False
        )
