"""Random SSM features shared by threads: a transform that adds or drops a padded length's kept spectra
while another transform sums what is kept must not fail with "dictionary changed size during
iteration" (the kept lengths are read once, as a list, before they are summed or dropped)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from ssm_ts.core.parameter_terms import ParameterTermsCache
from ssm_ts.models.random_ssm_features import RandomSSMFeatures


def _recordings(lengths: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal((2, n)).astype(np.float32) for n in lengths]


def test_a_length_added_meanwhile_by_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    features = RandomSSMFeatures(n_kernels=12, n_modes=2, chunk=6, shift_fraction=0.5).fit(
        _recordings((40, 40, 40))
    )
    plain = copy.deepcopy(features)
    features.transform(_recordings((40,)))  # one padded length kept
    counted = features.kept_spectra_bytes
    added = []

    def another_thread_meanwhile(length: int) -> int:
        """As a transform in another thread would: it keeps the spectra of a length of its own."""
        caches = features.__dict__["_spectra_cache"]
        added.append(1000 + len(added))
        caches[added[-1]] = ParameterTermsCache()
        return counted(length)

    monkeypatch.setattr(features, "kept_spectra_bytes", another_thread_meanwhile)
    values = _recordings((25, 31))
    got = features.transform(values)  # failed: dictionary changed size during iteration
    assert added
    assert np.array_equal(got, plain.transform(values))
