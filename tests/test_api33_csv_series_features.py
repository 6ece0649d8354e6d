"""``Forecaster.fit`` reads a long CSV's per-series covariate columns and a ``static_df`` CSV as it reads
a DataFrame's (through the data module, as ``ssm-ts forecast fit`` reads them), and ``predict`` /
``backtest`` of a CSV path read its per-series columns with the fit's ``read_options``. Before, a CSV
with such columns was refused (read it with pandas first) and ``static_df`` had to be a DataFrame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError
from tests.series_features_data import STATIC, long_table, tiny_forecaster


@pytest.fixture(scope="module")
def long_df(ett) -> pd.DataFrame:
    return long_table(ett)


@pytest.fixture(scope="module")
def files(long_df, tmp_path_factory):
    """``(data CSV, static CSV)``: the long table written with ';' (read with read_options), the statics."""
    folder = tmp_path_factory.mktemp("api33_files")
    long_df.to_csv(folder / "long.csv", sep=";", index=False)
    STATIC.to_csv(folder / "static.csv", index=False)
    return folder / "long.csv", folder / "static.csv"


@pytest.fixture(scope="module")
def fitted(files, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    data, static = files
    return tiny_forecaster(tmp_path_factory.mktemp("api33_fit")).fit(
        data, past_covariates=["load"], static_df=static, read_options={"sep": ";"}
    )


def test_a_long_csv_and_a_static_csv_are_read_as_dataframes_are(fitted, long_df):
    spec = fitted.spec_
    assert spec.targets == ["HUFL", "OT"]
    assert spec.past_covariates == ["load[OT]", "load[HUFL]"]
    assert spec.future_covariates == ["size[OT]", "size[HUFL]"]
    assert fitted.series_features_.statics == {"size": {"OT": 10.0, "HUFL": 50.0}}
    # each series reads its own load column, as fit(long_df, ...) reads it
    for name in ("OT", "HUFL"):
        own = long_df[long_df["unique_id"] == name]["load"].to_numpy()
        np.testing.assert_allclose(fitted.history_[f"load[{name}]"].to_numpy(), own)
    # the statics need no future rows: predict() forecasts from the history
    assert len(fitted.predict()) == 12


def test_predict_and_backtest_of_the_csv_read_it_with_the_fits_read_options(fitted, files, long_df):
    data, _ = files
    from_csv = fitted.predict(data)  # ';' separated: read with the fit's read_options
    pd.testing.assert_frame_equal(from_csv, fitted.predict(long_df))
    windows = fitted.backtest(data, n_windows=2)
    pd.testing.assert_frame_equal(windows, fitted.backtest(long_df, n_windows=2))


def test_a_bad_static_csv_is_named_as_fit_was_given_it(files, long_df, tmp_path):
    data, _ = files
    bad = tmp_path / "bad_static.csv"
    pd.DataFrame({"unique_id": ["OT", "HUFL"], "size": [10.0, np.nan]}).to_csv(bad, index=False)
    for given in (long_df, data):  # a DataFrame's data and a CSV's (read by the data module)
        read_options = None if isinstance(given, pd.DataFrame) else {"sep": ";"}
        with pytest.raises(DataError) as error:
            tiny_forecaster(tmp_path).fit(
                given, past_covariates=["load"], static_df=bad, read_options=read_options
            )
        message = str(error.value)
        assert message.startswith(f"static_df={str(bad)!r}: static_df"), message
        assert "--data.static_path" not in message and "'size'" in message
    with pytest.raises(DataFileNotFoundError, match="missing.csv"):
        tiny_forecaster(tmp_path).fit(long_df, static_df=tmp_path / "missing.csv")


def test_a_static_dataframe_beside_a_csv_names_both_fixes(files, tmp_path):
    data, _ = files
    with pytest.raises(ConfigError) as error:
        tiny_forecaster(tmp_path).fit(data, static_df=STATIC)
    message = str(error.value)
    assert f"fit({str(data)!r}, static_df='static.csv')" in message
    assert f"fit(pd.read_csv({str(data)!r}), static_df=static_df)" in message


def test_a_csv_the_features_cannot_be_read_from_is_named_by_its_path(fitted, long_df, tmp_path):
    """Errors reading a CSV's per-series columns name the file (as the table read from it), not "the
    DataFrame", and the fit's read options it was read with."""
    path = tmp_path / "ot.csv"
    long_df[long_df["unique_id"] == "OT"].to_csv(path, sep=";", index=False)
    with pytest.raises(DataError) as error:
        fitted.predict(path)
    message = str(error.value)
    assert message.startswith(f"{path} has no rows of series ['HUFL']"), message
    assert "read_options {'sep': ';'}, the fit's" in message
