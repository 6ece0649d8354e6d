"""Misuse a researcher would try: wrong shapes, states, rates and precisions get a ConfigError naming
the argument; empty batches and empty sequences work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.core import DiagonalSSM, FFTConv, SSMBlock, build_ssm
from ssm_ts.errors import ConfigError
from tests.core.ssm_cases import CONTINUOUS, SSM_CASES

H = 4
SCAN_CASES = {"scan-s5": ("scan", {"variant": "s5"}), "scan-selective": ("scan", {"variant": "selective"})}
ALL_CASES = {**SSM_CASES, **SCAN_CASES}


def make_block(case: str, **kwargs) -> SSMBlock:
    name, options = ALL_CASES[case]
    return SSMBlock(d_model=H, ssm=name, d_state=8, ssm_options=options, **kwargs).eval()


@pytest.mark.parametrize("case", ALL_CASES)
def test_wrong_input_shapes_name_the_layout(case):
    block = make_block(case)
    with pytest.raises(ConfigError, match=r"looks like \(batch, channels, length\)"):
        block(torch.randn(2, H, 9))
    with pytest.raises(ConfigError, match=r"channels=4\), got shape \(2, 9, 5\)"):
        block(torch.randn(2, 9, 5))
    with pytest.raises(ConfigError, match=r"for one sequence pass x.unsqueeze\(0\)"):
        block(torch.randn(9, H))  # a 2-D input used to be convolved along the batch axis


@pytest.mark.parametrize("case", ALL_CASES)
def test_step_checks_input_and_state_shapes(case):
    block = make_block(case)
    state = block.default_state(2)
    with pytest.raises(ConfigError, match="state must be"):
        block.step(torch.randn(2, H), torch.zeros(2, 3))
    with pytest.raises(ConfigError, match="state must be"):
        block(torch.randn(2, 5, H), state=state[:1])
    with pytest.raises(ConfigError, match="x must be one time step"):
        block.step(torch.randn(H), state)


WIDER = {torch.float32: torch.float64, torch.complex64: torch.complex128}


@pytest.mark.parametrize("case", ALL_CASES)
@torch.no_grad()
def test_a_state_of_another_dtype_is_a_config_error_naming_both(case):
    block = make_block(case)
    state = block.default_state(2)
    wrong = [state.to(WIDER[state.dtype])]
    if state.is_complex():
        wrong.append(torch.zeros(state.shape))  # a real state: step rejected it, forward took it
    for bad in wrong:
        pattern = rf"state must be {state.dtype}.*got {bad.dtype}"
        with pytest.raises(ConfigError, match=pattern):
            block(torch.randn(2, 5, H), state=bad)
        with pytest.raises(ConfigError, match=pattern):
            block.step(torch.randn(2, H), bad)


@pytest.mark.parametrize("case", ALL_CASES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_state_dtype_is_the_dtype_of_default_state(case, dtype):
    ssm = make_block(case).to(dtype).conv.ssm
    assert ssm.state_dtype() == ssm.default_state(1).dtype


@pytest.mark.parametrize("case", ALL_CASES)
@torch.no_grad()
def test_a_state_returned_under_autocast_continues_under_autocast(case):
    block = make_block(case)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, state = block(torch.randn(2, 5, H), return_state=True)
        block(torch.randn(2, 5, H), state=state)
        block.step(torch.randn(2, H), state)


@pytest.mark.parametrize("case", ALL_CASES)
@torch.no_grad()
def test_empty_batch_and_empty_sequence(case):
    block = make_block(case)
    y, state = block(torch.randn(0, 9, H), state=block.default_state(0), return_state=True)
    assert y.shape == (0, 9, H) and state.shape[0] == 0
    x = torch.randn(2, 0, H)
    start = block.default_state(2) + 1  # a non-zero state passes through an empty chunk unchanged
    y, state = block(x, state=start, return_state=True)
    assert y.shape == (2, 0, H) and torch.equal(state, start)


@pytest.mark.parametrize("case", sorted(CONTINUOUS) + ["scan-s5", "scan-selective"])
@pytest.mark.parametrize("rate", [0, -0.5, float("nan"), float("inf"), "2", True])
def test_rate_must_be_a_positive_number(case, rate):
    block = make_block(case)
    with pytest.raises(ConfigError, match="rate must be a finite number > 0"):
        block(torch.randn(1, 5, H), rate=rate)


def test_discrete_time_rate_error_shows_the_value():
    with pytest.raises(ConfigError, match="rate must be 1.0, got '1'"):
        make_block("companion")(torch.randn(1, 5, H), rate="1")


@pytest.mark.parametrize("case", ["diagonal-zoh", "dplr", "companion", "shift", "scan-s5"])
def test_half_precision_outside_autocast_is_explained(case):
    block = make_block(case)
    with pytest.raises(ConfigError, match="bfloat16 but the .* parameters are torch.float32.*autocast"):
        block(torch.randn(1, 5, H, dtype=torch.bfloat16))
    with pytest.raises(ConfigError, match="parameters are torch.bfloat16, which its kernels cannot use"):
        block.bfloat16()(torch.randn(1, 5, H, dtype=torch.bfloat16))


def test_selective_scan_runs_in_bfloat16():
    block = make_block("scan-selective").bfloat16()
    assert block(torch.randn(1, 5, H, dtype=torch.bfloat16)).dtype == torch.bfloat16


@pytest.mark.parametrize("case", ["diagonal-zoh", "dplr", "companion"])
def test_autocast_bfloat16_after_a_linear_layer_runs_forward_and_backward(case):
    name, options = ALL_CASES[case]
    block = SSMBlock(d_model=H, ssm=name, d_state=8, ssm_options=options, norm="none")
    model = torch.nn.Sequential(torch.nn.Linear(3, H), block)  # the block gets a bfloat16 input
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = model(torch.randn(2, 9, 3))
    y.float().sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_step_in_training_mode_with_batch_norm_is_refused():
    block = make_block("diagonal-zoh", norm="batch").train()
    with pytest.raises(ConfigError, match=r"norm='batch' in training mode.*\.eval\(\)"):
        block.step(torch.randn(2, H), block.default_state(2))
    block.eval().step(torch.randn(2, H), block.default_state(2))


def test_ssm_module_arguments_are_not_silently_ignored():
    ssm = build_ssm("s4d", d_model=H, d_state=8)
    with pytest.raises(ConfigError, match=r"ssm_options \['init'\] are for building an SSM by name"):
        FFTConv(d_model=H, ssm=ssm, ssm_options={"init": "lin"})
    with pytest.raises(ConfigError, match="module has d_model=4, but d_model=6 was given"):
        SSMBlock(d_model=6, ssm=ssm)
    with pytest.raises(ConfigError, match="bidirectional=True needs two SSMs"):
        FFTConv(d_model=H, ssm=ssm, bidirectional=True)  # the same module both ways would tie them
    with pytest.raises(ConfigError, match="module has d_state=8, but d_state=16 was given"):
        SSMBlock(d_model=H, ssm=ssm, d_state=16)  # was built with the module's 8, silently
    assert SSMBlock(d_model=H, ssm=ssm, d_state=8).conv.ssm is ssm  # the same size passes
    assert SSMBlock(d_model=H, ssm="s4d").conv.ssm.d_state == 64  # by name, the default size


@pytest.mark.parametrize("case", ALL_CASES)
@pytest.mark.parametrize(
    ("dtype", "found"),
    [(torch.int64, "torch.int64"), (torch.bool, "torch.bool"), (torch.float64, "torch.float64")],
)
def test_an_input_of_another_dtype_is_a_config_error_not_a_layer_norm_traceback(case, dtype, found):
    """Integer or float64 data into a float32 block failed in LayerNorm ('mixed dtype (CPU)')."""
    block = make_block(case)
    pattern = rf"x is {found} but the .* parameters are torch.float32.*x.float\(\)"
    with pytest.raises(ConfigError, match=pattern):
        block(torch.ones(2, 5, H, dtype=dtype))
    with pytest.raises(ConfigError, match=pattern):
        block.step(torch.ones(2, H, dtype=dtype), block.default_state(2))
    with pytest.raises(ConfigError, match=pattern):
        block.conv(torch.ones(2, 5, H, dtype=dtype))  # FFTConv alone promoted float64 silently


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_integer_input_is_not_told_to_convert_the_model_to_its_dtype(dtype):
    """The advice read "or convert the model (model.to(torch.int64) ...)": no model runs in integers."""
    block = make_block("diagonal-zoh")
    with pytest.raises(ConfigError) as caught:
        block(torch.ones(2, 5, H, dtype=dtype))
    assert "x.float()" in str(caught.value)
    assert "model.to" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"x.float\(\), or convert the model: model.to\(torch.float64\)"):
        block(torch.ones(2, 5, H, dtype=torch.float64))


@pytest.mark.parametrize("case", ["diagonal-zoh", "scan-selective"])
def test_float32_input_into_a_float64_block_names_both_dtypes(case):
    block = make_block(case).double()
    with pytest.raises(ConfigError, match=r"x is torch.float32 but .* parameters are torch.float64"):
        block(torch.randn(2, 5, H))
    assert block(torch.randn(2, 5, H, dtype=torch.float64)).dtype == torch.float64


def test_a_numpy_array_or_list_is_a_config_error():
    block = make_block("diagonal-zoh")
    with pytest.raises(ConfigError, match=r"x must be a torch.Tensor, got numpy.ndarray.*torch.as_tensor"):
        block(np.zeros((1, 5, H), dtype=np.float32))
    with pytest.raises(ConfigError, match=r"x must be a torch.Tensor, got list"):
        block.step([[0.0] * H], block.default_state(1))


@pytest.mark.parametrize("case", ALL_CASES)
def test_a_mask_of_the_wrong_shape_names_the_expected_one(case):
    block = make_block(case)
    with pytest.raises(ConfigError, match=r"mask must be \(batch, length\) = \(2, 9\), got \(2, 4\)"):
        block(torch.randn(2, 9, H), mask=torch.ones(2, H))


@pytest.mark.parametrize("case", ALL_CASES)
@torch.no_grad()
def test_nan_at_masked_padded_steps_does_not_reach_the_real_steps(case):
    """Padding filled with NaN (pandas' default) and masked out: masking multiplied by 0, NaN * 0 = NaN."""
    block = make_block(case)
    x = torch.randn(2, 9, H)
    mask = torch.ones(2, 9)
    mask[:, 6:] = 0
    clean = block(x.masked_fill(mask.unsqueeze(-1) == 0, 0.0), mask=mask)
    padded = block(x.masked_fill(mask.unsqueeze(-1) == 0, float("nan")), mask=mask)
    assert torch.equal(padded[:, :6], clean[:, :6])


@pytest.mark.parametrize("case", SSM_CASES)
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_input_to_the_fft_convolution_is_a_config_error_naming_its_position(case, bad):
    """The FFT spreads one NaN at the last step to every step, the earlier ones too (the
    convolution stops being causal); step() and the scans only poison later steps."""
    block = make_block(case)
    x = torch.randn(2, 9, H)
    x[1, 8, 2] = bad
    with pytest.raises(ConfigError, match=r"1 NaN/inf value.*first at batch 1, step 8, channel 2"):
        block(x)
    with pytest.raises(ConfigError, match=r"FFTConv: x holds 1 NaN/inf.*batch 1, step 8, channel 2") as err:
        block.conv(x)
    assert "a layer before this one overflowed" in str(err.value)  # clean data: where else to look


def test_block_constructor_arguments_are_checked_before_any_layer_is_built():
    with pytest.raises(ConfigError, match="SSMBlock: d_model must be an integer >= 1, got 2.0"):
        SSMBlock(d_model=2.0)  # was "'float' object is not iterable" from LayerNorm
    with pytest.raises(ConfigError, match=r"SSMBlock: dropout must be a number in \[0, 1\], got 1.5"):
        SSMBlock(d_model=2, dropout=1.5)


@pytest.mark.parametrize("case", SSM_CASES)
@pytest.mark.parametrize("L", [-1, 2.5, True])
def test_kernel_length_must_be_an_integer_of_zero_or_more(case, L):
    """kernel(-1) of the shift SSM returned (H, N - 1) silently; the others failed deep in torch."""
    ssm = make_block(case).conv.ssm
    with pytest.raises(ConfigError, match=rf"{type(ssm).__name__}.kernel: L must be an integer >= 0"):
        ssm.kernel(L)


@pytest.mark.parametrize("case", SSM_CASES)
def test_a_zero_length_kernel_is_empty(case):
    """DPLR's kernel(0) failed in irfft, the companion's with ZeroDivisionError."""
    ssm = make_block(case).conv.ssm
    assert ssm.kernel(0).shape == (H, 0)


def test_shift_taps_of_the_wrong_length_name_the_expected_shape():
    ssm = build_ssm("shift", d_model=H, d_state=8)
    with pytest.raises(ConfigError, match=r"taps must be \(H, N\) = \(4, 8\) or \(N,\) = \(8,\), got \(5,\)"):
        ssm.set_taps(torch.ones(5))
    ssm.set_taps(torch.arange(8.0))
    assert torch.equal(ssm.kernel(8), torch.arange(8.0).expand(H, 8))


def test_ssm_argument_mistakes_are_config_errors():
    with pytest.raises(
        ConfigError, match=r"ssm_options \['d_state'\]: give d_model and d_state as arguments"
    ):
        SSMBlock(d_model=H, ssm_options={"d_state": 8})  # was build_ssm's "multiple values" TypeError
    with pytest.raises(ConfigError, match="ssm_options must be a dict of the SSM's options, got list"):
        SSMBlock(d_model=H, ssm_options=["init"])
    with pytest.raises(ConfigError, match=r"ssm=DiagonalSSM is a class: pass its name"):
        SSMBlock(d_model=H, ssm=DiagonalSSM)
    with pytest.raises(
        ConfigError, match="ssm must be an SSM's name or an ssm_ts.core.SSM module.*got a Linear"
    ):
        SSMBlock(d_model=H, ssm=torch.nn.Linear(H, H))  # failed at the first forward ('no attribute kernel')


def test_scan_forward_sequence_names_a_channels_first_input():
    ssm = build_ssm("scan", d_model=H, d_state=8)
    with pytest.raises(
        ConfigError, match=r"forward_sequence: u must be \(batch, length, 4\), got \(2, 4, 9\)"
    ):
        ssm.forward_sequence(torch.randn(2, H, 9))


@torch.no_grad()
def test_large_finite_inputs_whose_sum_overflows_are_not_called_non_finite():
    """The NaN/inf screen sums the input first; an overflowing sum of finite values must pass."""
    block = make_block("diagonal-zoh", norm="none")
    x = torch.full((2, 5, H), 3e38)
    assert not torch.isfinite(x.sum())
    block.conv(x)  # no ConfigError (the output itself may overflow)


@pytest.mark.parametrize("case", ["diagonal-zoh", "dplr"])
def test_non_finite_activations_from_diverged_training_are_no_config_error(case):
    """A diverging fit (lr 1e4) fed NaN activations to later blocks: a ConfigError blamed the data
    and stopped a tuning search; the training loop's NaN-loss check is what reports divergence."""
    x = torch.full((2, 9, H), float("nan"))
    assert torch.isnan(make_block(case).train()(x)).all()  # training: left to the NaN-loss check
    block = make_block(case)
    with torch.no_grad():
        block.conv.ssm.C.fill_(float("nan"))  # this block's own weights diverged too
    assert torch.isnan(block(x)).all()


@pytest.mark.parametrize("case", SSM_CASES)
def test_final_state_and_state_response_name_a_sequence_in_the_wrong_layout(case):
    """A researcher's own convolution calling the protocol with (B, L, H) failed deep inside an einsum."""
    name, options = SSM_CASES[case]
    ssm = build_ssm(name, d_model=H, d_state=8, **options)
    state = ssm.default_state(2)
    with pytest.raises(
        ConfigError, match=rf"final_state: u must be \(batch, {H}, length\).*got u \(2, 7, 4\)"
    ):
        ssm.final_state(torch.randn(2, 7, H), state)
    with pytest.raises(ConfigError, match=r"final_state: .*got u \(2, 4, 7\), state \(3,"):
        ssm.final_state(torch.randn(2, H, 7), ssm.default_state(3))
    with pytest.raises(ConfigError, match=r"state_response: state must be \(\*batch, 4, "):
        ssm.state_response(state[..., 1:], 7)  # one mode short
    assert ssm.final_state(torch.randn(2, H, 7), state).shape == state.shape
    assert ssm.state_response(state[0], 7).shape == (H, 7)  # no batch axis: as default_state() makes it


@pytest.mark.parametrize("case", ALL_CASES)
@torch.no_grad()
def test_a_block_built_under_a_float64_default_dtype_is_float64_throughout(case):
    """After torch.set_default_dtype(torch.float64) the S4D, S4 and scan SSMs still made float32
    parameters beside float64 norm and linear layers: neither float32 nor float64 input ran."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        block = make_block(case)
    finally:
        torch.set_default_dtype(previous)
    assert {p.dtype for p in block.parameters()} == {torch.float64}
    x = torch.randn(2, 5, H, dtype=torch.float64)
    state, steps = block.default_state(2), []
    for t in range(5):
        y, state = block.step(x[:, t], state)
        steps.append(y)
    torch.testing.assert_close(torch.stack(steps, 1), block(x))
