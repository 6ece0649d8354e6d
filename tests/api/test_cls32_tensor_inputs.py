"""Torch tensors as ``X``: one that requires grad or holds bfloat16 (a model's output, a half-precision
pipeline) is read as its values. They were torch's "Can't call numpy() on Tensor that requires grad"
and "Got unsupported ScalarType BFloat16"."""

from __future__ import annotations

import numpy as np
import torch

from ssm_ts.api.classifier_inputs import as_recordings

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 4  # quarters: exact in bfloat16


def test_a_tensor_that_requires_grad_is_read_as_its_values():
    data = as_recordings(torch.tensor(X, requires_grad=True))
    np.testing.assert_array_equal(np.stack(data.values), X)


def test_a_bfloat16_tensor_is_read_as_its_values():
    data = as_recordings(torch.tensor(X, dtype=torch.bfloat16))
    np.testing.assert_array_equal(np.stack(data.values), X)
    assert data.values[0].dtype == np.float64
