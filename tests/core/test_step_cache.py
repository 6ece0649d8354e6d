"""The discretisation that ``step`` caches under ``no_grad``: never saved with the module, never stale."""

from __future__ import annotations

import copy
import io
import pickle

import pytest
import torch

from ssm_ts.core import SSMBlock

STEPPING = {
    "s4d": ("s4d", {}),
    "s4": ("s4", {}),
    "s5": ("scan", {"variant": "s5"}),
    "lru": ("scan", {"variant": "lru"}),
    "companion": ("companion", {}),
}


def block(case: str, seed: int = 0) -> SSMBlock:
    torch.manual_seed(seed)
    name, options = STEPPING[case]
    return SSMBlock(d_model=3, ssm=name, d_state=4, ssm_options=options).eval()


@pytest.mark.parametrize("case", STEPPING)
@torch.no_grad()
def test_a_module_that_has_stepped_saves_copies_and_pickles(case):
    b = block(case)
    x = torch.randn(2, 3)
    want, _ = b.step(x, b.default_state(2))  # fills the cache
    buf = io.BytesIO()
    torch.save(b, buf)
    buf.seek(0)
    copies = {
        "torch.save": torch.load(buf, weights_only=False),
        "deepcopy": copy.deepcopy(b),
        "pickle": pickle.loads(pickle.dumps(b)),
    }
    for how, other in copies.items():
        got, _ = other.step(x, other.default_state(2))
        torch.testing.assert_close(got, want, msg=f"{case} after {how}")


@pytest.mark.parametrize("case", STEPPING)
@torch.no_grad()
def test_step_follows_weights_swapped_in_through_data(case):
    """EMA weight swaps (Lightning's weight averaging, torch_ema's copy_to) write ``p.data``,
    which no version counter sees: step must still use the new weights."""
    live, other = block(case, seed=0), block(case, seed=1)
    x = torch.randn(2, 3)
    live.step(x, live.default_state(2))  # caches the live weights' discretisation
    for p, q in zip(live.parameters(), other.parameters(), strict=True):
        p.data.copy_(q.data)
    got, _ = live.step(x, live.default_state(2))
    want, _ = other.step(x, other.default_state(2))
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize("case", ["s4d", "s5"])
@torch.no_grad()
def test_step_follows_a_change_of_precision(case):
    b = block(case)
    x = torch.randn(2, 3)
    b.step(x, b.default_state(2))
    b.double()  # float32 values are exact in float64: only the dtype tells the cache apart
    y, state = b.step(x.double(), b.default_state(2))
    assert y.dtype == torch.float64 and state.dtype in (torch.float64, torch.complex128)
