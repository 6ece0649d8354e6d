"""A recording of no steps in a batch of random-feature inputs (a mask row that is all False) is a
DataError naming it: since features are computed at each recording's own padded length, it crashed
with a bare ``math domain error``; padded to the batch's longest before, its max features were -inf."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.errors import DataError
from ssm_ts.models.random_ssm_features import RandomSSMFeatures


def test_an_empty_recording_in_a_batch_is_named():
    rng = np.random.default_rng(0)
    features = RandomSSMFeatures(n_kernels=10, seed=0).fit(rng.standard_normal((4, 2, 30)).astype(np.float32))
    x = torch.as_tensor(rng.standard_normal((3, 2, 30)).astype(np.float32))
    with pytest.raises(DataError, match=r"recording 2 is empty \(length 0\): drop it"):
        features.transform_batch(x, np.array([30, 12, 0]))
    assert torch.isfinite(features.transform_batch(x, np.array([30, 12, 1]))).all()
