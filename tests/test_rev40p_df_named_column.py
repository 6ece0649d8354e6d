"""A forecast model fitted on a column literally named ``df`` (or ``futr_df``) reads a dict of its
columns as one table, ``{"date": [...], "df": [...]}``. A two-table request to it, ``{"df": history}``
with the history a table, was read as a column holding a table: "the request's columns have different
lengths ({'df': 150})". A key holding a table (a DataFrame, row records, a dict of columns) is the
history now. Real data: ETTh1."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_pyf40_short_request import pyfunc_of


@pytest.fixture(scope="module")
def named_df(shared_data) -> pd.DataFrame:
    """ETTh1's OT as a column named ``df``, 100 hours, the time as text (as a request sends it)."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:100]
    return frame.rename(columns={"OT": "df"})


def test_a_table_under_df_is_the_history_of_a_model_with_a_df_column(named_df):
    model = pyfunc_of(named_df)
    expected = model.forecaster.predict(named_df)
    for history in (named_df, named_df.to_dict("records"), named_df.to_dict("list")):
        pd.testing.assert_frame_equal(model.predict(None, {"df": history}), expected)
    # its columns as a dict are one table still
    columns = {"date": named_df["date"].to_numpy(), "df": named_df["df"].to_numpy()}
    pd.testing.assert_frame_equal(model.predict(None, columns), expected)
