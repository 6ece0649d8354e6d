"""Random SSM features keep to their memory budget: every torch tensor allocated while fitting and
transforming is counted (a dispatch mode sees each op's outputs; a storage is live until the last
tensor on it is freed), and the peak, less the output feature matrix, stays within
``memory_budget_mb``. Block sizes never change the features, and a bad budget is a clear error."""

from __future__ import annotations

import math
import pickle
import weakref

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from ssm_ts.errors import ConfigError
from ssm_ts.models.random_feature_classifier import RandomFeatureClassifier
from ssm_ts.models.random_ssm_features import POOLINGS, RandomSSMFeatures, _padded

MIB = 2**20
# One torch thread, as each of the suite's workers has (tests/conftest.py): run alone (no workers) the
# file took torch's default threads, and on two its bit-equality checks failed (float32 sums blocked
# another way for each block shape) and the dispatch-mode measurements took 4x longer (measured).
pytestmark = pytest.mark.usefixtures("single_thread")


def _tensors(tree: tuple | list | dict, found: list[torch.Tensor]) -> list[torch.Tensor]:
    """Append the tensors in an op's nested arguments or outputs ``tree`` to ``found``: ``tree_flatten``
    without its pytree bookkeeping, which took a third of the time of every measured op."""
    for item in tree.values() if isinstance(tree, dict) else tree:
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif isinstance(item, (list, tuple, dict)):
            _tensors(item, found)
    return found


class LiveTensorBytes(TorchDispatchMode):
    """Peak bytes of the CPU storages made by torch ops while active (views and in-place results share
    their storage's count; storages of tensors made outside, such as inputs, are not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, list[int]] = {}  # storage address -> [bytes, tensors on it]
        self.current = self.peak = 0

    def _release(self, address: int) -> None:
        entry = self.live[address]
        entry[1] -= 1
        if entry[1] == 0:
            self.current -= entry[0]
            del self.live[address]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        inputs = {t.untyped_storage().data_ptr() for t in _tensors((args, kwargs), [])}
        for tensor in _tensors((out,), []):
            if tensor.device.type != "cpu":
                continue
            storage = tensor.untyped_storage()
            address = storage.data_ptr()
            if address in self.live:
                self.live[address][1] += 1
            elif address in inputs or address == 0:
                continue  # a view of a tensor made outside
            else:
                self.live[address] = [storage.nbytes(), 1]
                self.current += storage.nbytes()
            weakref.finalize(tensor, self._release, address)
        self.peak = max(self.peak, self.current)
        return out


def _recordings(n: int, channels: int, lengths: tuple[int, int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal((channels, int(m))).cumsum(-1)
        for m in rng.integers(*lengths, size=n, endpoint=True)
    ]


CASES = {  # name -> (recordings, feature options)
    "equal lengths": (_recordings(60, 3, (120, 120)), {}),
    "unequal lengths": (_recordings(60, 2, (30, 300), seed=1), {}),
    "shift kernels, every pooling": (
        _recordings(60, 3, (40, 250), seed=2),
        {"shift_fraction": 0.5, "pooling": POOLINGS, "chunk": 50},
    ),
}
BUDGET_MB = 0.5  # a tenth or less of what one chunk's responses to these recordings took before


@pytest.mark.parametrize("case", list(CASES))
def test_fit_and_transform_keep_within_the_memory_budget(case):
    values, options = CASES[case]
    features = RandomSSMFeatures(n_kernels=120, seed=3, memory_budget_mb=BUDGET_MB, **options)
    with LiveTensorBytes() as fit_memory:
        features.fit(values)
    assert fit_memory.peak <= BUDGET_MB * MIB

    x, lengths = _padded(values)
    output = len(values) * features.n_features * 4  # the (n, features) float32 result
    # every chunk's (recordings x kernels x steps) responses alone would take several budgets
    assert len(values) * features.chunk * x.shape[-1] * 4 > 4 * BUDGET_MB * MIB
    with LiveTensorBytes() as padded_memory:
        result = features.transform_padded(x, lengths)
    assert padded_memory.peak - output <= BUDGET_MB * MIB
    assert padded_memory.peak - output > BUDGET_MB * MIB / 4  # blocks use the budget (few, fast blocks)

    with LiveTensorBytes() as transform_memory:
        features.transform(values, batch_size=len(values))  # one group: transform_padded's output once
    assert transform_memory.peak - output <= BUDGET_MB * MIB
    assert torch.isfinite(result).all()


def test_the_budget_never_changes_the_features():
    values, options = CASES["shift kernels, every pooling"]
    results = []
    for budget in (0.6, BUDGET_MB * 2, 4096):  # 0.6: blocks of one recording x the chunk
        features = RandomSSMFeatures(n_kernels=120, seed=3, memory_budget_mb=budget, **options).fit(values)
        results.append((features.kernels_.thresholds, features.transform(values)))
    for thresholds, transformed in results[1:]:
        assert np.array_equal(thresholds, results[0][0]) and np.array_equal(transformed, results[0][1])
    # so small a budget that the chunk's impulse responses are made in parts: float32 rounding only
    tiny = RandomSSMFeatures(n_kernels=120, seed=3, memory_budget_mb=0.05, **options).fit(values)
    assert tiny.block_shape(len(values), tiny.chunk, 250)[1] < tiny.chunk
    np.testing.assert_allclose(tiny.kernels_.thresholds, results[0][0], rtol=1e-5, atol=1e-6)
    # a recording's features do not depend on its batch: every 5th one (blocks of one recording x a few
    # kernels took most of this file's time), the longest among them
    rows = np.argsort([v.shape[1] for v in values], kind="stable")[::-5]
    transformed = tiny.transform([values[i] for i in rows])
    np.testing.assert_allclose(transformed, results[0][1][rows], rtol=1e-5, atol=1e-5)


def test_block_shape_fills_the_budget_and_splits_kernels_only_for_long_recordings():
    features = RandomSSMFeatures(memory_budget_mb=64)
    rows, kernels = features.block_shape(1000, 250, 100)
    assert kernels == 250 and 100 < rows < 1000  # the whole chunk, as many recordings as fit
    rows, kernels = features.block_shape(8, 250, 100_000)  # one recording x the chunk exceeds the budget
    assert rows == 1 and 1 < kernels < 250 and kernels * (20 + 26) * 100_000 <= 64 * MIB
    assert features.block_shape(3, 250, 10**9) == (1, 1)  # at least one recording x one kernel


@pytest.mark.parametrize("bad", [0, -5, math.nan, math.inf, "64", True, None])
def test_a_bad_budget_is_a_clear_error(bad):
    with pytest.raises(ConfigError, match=r"memory_budget_mb must be a positive number of MiB"):
        RandomSSMFeatures(memory_budget_mb=bad)


def test_features_pickled_before_the_budget_existed_load_with_the_default():
    values, _ = CASES["equal lengths"]
    features = RandomSSMFeatures(n_kernels=20, seed=0).fit(values[:10])
    state = dict(features.__dict__)
    del state["memory_budget_mb"]
    old = RandomSSMFeatures.__new__(RandomSSMFeatures)
    old.__setstate__(state)
    again = pickle.loads(pickle.dumps(old))
    assert again.memory_budget_mb == 64
    assert np.array_equal(again.transform(values[:10]), features.transform(values[:10]))


def test_classifier_module_takes_the_budget_and_keeps_to_it():
    values, _ = CASES["unequal lengths"]
    targets = np.arange(len(values)) % 2
    net = RandomFeatureClassifier(n_channels=2, n_classes=2, n_kernels=120, memory_budget_mb=BUDGET_MB)
    net.fit(values, targets)
    x, lengths = _padded(values)
    mask = torch.arange(x.shape[-1])[None, :] < torch.as_tensor(lengths)[:, None]
    with LiveTensorBytes() as memory:
        scores = net(x.transpose(1, 2), mask)
    features = len(values) * net.features.n_features
    # its own output: the features (float32, then float64 standardised) and the scores
    assert memory.peak - features * (4 + 8 + 8) <= BUDGET_MB * MIB
    assert scores.shape == (len(values), 2)
