"""On a GPU: every SSM layer and model runs on CUDA (the dispatcher picks the compiled Triton
kernels) and gives what the same weights give on the CPU, forward and backward; on CUDA the
recurrent (step) mode, on the fused Triton step, agrees with the convolution mode.

Skipped without a GPU (CI has none); run on a lent GPU with ``pytest tests/gpu``.
"""

from __future__ import annotations

import copy

import pytest
import torch

from ssm_ts.core import FFTConv
from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.models.s4nd import S4NDEncoder2d, SSMEncoder1d
from ssm_ts.models.sashimi import SaShiMi, sashimi_config
from tests.core.ssm_cases import SSM_CASES
from tests.models.test_forecast_models import MODELS, TINY

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")

H, N = 4, 64


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a.detach().cpu() - b.detach().cpu()).norm() / b.detach().cpu().norm().clamp(min=1e-30)).item()


def forward_backward(model: torch.nn.Module, inputs: tuple, output=lambda out: out):
    """Outputs and parameter gradients of ``sum(output(model(*inputs)) * weights)``."""
    model.zero_grad()
    out = output(model(*inputs))
    torch.manual_seed(1)
    weights = torch.randn(out.shape).to(out.device)
    (out * weights).sum().backward()
    grads = {name: p.grad.detach().cpu() for name, p in model.named_parameters() if p.grad is not None}
    return out.detach().cpu(), grads


def assert_cuda_matches_cpu(model: torch.nn.Module, inputs: tuple, output=lambda out: out):
    """Outputs within 1e-4 and parameter gradients within 1e-3 (relative norms, float32). Gradients
    get the looser bound: small ones are sums with cancellation, and cuFFT and the CPU FFT round
    differently (1.3e-4 was seen on an S4ND gradient)."""
    cpu_out, cpu_grads = forward_backward(model, inputs, output)
    gpu_model = copy.deepcopy(model).cuda()
    gpu_inputs = tuple(t.cuda() if isinstance(t, torch.Tensor) else t for t in inputs)
    gpu_out, gpu_grads = forward_backward(gpu_model, gpu_inputs, output)
    assert rel_err(gpu_out, cpu_out) < 1e-4
    assert gpu_grads.keys() == cpu_grads.keys()
    for name, grad in cpu_grads.items():
        assert rel_err(gpu_grads[name], grad) < 1e-3, name


@pytest.mark.parametrize("case", SSM_CASES)
def test_fftconv_on_cuda_matches_the_cpu(case):
    torch.manual_seed(0)
    name, options = SSM_CASES[case]
    conv = FFTConv(d_model=H, ssm=name, d_state=N, ssm_options=options)
    assert_cuda_matches_cpu(conv, (torch.randn(2, 1000, H),))


@pytest.mark.parametrize("case", SSM_CASES)
@torch.no_grad()
def test_step_mode_on_cuda_agrees_with_conv_mode(case):
    torch.manual_seed(0)
    name, options = SSM_CASES[case]
    conv = FFTConv(d_model=H, ssm=name, d_state=N, ssm_options=options).cuda()
    x = torch.randn(2, 2048, H, device="cuda")
    state, outputs = conv.default_state(2), []
    for t in range(x.shape[1]):
        y, state = conv.step(x[:, t], state)
        outputs.append(y)
    assert rel_err(torch.stack(outputs, 1), conv(x)) < 1e-4


@pytest.mark.parametrize("name", MODELS)
def test_forecasters_on_cuda_match_the_cpu(name):
    torch.manual_seed(0)
    model = build_forecasting_model(
        name,
        lookback=96,
        horizon=24,
        n_channels=3,
        n_outputs=3,
        n_quantiles=1,
        channel_independent=True,
        options=TINY[name],
    ).eval()  # eval: no dropout, so both devices compute the same function
    assert_cuda_matches_cpu(model, (torch.randn(4, 96, 3),), output=lambda out: out.prediction)


@pytest.mark.parametrize("make", [
    lambda: SSMEncoder1d(n_channels=3, n_classes=4, d_model=16, n_layers=2, d_state=16, dropout=0.0),
    lambda: S4NDEncoder2d(n_channels=8, n_classes=5, d_model=8, n_layers=2, d_state=8, dropout=0.0),
], ids=["s4d1d", "s4nd2d"])  # fmt: skip
def test_classifier_encoders_on_cuda_match_the_cpu(make):
    torch.manual_seed(0)
    model = make().eval()
    channels = 3 if isinstance(model, SSMEncoder1d) else 8
    mask = torch.ones(2, 50, dtype=torch.bool)
    mask[1, 40:] = False
    assert_cuda_matches_cpu(model, (torch.randn(2, 50, channels), mask))


def test_sashimi_on_cuda_matches_the_cpu():
    torch.manual_seed(0)
    model = SaShiMi(**sashimi_config("tiny").to_dict()).eval()
    assert_cuda_matches_cpu(model, (torch.randint(0, 256, (2, 256)),))


def test_eval_forward_on_cuda_skips_the_non_finite_input_check_and_never_syncs():
    """The CPU's NaN check (``check_finite``) would read a result back from the GPU in every block's
    forward; on CUDA it is skipped, so NaN input flows through as in PyTorch's own layers."""
    from ssm_ts.core import SSMBlock

    block = SSMBlock(d_model=8, ssm="s4d", d_state=8).cuda().eval()
    x = torch.randn(2, 64, 8, device="cuda")
    x[0, 10, 3] = float("nan")
    torch.cuda.set_sync_debug_mode("error")  # a device-to-host read would raise
    try:
        y = block(x)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert torch.isnan(y[0]).any() and torch.isfinite(y[1]).all()
