"""Missing values in the recordings given to a fitted model's ``predict``: the error names the fix that
needs no refit, ``model.set_params(nan_policy=...)`` (``nan_policy`` is read again at every call), not
only the constructor argument, which reads as "fit again"."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError


@pytest.mark.parametrize("as_list", [False, True])
def test_predict_names_set_params_and_it_works_without_a_refit(gunpoint_ucr, as_list):
    train, test = gunpoint_ucr
    model = SSMClassifier(method="random_features", n_kernels=100, random_state=0).fit(
        train.values, train.labels
    )
    X = np.stack(test.values[:10])
    X[3, 0, 40:44] = np.nan
    given = list(X) if as_list else X
    with pytest.raises(DataError, match=r"set_params\(nan_policy='interpolate'\)"):
        model.predict(given)
    fitted = model.ridge_
    filled = model.set_params(nan_policy="interpolate").predict(given)  # as the message says
    assert model.ridge_ is fitted and filled.shape == (10,)


def test_fit_keeps_the_constructor_advice(gunpoint_ucr):
    train, _ = gunpoint_ucr
    X = np.stack(train.values)
    X[0, 0, 5] = np.nan
    with pytest.raises(DataError, match="choose nan_policy='interpolate'") as err:
        SSMClassifier(method="random_features", n_kernels=100).fit(X, train.labels)
    assert "set_params" not in str(err.value)
