"""``predict(path)`` of a model fitted with ``read_options`` reads every CSV with the fit's options; a
file whose dates are now written another way (a new export: ISO instead of ``31.12.2016 23:00``) failed
with "not dates ... fix or remove those rows" for all its rows, and nothing said the date format was
the fit's, saved with the model. The error now says so and gives the call that reads the file."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError


@pytest.fixture
def dotted_fit(in_tmp, ett) -> Forecaster:
    """nlinear fitted one short epoch on 500 hourly ETTh1 rows whose dates read ``%d.%m.%Y %H:%M``."""
    dotted = ett.iloc[:500].assign(date=ett["date"].iloc[:500].dt.strftime("%d.%m.%Y %H:%M"))
    dotted.to_csv("fit.csv", index=False)
    fc = Forecaster(
        model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
        trainer_options={"limit_train_batches": 2, "enable_progress_bar": False, "enable_model_summary": False},
    )  # fmt: skip
    return fc.fit("fit.csv", time_col="date", read_options={"date_format": "%d.%m.%Y %H:%M"})


def test_a_new_date_format_names_the_saved_options_and_the_call_that_reads_it(dotted_fit, ett):
    ett.iloc[:520].to_csv("today.csv", index=False)  # ISO dates, as pandas writes them
    with pytest.raises(DataError) as info:
        dotted_fit.predict("today.csv")
    message = str(info.value)
    assert "today.csv: column 'date' has values that are not dates" in message
    assert "read_options {'date_format': '%d.%m.%Y %H:%M'}, the fit's, saved with the model" in message
    call = "predict('today.csv', read_options={})"
    assert message.endswith(f"{call})")
    pasted = eval(f"dotted_fit.{call}")  # the fix as written
    dotted = ett.iloc[:520].assign(date=ett["date"].iloc[:520].dt.strftime("%d.%m.%Y %H:%M"))
    dotted.to_csv("today_dotted.csv", index=False)
    pd.testing.assert_frame_equal(pasted, dotted_fit.predict("today_dotted.csv"))


def test_given_options_and_dataframes_keep_their_errors(dotted_fit, ett):
    ett.iloc[:520].to_csv("today.csv", index=False)
    with pytest.raises(DataError) as info:  # the caller's own options: the error is theirs, unchanged
        dotted_fit.predict("today.csv", read_options={"date_format": "%d/%m/%Y"})
    assert "saved with the model" not in str(info.value)
    gap = ett.iloc[:520].drop(index=[510])
    with pytest.raises(DataError) as info:  # a DataFrame is read without the saved options
        dotted_fit.predict(gap)
    assert "missing" in str(info.value) and "saved with the model" not in str(info.value)
