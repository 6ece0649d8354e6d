"""SaShiMi: pooling and the whole network agree between convolution and step mode; generation is exact."""

from __future__ import annotations

import copy

import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.models.pooling import DownPool, UpPool
from ssm_ts.models.sashimi import SaShiMi, sashimi_config
from ssm_ts.models.sashimi_recurrent import SaShiMiRecurrence

pytestmark = pytest.mark.usefixtures("single_thread")


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


def test_down_and_up_pooling_agree_between_step_and_conv_mode():
    down, up = DownPool(3, 6, 4), UpPool(6, 3, 4)
    x = torch.randn(2, 16, 3)
    with torch.no_grad():
        pooled = down(x)
        y = up(pooled)
        buf_d, buf_u = down.default_state(2), up.default_state(2)
        ys = []
        for t in range(16):
            ys.append(up.read(buf_u, t).clone())
            coarse = down.step(x[:, t], buf_d, t)
            if coarse is not None:
                torch.testing.assert_close(coarse, pooled[:, t // 4])
                up.refill(coarse, buf_u)
    torch.testing.assert_close(torch.stack(ys, 1), y)
    # causal: the first window of the up-pooled output is all zeros, the rest reads only the past
    assert (y[:, :4] == 0).all()


def test_network_is_causal():
    model = SaShiMi(**sashimi_config("tiny").to_dict()).eval()
    codes = torch.randint(0, 256, (1, 40))
    changed = codes.clone()
    changed[:, 25:] = (changed[:, 25:] + 7) % 256
    with torch.no_grad():
        a, b = model(codes), model(changed)
    torch.testing.assert_close(a[:, :25], b[:, :25])
    assert not torch.allclose(a[:, 25:], b[:, 25:])


@pytest.mark.parametrize(
    "ssm, ssm_options",
    [
        ("diagonal", {}),
        ("dplr", {}),
        # no per-channel dense form: the fast recurrence steps these blocks as modules
        ("scan", {"variant": "s5"}),
        ("scan", {"variant": "lru"}),
        ("scan", {"variant": "selective"}),
    ],
)
def test_step_and_fast_recurrence_equal_forward(ssm, ssm_options):
    config = sashimi_config("tiny", ssm=ssm, ssm_options=ssm_options, pool=[2, 4])
    model = SaShiMi(**config.to_dict()).eval()
    codes = torch.randint(0, 256, (2, 45))  # not a multiple of the pooling: padded internally
    with torch.no_grad():
        ref = model(codes)
        state, steps = model.default_state(2), []
        for t in range(codes.shape[1]):
            out, state = model.step(codes[:, t], state)
            steps.append(out)
    assert _rel(torch.stack(steps, 1), ref) < 1e-4
    assert _rel(SaShiMiRecurrence(model).sequence_logits(codes), ref) < 1e-4


def test_fused_cpu_kernel_and_pytorch_step_agree(monkeypatch):
    from ssm_ts.kernels import cpu_fused_step as cpu_step_kernel

    if cpu_step_kernel.load() is None:
        pytest.skip("no C compiler: the fused CPU kernel is unavailable (generation uses PyTorch ops)")
    torch.manual_seed(2)
    model = SaShiMi(**sashimi_config("tiny", d_model=16, n_layers=2, d_state=16).to_dict()).eval()
    codes = torch.randint(0, 256, (3, 40))
    fused = SaShiMiRecurrence(model)
    assert any(any(level.fused) for level in (fused.top, fused.top.inner))
    monkeypatch.setattr(cpu_step_kernel, "load", lambda: None)
    plain = SaShiMiRecurrence(model)
    assert not any(plain.top.fused)
    torch.testing.assert_close(
        fused.sequence_logits(codes), plain.sequence_logits(codes), rtol=1e-5, atol=1e-5
    )


def test_generated_sequence_log_likelihood_matches_teacher_forcing():
    torch.manual_seed(1)
    model = SaShiMi(**sashimi_config("tiny", d_model=16, n_layers=2, d_state=16).to_dict()).eval()
    rec = SaShiMiRecurrence(model)
    gen = torch.Generator().manual_seed(0)
    codes = rec.generate(3, 300, first_code=128, generator=gen)
    inputs = torch.cat([torch.full((3, 1), 128), codes[:, :-1]], dim=1)
    with torch.no_grad():
        ll_forward = torch.log_softmax(model(inputs), -1).gather(-1, codes[..., None]).sum()
    ll_step = torch.log_softmax(rec.sequence_logits(inputs), -1).gather(-1, codes[..., None]).sum()
    assert abs(ll_step - ll_forward) / abs(ll_forward) < 1e-4


def test_sampling_options_and_prompt():
    torch.manual_seed(0)
    model = SaShiMi(**sashimi_config("tiny").to_dict()).eval()
    rec = SaShiMiRecurrence(model)
    prompt = torch.randint(0, 256, (2, 10))
    out = rec.generate(2, 30, 128, prompt=prompt, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 30) and torch.equal(out[:, :10], prompt)
    greedy_like = rec.generate(2, 30, 128, top_p=1e-6, generator=torch.Generator().manual_seed(0))
    again = rec.generate(2, 30, 128, top_p=1e-6, generator=torch.Generator().manual_seed(5))
    assert torch.equal(greedy_like, again)  # top_p -> 0 keeps only the most likely code: deterministic
    cold = rec.generate(1, 200, 128, temperature=1e-6, generator=torch.Generator().manual_seed(1))
    assert torch.equal(
        cold, rec.generate(1, 200, 128, temperature=1e-6, generator=torch.Generator().manual_seed(2))
    )


def test_default_is_the_published_sc09_configuration():
    cfg = sashimi_config()
    assert (cfg.d_model, cfg.n_layers, cfg.pool, cfg.expand, cfg.d_state, cfg.ssm) == (
        64,
        8,
        [4, 4],
        2,
        64,
        "diagonal",
    )
    model = SaShiMi.from_config(cfg)
    assert model.body.inner.inner.d_model == 256
    assert 4e6 < sum(p.numel() for p in model.parameters()) < 6e6


def test_step_keeps_its_state_tensors_in_place_as_cuda_graphs_need(monkeypatch):
    """CUDA graph replay reads and writes fixed addresses: the PyTorch step (the CUDA path) must update
    every persistent tensor in place, over a whole pooling period, and zero_() must equal a fresh reset."""
    from ssm_ts.kernels import cpu_fused_step as cpu_step_kernel
    from ssm_ts.models.sashimi_recurrent import CUDAGraphStep

    monkeypatch.setattr(cpu_step_kernel, "load", lambda: None)  # the path CUDA runs
    torch.manual_seed(3)
    model = SaShiMi(**sashimi_config("tiny", pool=[2, 3]).to_dict()).eval()
    rec = SaShiMiRecurrence(model)
    rec.reset(2)
    assert rec.top.period() == 6
    tensors = rec.top.persistent()
    pointers = [t.data_ptr() for t in tensors]
    codes = torch.randint(0, 256, (2, 13))
    with torch.inference_mode():
        first = torch.stack([rec.step(codes[:, t]) for t in range(13)], 1)
        assert [t.data_ptr() for t in rec.top.persistent()] == pointers
        assert any(t.abs().sum() > 0 for t in tensors)
        rec.top.zero_()
        rec.t = 0
        again = torch.stack([rec.step(codes[:, t]) for t in range(13)], 1)
    torch.testing.assert_close(again, first)
    with pytest.raises(ConfigError, match="CUDA"):
        CUDAGraphStep(rec, 2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_cuda_graph_generation_equals_eager_generation():
    torch.manual_seed(4)
    model = SaShiMi(**sashimi_config("tiny", pool=[2, 2]).to_dict()).cuda().eval()
    rec = SaShiMiRecurrence(model)
    graphed = rec.generate(3, 50, 128, generator=torch.Generator("cuda").manual_seed(0))
    rec.cuda_graphs = False
    eager = rec.generate(3, 50, 128, generator=torch.Generator("cuda").manual_seed(0))
    assert torch.equal(graphed, eager)


def test_a_model_that_has_stepped_can_be_saved_whole(tmp_path):
    model = SaShiMi(**sashimi_config("tiny").to_dict()).eval()
    code = torch.tensor([3, 7])
    with torch.no_grad():
        want, _ = model.step(code, model.default_state(2))  # caches each SSM's discretisation
        torch.save(model, tmp_path / "model.pt")
        loaded = torch.load(tmp_path / "model.pt", weights_only=False)
        got, _ = loaded.step(code, loaded.default_state(2))
    torch.testing.assert_close(got, want)


def test_a_scan_ssm_model_generates():
    model = SaShiMi(**sashimi_config("tiny", ssm="scan", pool=[2]).to_dict()).eval()
    rec = SaShiMiRecurrence(model)
    assert not rec.top.capturable()  # CUDA generation replays no graphs for it
    codes = rec.generate(2, 40, first_code=128, generator=torch.Generator().manual_seed(0))
    assert codes.shape == (2, 40) and ((codes >= 0) & (codes < 256)).all()


def test_codes_outside_the_model_are_config_errors():
    """They were an IndexError from the embedding lookup."""
    model = SaShiMi(**sashimi_config("tiny", n_classes=16).to_dict()).eval()
    rec = SaShiMiRecurrence(model)
    with pytest.raises(ConfigError, match=r"first_code .* codes are 0 \.\. 15 \(n_classes=16\), got 99"):
        rec.generate(1, 3, 99)
    with pytest.raises(ConfigError, match=r"prompt holds codes outside .* got 1 \.\. 99"):
        rec.generate(1, 3, 8, prompt=torch.tensor([[1, 99]]))
    with pytest.raises(ConfigError, match=r"got -1 \.\. 2"):
        rec.generate(1, 3, 8, prompt=torch.tensor([[-1, 2]]))


@pytest.mark.parametrize("top_p", [None, 0.9])
def test_a_float64_model_generates_the_codes_its_float32_copy_does(top_p):
    # before: a model trained at precision="64-true" failed to generate ("self and mat2 must have the
    # same dtype"), in WaveformGenerator.generate and in the fit's listening samples
    torch.manual_seed(0)
    model = SaShiMi(**sashimi_config("tiny").to_dict()).eval()
    codes = [
        SaShiMiRecurrence(net).generate(2, 40, 128, top_p=top_p, generator=torch.Generator().manual_seed(3))
        for net in (model, copy.deepcopy(model).double())
    ]
    assert torch.equal(codes[0], codes[1])
