"""A covariate column missing or renamed in the data a fitted model reads: the error says what the
column is to the model and gives the rename (or, at fit, the name to pass) when a column is spelled alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.series import load_like, load_series


@pytest.fixture
def with_covariates() -> pd.DataFrame:
    """50 hourly rows: target ``y``, past covariate ``p``, known-future ``x``; the last 5 rows future."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"ds": pd.date_range("2020-01-01", periods=50, freq="h"), "x": rng.normal(size=50),
                          "p": rng.normal(size=50), "y": rng.normal(size=50)})  # fmt: skip
    frame.loc[45:, "y"] = np.nan
    return frame


def fitted_spec(frame: pd.DataFrame):
    return load_series(
        frame, target="y", past_covariates=["p"], future_covariates=["x"], allow_future_rows=True
    )[1]


def test_a_renamed_covariate_gets_its_role_and_the_rename_that_reads_it(with_covariates):
    spec = fitted_spec(with_covariates)
    renamed = with_covariates.rename(columns={"x": "X"})
    with pytest.raises(DataError) as error:
        load_like(renamed, spec, allow_future_rows=True)
    message = str(error.value)
    assert "column ['x'] not found in the DataFrame" in message  # the wording other tests match
    assert "('x': known-future covariate.)" in message
    assert "df = df.rename(columns={'X': 'x'})" in message
    fixed = renamed.rename(columns={"X": "x"})  # the fix, as written, reads the frame
    assert len(load_like(fixed, spec, allow_future_rows=True)) == 50


def test_a_dropped_covariate_says_the_model_reads_it(with_covariates):
    with pytest.raises(
        DataError, match=r"\('p': past covariate\.\) The model reads every column it was fitted"
    ):
        load_like(with_covariates.drop(columns="p"), fitted_spec(with_covariates), allow_future_rows=True)


def test_a_misspelt_covariate_at_fit_gets_the_name_to_pass(with_covariates):
    with pytest.raises(DataError, match=r"If 'x' is meant, pass 'x' instead of 'xx'\."):
        load_series(with_covariates, target="y", future_covariates=["xx"])
