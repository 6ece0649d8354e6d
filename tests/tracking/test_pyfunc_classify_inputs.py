"""The classifier's logged MLflow model takes what ``SSMClassifier`` takes: an sktime/aeon
``nested_univ`` DataFrame (a column per channel, each cell a whole series) or ``pd-multiindex``
DataFrame (rows indexed by recording and time point) predicts as the same recordings as an array,
where it was refused as "needs an 'id' column"; and missing values under the
fit's ``nan_policy="error"`` name the fix the model takes, ``params={"nan_policy": ...}``, not a
constructor argument it has no way to set.

A ``classify fit`` with the random-features config on BasicMotions (UEA) logs the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_ts
from tests.cli_runs import load_logged_model


@pytest.fixture(scope="module")
def basicmotions(shared_data, basicmotions_random_features_cli_fit):
    """``(the logged pyfunc, the first 8 TEST recordings (8, 6, 100))``."""
    folder = shared_data / "classification" / "BasicMotions"
    _, uri, run_id = basicmotions_random_features_cli_fit
    test = read_ts(folder / "BasicMotions_TEST.ts")
    return load_logged_model(uri, run_id), np.stack(test.values[:8])


def test_a_nested_dataframe_predicts_as_the_array(basicmotions):
    model, X = basicmotions
    nested = pd.DataFrame(
        {f"dim_{c}": [pd.Series(x[c]) for x in X] for c in range(X.shape[1])},
        index=[f"r{i}" for i in range(8)],
    )
    out, reference = model.predict(nested), model.predict(X)
    assert out["id"].tolist() == [f"r{i}" for i in range(8)]  # the frame's index names the recordings
    probabilities = [c for c in out.columns if c.startswith("p_")]
    np.testing.assert_allclose(out[probabilities].to_numpy(), reference[probabilities].to_numpy(), atol=1e-12)
    assert out["predicted"].tolist() == reference["predicted"].tolist()


def test_a_multiindex_dataframe_predicts_as_the_array(basicmotions):
    model, X = basicmotions
    parts = [pd.DataFrame(x.T, columns=[f"dim_{c}" for c in range(X.shape[1])]) for x in X]
    frame = pd.concat(parts, keys=[f"r{i}" for i in range(8)], names=["instances", "timepoints"])
    out, reference = model.predict(frame), model.predict(X)
    assert out["id"].tolist() == [f"r{i}" for i in range(8)]
    probabilities = [c for c in out.columns if c.startswith("p_")]
    np.testing.assert_allclose(out[probabilities].to_numpy(), reference[probabilities].to_numpy(), atol=1e-12)


def test_missing_values_name_the_params_fix(basicmotions):
    model, X = basicmotions
    X = X.copy()
    X[2, 4, 10] = np.nan
    with pytest.raises(DataError, match="channel 4, time step 10") as err:
        model.predict(X)
    assert 'params={"nan_policy": "interpolate"}' in str(err.value)
    assert "nan_policy='interpolate'" not in str(err.value)  # a constructor argument the model cannot take


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("BasicMotions_TEST.ts", r"a file path \('BasicMotions_TEST.ts'\).*read_series"),
        ({"X": np.zeros((2, 6, 100))}, r"a dict \(keys \['X'\]\).*pass the recordings themselves"),
    ],
)
def test_a_path_or_a_dict_is_named(basicmotions, given, message):
    model, _ = basicmotions
    with pytest.raises(DataError, match=message):
        model.predict(given)


def test_a_bad_request_is_an_http_400_naming_it(basicmotions):
    """Served, any exception but an MlflowException was answered "Encountered an unexpected error"
    (HTTP 500) with the reason only in the server's log; a bad request is now an MlflowException with
    INVALID_PARAMETER_VALUE (HTTP 400 carrying the message) that is still ssm-ts's DataError /
    ConfigError in Python."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE, ErrorCode

    from ssm_ts.errors import ConfigError

    model, X = basicmotions
    X = X.copy()
    X[2, 4, 10] = np.nan
    with pytest.raises(DataError, match="channel 4, time step 10") as err:
        model.predict(X)
    assert isinstance(err.value, MlflowException)
    assert err.value.error_code == ErrorCode.Name(INVALID_PARAMETER_VALUE)
    assert err.value.get_http_status_code() == 400
    with pytest.raises(ConfigError, match="rate") as err:
        model.predict(X[:1, :, :10] * 0, params={"rate": -1.0})
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400
