"""Building SSMs by name with checked options, and the SSM optimizer group."""

from __future__ import annotations

import copy

import pytest
import torch

from ssm_ts.core import SSMBlock, build_ssm, ssm_param_groups
from ssm_ts.errors import ConfigError


def test_unknown_ssm_and_unknown_option_are_config_errors():
    with pytest.raises(ConfigError, match="unknown SSM 'nope'"):
        build_ssm("nope", d_model=2)
    with pytest.raises(ConfigError, match=r"does not take option\(s\) \['dt_mn'\]; valid options: .*dt_min"):
        build_ssm("s4d", d_model=2, dt_mn=0.1)


@pytest.mark.parametrize("name", ["s4d", "s4", "companion", "shift", "scan"])
@pytest.mark.parametrize(
    ("argument", "value"), [("d_model", 0), ("d_model", 2.5), ("d_state", "8"), ("d_state", True)]
)
def test_sizes_must_be_positive_integers(name, argument, value):
    sizes = {"d_model": 2, "d_state": 4, argument: value}
    with pytest.raises(ConfigError, match=f"{argument} must be an (even )?integer >= [12], got {value!r}"):
        build_ssm(name, **sizes)


@pytest.mark.parametrize("name", ["s4d", "s4"])
def test_conjugate_pair_ssms_need_an_even_state(name):
    with pytest.raises(ConfigError, match="d_state must be an even integer >= 2, got 7"):
        build_ssm(name, d_model=2, d_state=7)


@pytest.mark.parametrize("name", ["s4d", "s4", "scan"])
@pytest.mark.parametrize(
    ("dt_min", "dt_max"), [(0.1, 0.01), (0.0, 0.1), (1e-3, float("inf")), ("0.001", 0.1)]
)
def test_dt_range_must_be_finite_and_ordered(name, dt_min, dt_max):
    with pytest.raises(ConfigError, match=r"0 < dt_min <= dt_max, got dt_min="):
        build_ssm(name, d_model=2, d_state=4, dt_min=dt_min, dt_max=dt_max)


def test_scan_options_are_checked_when_built():
    with pytest.raises(ConfigError, match="dt_rank must be an integer >= 1, got 0"):
        build_ssm("scan", d_model=2, variant="selective", dt_rank=0)  # 0 used to mean the default
    with pytest.raises(ConfigError, match="unknown backend 'cuda'"):
        build_ssm("scan", d_model=2, backend="cuda")


def test_companion_with_a_frozen_last_column_is_a_shift():
    ssm = build_ssm("companion", d_model=2, d_state=4, learn_a=False)
    assert not ssm.a_raw.requires_grad and torch.equal(ssm.last_column(), torch.zeros(2, 4))


def test_block_argument_errors_name_the_choices():
    with pytest.raises(ConfigError, match="unknown norm 'group'"):
        SSMBlock(d_model=4, norm="group")


def test_ssm_parameters_get_low_lr_and_no_weight_decay():
    block = SSMBlock(d_model=8, d_state=16)
    groups = ssm_param_groups(block, lr=1e-2, weight_decay=0.1)
    ssm_group = groups[0]
    ssm_names = {n for n, p in block.named_parameters() if any(p is q for q in ssm_group["params"])}
    assert ssm_names == {"conv.ssm.log_dt", "conv.ssm.A_real_raw", "conv.ssm.A_imag", "conv.ssm.B"}
    assert ssm_group["lr"] == 1e-3 and ssm_group["weight_decay"] == 0.0
    assert sum(len(g["params"]) for g in groups) == len(list(block.parameters()))
    torch.optim.AdamW(groups, lr=1e-2)  # accepted by a real optimizer


@torch.no_grad()
def test_step_cache_follows_parameter_updates():
    ssm = build_ssm("s4d", d_model=2, d_state=4)
    u, state = torch.ones(1, 2), ssm.default_state(1)
    before, _ = ssm.step(u, state)
    ssm.C.mul_(2.0)  # an in-place update, like an optimizer step
    after, _ = ssm.step(u, state)
    assert torch.allclose(after, 2 * before)


def _ssm_group_names(module: torch.nn.Module) -> set[str]:
    groups = ssm_param_groups(module, lr=4e-3, weight_decay=0.1)
    ssm = [g for g in groups if g["weight_decay"] == 0.0 and g["lr"] == 1e-3]
    assert len(ssm) == 1
    return {n for n, p in module.named_parameters() if any(p is q for q in ssm[0]["params"])}


SSM_GROUPS = {
    "s4d": ({}, {"log_dt", "A_real_raw", "A_imag", "B"}),
    "s4": ({}, {"log_dt", "log_neg_real", "Lambda_imag", "P", "B"}),
    "companion": ({}, {"a_raw", "b"}),
    "scan": ({"variant": "s5"}, {"Lambda_log_neg_real", "Lambda_imag", "log_dt", "B"}),
    "scan-lru": ({"variant": "lru"}, {"nu_log", "theta_log", "B"}),
    "scan-selective": ({"variant": "selective"}, {"A_log", "dt_bias"}),
}


@pytest.mark.parametrize("case", SSM_GROUPS)
@pytest.mark.parametrize("remake", ["none", "deepcopy", "load_state_dict(assign=True)", "meta device"])
def test_the_ssm_group_survives_copies_and_reloads(case, remake):
    """The group is found by module type and parameter name: copies, assign-loads and meta-device
    builds make new Parameter objects, which lost a flag set on the old ones (A, B and dt then got
    the full learning rate and weight decay)."""
    options, names = SSM_GROUPS[case]
    name = case.split("-")[0]
    block = SSMBlock(d_model=4, ssm=name, d_state=4, ssm_options=options)
    if remake == "deepcopy":
        block = copy.deepcopy(block)
    elif remake == "load_state_dict(assign=True)":
        other = SSMBlock(d_model=4, ssm=name, d_state=4, ssm_options=options)
        other.load_state_dict(block.state_dict(), assign=True)
        block = other
    elif remake == "meta device":
        with torch.device("meta"):
            meta = SSMBlock(d_model=4, ssm=name, d_state=4, ssm_options=options)
        meta.load_state_dict(block.state_dict(), assign=True)
        block = meta
    assert _ssm_group_names(block) == {f"conv.ssm.{n}" for n in names}


def test_spacetime_decoder_feedback_is_in_the_ssm_group():
    from ssm_ts.models.forecasting_registry import build_forecasting_model

    model = copy.deepcopy(
        build_forecasting_model("spacetime", lookback=8, horizon=4, n_channels=1, n_outputs=1)
    )
    names = _ssm_group_names(model)
    assert {"decoder.k", "decoder.ssm.a_raw", "decoder.ssm.b"} <= names
    assert not any(n.endswith((".c", "C")) for n in names)
