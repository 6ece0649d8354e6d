"""Today's rows alone, after the data a model was fitted on from a ';' CSV with decimal commas read with
read_options that name no separator (here ``na_values``): the error's fix read both files with the
read_options alone, ``pd.read_csv(earlier_path, na_values=['-999'])``, one text column. Both files are now
read as they were read: the separator and decimal mark found in each, then the fit's read_options."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError

_COLUMNS = ["date", "OT", "HUFL"]
_EUROPEAN = {"sep": ";", "decimal": ","}
_READ = ", sep=';', decimal=',', na_values=['-999']"


def test_the_fix_reads_both_files_with_their_separator_and_the_fit_s_read_options(in_tmp, ett):
    ett[_COLUMNS].iloc[:200].to_csv("fit.csv", index=False, **_EUROPEAN)
    ett[_COLUMNS].iloc[200:210].to_csv("today.csv", index=False, **_EUROPEAN)
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
                    trainer_options={"limit_train_batches": 1, "enable_progress_bar": False})  # fmt: skip
    fc.fit("fit.csv", time_col="date", read_options={"na_values": ["-999"]})
    for model in (fc, Forecaster.load(fc.save("saved"))):  # (the saved JSON holds the keywords sorted)
        with pytest.raises(DataError) as raised:
            model.predict("today.csv")
        message = str(raised.value)
        code = re.search(r"Python: model\.predict\((pd\.concat\(.*?\]\))\)", message).group(1)
        assert code == f"pd.concat([pd.read_csv(earlier_path{_READ}), pd.read_csv(new_path{_READ})])"
        assert "read with the fit's read_options {'na_values': ['-999']}" in message
        both = eval(code, {"pd": pd, "earlier_path": "fit.csv", "new_path": "today.csv"}).reset_index(
            drop=True
        )
        expected = ett[_COLUMNS].iloc[:210].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            both.assign(date=pd.to_datetime(both["date"])), expected, check_exact=False
        )
