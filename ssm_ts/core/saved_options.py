"""The options a state dict was saved with, read back from its shapes, for a load that names them.

A ``state_dict`` holds tensors, not the constructor options that shaped them. Loaded into a module
built with other options (``d_state=32`` weights into a ``d_state=64`` layer), torch fails with a
list of every tensor of another shape (``size mismatch for blocks.0.ssm.ssm.a_raw: ...``), leaving the
user to work out which option it was. :func:`check_options_on_load` registers a load pre-hook that
reads each option from the shapes of the module's own state dict and of the one loaded, the same
way, and names the options that differ (this module's value and the state dict's) before torch's
list is made. The saved format is unchanged: the options are read from the tensors alone.

An option reader (:class:`Axis`, :class:`Ratio`, :class:`Present`, :class:`Count`, :class:`FirstOf`) maps a state dict
(keys relative to the module) to an option's value, ``None`` when the state dict does not show it (a
partial dict, another layout). Readers and hook are plain picklable objects, as modules may be pickled.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from torch import Tensor, nn

from ssm_ts.errors import CheckpointError


class OptionReader(Protocol):
    def __call__(self, state: Mapping[str, Tensor]) -> Any: ...


class OptionMismatchError(CheckpointError, RuntimeError):
    """A state dict saved from a module built with other options; a ``RuntimeError`` too, as torch's
    own load error is, so ``except RuntimeError`` around ``load_state_dict`` keeps catching it."""


@dataclass(frozen=True)
class Axis:
    """The length of axis ``dim`` of tensor ``key`` times ``scale`` (S4D keeps ``d_state / 2`` modes)."""

    key: str
    dim: int
    scale: int = 1

    def __call__(self, state: Mapping[str, Tensor]) -> int | None:
        tensor = state.get(self.key)
        if not isinstance(tensor, Tensor) or tensor.dim() <= self.dim:
            return None
        return int(tensor.shape[self.dim]) * self.scale


@dataclass(frozen=True)
class Ratio:
    """Axis ``dim`` of ``key`` over axis ``over_dim`` of ``over`` (an MLP's width factor)."""

    key: str
    dim: int
    over: str
    over_dim: int

    def __call__(self, state: Mapping[str, Tensor]) -> int | None:
        top, bottom = Axis(self.key, self.dim)(state), Axis(self.over, self.over_dim)(state)
        return None if top is None or not bottom else top // bottom


@dataclass(frozen=True)
class Present:
    """Whether tensor ``key`` is there (an optional part: a linear path), told only by a state dict that
    holds ``anchor`` (a part every model has): a partial one says nothing."""

    key: str
    anchor: str

    def __call__(self, state: Mapping[str, Tensor]) -> bool | None:
        return self.key in state if self.anchor in state else None


@dataclass(frozen=True)
class Count:
    """How many layers ``prefix0.``, ``prefix1.``, ... the state dict holds over ``per`` (SaShiMi keeps an
    SSM block and a feed-forward block per layer); ``None``: none."""

    prefix: str
    per: int = 1

    def __call__(self, state: Mapping[str, Tensor]) -> int | None:
        pattern = re.compile(re.escape(self.prefix) + r"(\d+)\.")
        found = {int(m.group(1)) for key in state if (m := pattern.match(key))}
        return len(found) // self.per or None


@dataclass(frozen=True)
class FirstOf:
    """The first of ``readers`` that reads a value (one option stored under another key by each kind
    of SSM: ``A_real_raw`` of S4D, ``log_neg_real`` of S4)."""

    readers: tuple[OptionReader, ...]

    def __call__(self, state: Mapping[str, Tensor]) -> Any:
        return next((value for reader in self.readers if (value := reader(state)) is not None), None)


# S4D (DiagonalSSM): H rows of N/2 complex modes
DIAGONAL_SSM_SHAPES: dict[str, OptionReader] = {
    "d_model": Axis("A_real_raw", 0),
    "d_state": Axis("A_real_raw", 1, scale=2),
}

# S4 (DPLRSSM): H rows of N/2 modes of its diagonal part
DPLR_SSM_SHAPES: dict[str, OptionReader] = {
    "d_model": Axis("log_neg_real", 0),
    "d_state": Axis("log_neg_real", 1, scale=2),
}


def read_options(state: Mapping[str, Tensor], readers: Mapping[str, OptionReader]) -> dict[str, Any]:
    """``{option: value}`` of the options ``readers`` can read from ``state``."""
    values = {name: reader(state) for name, reader in readers.items()}
    return {name: value for name, value in values.items() if value is not None}


def differing_options(
    own: Mapping[str, Tensor], loaded: Mapping[str, Tensor], readers: Mapping[str, OptionReader]
) -> dict[str, tuple[Any, Any]]:
    """``{option: (this module's value, the loaded state dict's)}`` for the options that differ."""
    expected, found = read_options(own, readers), read_options(loaded, readers)
    return {
        name: (expected[name], found[name])
        for name in expected
        if name in found and expected[name] != found[name]
    }


# where a user sets the options of most models: the forecasters' and the classifier encoders'
FRONT_ENDS = "through a Forecaster or SSMClassifier: its model_options, lookback or horizon"


def mismatch_message(name: str, differing: dict[str, tuple[Any, Any]], through: str = FRONT_ENDS) -> str:
    """What :class:`OptionMismatchError` says: each differing option, expected (this module) vs found
    (the state dict), and the options to build the module with (``through``: where a user sets them).
    Names that are no constructor option (``inputs per step``) are described, not offered as arguments."""
    shown = "; ".join(
        f"{option}: this model has {mine!r}, the state dict {theirs!r}"
        for option, (mine, theirs) in differing.items()
    )
    options = ", ".join(
        f"{option}={theirs!r}" for option, (_, theirs) in differing.items() if option.isidentifier()
    )
    build = f" Build the {name} with {options} ({through}) to load it." if options else ""
    return (
        f"{name}: the state dict was saved from a model built with other options ({shown}), so its tensors "
        f"do not fit this one.{build}"
    )


def option_mismatch(model: nn.Module, state_dict: Mapping[str, Any]) -> str | None:
    """What :class:`OptionMismatchError` would say of loading ``state_dict`` into ``model`` strictly,
    for its outermost part whose options differ (layers added or removed too, which change no shape);
    ``None`` if no part's options differ. For a public load path that caught torch's error."""
    for name, module in model.named_modules():  # outermost first
        readers = getattr(module, "_saved_option_readers", None)
        if readers is None:
            continue
        prefix = f"{name}." if name else ""
        loaded = {key[len(prefix) :]: value for key, value in state_dict.items() if key.startswith(prefix)}
        differing = differing_options(module.state_dict(), loaded, readers)
        if differing:
            return mismatch_message(type(module).__name__, differing, _front_end(module))
    return None


def _front_end(module: nn.Module) -> str:
    return getattr(module, "_saved_option_front_end", FRONT_ENDS)


def _strict_load() -> bool:
    """Whether the ``nn.Module.load_state_dict`` call running this hook is strict. Torch passes its
    module hooks ``strict=True`` whatever the call's (and checks missing and unexpected keys only after
    them), so the call's own frame is read: layers added or removed change no shape, and only a strict
    load fails on them. Outside such a call (a direct ``_load_from_state_dict``): ``False``, torch's say."""
    code = nn.Module.load_state_dict.__code__
    frame = sys._getframe(1)
    while frame is not None and frame.f_code is not code:
        frame = frame.f_back
    return frame is not None and bool(frame.f_locals.get("strict", False))


def _before_load(
    readers: Mapping[str, OptionReader],
    module: nn.Module,
    state_dict: Mapping[str, Any],
    prefix: str,
    local_metadata: Any,
    strict: bool,
    missing_keys: list[str],
    unexpected_keys: list[str],
    error_msgs: list[str],
) -> None:
    """The load pre-hook of :func:`check_options_on_load` (torch's hook signature after ``readers``).
    A tensor of another shape fails the load, strict or not; keys of this module missing from the
    state dict or not this module's (layers added or removed: ``n_layers``, a linear path) fail a
    strict load only (:func:`_strict_load`): a non-strict partial load is the user's choice."""
    loaded = {key[len(prefix) :]: value for key, value in state_dict.items() if key.startswith(prefix)}
    own = module.state_dict()
    reshaped = any(
        isinstance(value, Tensor) and key in own and value.shape != own[key].shape
        for key, value in loaded.items()
    )
    if not reshaped and (loaded.keys() == own.keys() or not _strict_load()):
        return  # torch loads it, or lists the keys a non-strict load left out
    differing = differing_options(own, loaded, readers)
    if differing:
        raise OptionMismatchError(mismatch_message(type(module).__name__, differing, _front_end(module)))


def check_options_on_load(
    module: nn.Module, readers: Mapping[str, OptionReader], front_end: str = FRONT_ENDS
) -> None:
    """Make ``module.load_state_dict`` (and the load of any module holding it, a Lightning task's) raise
    :class:`OptionMismatchError` naming the options of ``readers`` that differ, when a tensor of the
    state dict has another shape than ``module``'s or, loading strictly, its keys differ (another layer
    count); a state dict whose difference no reader explains is left to torch. ``front_end``: where a
    user sets these options, for the fix. The readers are kept on the module for :func:`option_mismatch`."""
    module._saved_option_readers = dict(readers)
    module._saved_option_front_end = front_end
    module.register_load_state_dict_pre_hook(functools.partial(_before_load, dict(readers)))
