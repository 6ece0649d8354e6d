"""FFTConv: an SSM applied as a long convolution, with its skip term D, and SSMBlock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ssm_ts.core.base import SSM, autocast_on, check_size
from ssm_ts.core.parameter_terms import keep_terms
from ssm_ts.core.registry import available_ssms, build_ssm
from ssm_ts.errors import ConfigError
from ssm_ts.whole_numbers import is_real_number


def kernel_spectrum(k: Tensor, L: int) -> Tensor:
    """The FFT (H, n // 2 + 1) of the kernel ``k`` (H, K) that :func:`fft_causal_conv` multiplies a
    length-``L`` input's FFT by, ``n = max(2L, K)``: it depends on the weights and ``L`` alone, so a
    caller may compute it once for many inputs (:class:`FFTConv` does while gradients are off)."""
    return torch.fft.rfft(k, n=max(2 * L, k.shape[-1]))


def fft_causal_conv(u: Tensor, k: Tensor, spectrum: Tensor | None = None) -> Tensor:
    """Causal convolution of ``u`` (..., H, L) with ``k`` (H, K) via FFT, output (..., H, L).

    ``K`` is ``L`` (causal) or ``2L`` (bidirectional kernels laid out for circular convolution).
    ``spectrum``: ``kernel_spectrum(k, L)`` when already computed (the same result, bit for bit).
    """
    L = u.shape[-1]
    if u.numel() == 0:  # an empty batch: the FFT libraries reject zero-sized transforms
        return torch.zeros(u.shape, dtype=torch.promote_types(u.dtype, k.dtype), device=u.device)
    n = max(2 * L, k.shape[-1])
    if spectrum is None:
        spectrum = kernel_spectrum(k, L)
    y = torch.fft.irfft(torch.fft.rfft(u, n=n) * spectrum, n=n)
    return y[..., :L]


LOW_PRECISION = (torch.float16, torch.bfloat16)
_KERNEL_CACHE = "_kernel_cache"  # FFTConv's attribute holding its ParameterTermsCache
DEFAULT_D_STATE = 64  # state size N of an SSM built by name when d_state is not given


def _make_ssm(ssm: str | SSM, d_model: int, d_state: int | None, ssm_options: dict[str, Any] | None) -> SSM:
    if ssm_options is not None and not isinstance(ssm_options, Mapping):
        raise ConfigError(
            f"ssm_options must be a dict of the SSM's options, got {type(ssm_options).__name__}"
        )
    clash = sorted({"d_model", "d_state"} & set(ssm_options or {}))
    if clash:
        raise ConfigError(
            f"ssm_options {clash}: give d_model and d_state as arguments of their own, not options"
        )
    if isinstance(ssm, type):
        raise ConfigError(
            f"ssm={ssm.__name__} is a class: pass its name ({available_ssms()}) or an instance of it"
        )
    if isinstance(ssm, nn.Module) and not isinstance(ssm, SSM):
        raise ConfigError(
            f"ssm must be an SSM's name or an ssm_ts.core.SSM module (kernel, step, default_state), "
            f"got a {type(ssm).__name__}"
        )
    if not isinstance(ssm, nn.Module):
        d_state = DEFAULT_D_STATE if d_state is None else d_state
        return build_ssm(ssm, d_model=d_model, d_state=d_state, **(ssm_options or {}))
    if ssm_options:
        raise ConfigError(
            f"ssm_options {sorted(ssm_options)} are for building an SSM by name; ssm is already a "
            f"{type(ssm).__name__} module, so pass its options to its constructor instead"
        )
    if getattr(ssm, "d_model", d_model) != d_model:
        raise ConfigError(
            f"the {type(ssm).__name__} module has d_model={ssm.d_model}, but d_model={d_model} was given"
        )
    # a module brings its own state size: a different d_state beside it would be silently ignored
    if d_state is not None and getattr(ssm, "d_state", d_state) != d_state:
        raise ConfigError(
            f"the {type(ssm).__name__} module has d_state={ssm.d_state}, but d_state={d_state} was given; "
            "leave d_state out when passing an SSM module (it keeps its own), or build the module with it"
        )
    return ssm


def check_tensor(x: object, owner: str) -> None:
    """Raise :class:`ConfigError` unless ``x`` is a tensor (not a NumPy array or a list)."""
    if not isinstance(x, Tensor):
        kind = type(x)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise ConfigError(
            f"{owner}: x must be a torch.Tensor, got {name}: pass torch.as_tensor(x, dtype=torch.float32)"
        )


def check_sequence(x: Tensor, d_model: int, owner: str) -> None:
    """Raise :class:`ConfigError` unless ``x`` is (batch, length, channels) with ``channels == d_model``."""
    check_tensor(x, owner)
    if x.dim() == 3 and x.shape[-1] == d_model:
        return
    hint = ""
    if x.dim() == 3 and x.shape[1] == d_model:
        hint = "; it looks like (batch, channels, length): pass x.transpose(1, 2)"
    elif x.dim() == 2:
        hint = "; for one sequence pass x.unsqueeze(0), for one time step of a batch use step()"
    elif x.dim() == 3:
        found = x.shape[-1]
        hint = (
            f"; x has {found} channels: build the layer with d_model={found}, or map them first with "
            f"nn.Linear({found}, {d_model})"
        )
    elif x.dim() > 3 and x.shape[-1] == d_model:
        hint = "; one batch axis only: pass x.flatten(0, -3) and reshape the output back"
    raise ConfigError(
        f"{owner}: x must be (batch, length, channels={d_model}), got shape {tuple(x.shape)}{hint}"
    )


def check_state(ssm: SSM, state: Tensor, batch: int) -> None:
    """Raise :class:`ConfigError` unless ``state`` is (batch, *ssm.state_shape()) of ``ssm.state_dtype()``.

    Under ``torch.autocast`` a state in the autocast dtype passes too: forward returns such states."""
    expected = (batch, *ssm.state_shape())
    if tuple(state.shape) != expected:
        raise ConfigError(
            f"state must be {expected} for a batch of {batch}, as default_state({batch}) makes it; "
            f"got {tuple(state.shape)}"
        )
    dtype = ssm.state_dtype()
    if state.dtype == dtype:
        return
    device = state.device.type
    if autocast_on(device) and state.dtype == torch.get_autocast_dtype(device):
        return
    raise ConfigError(
        f"state must be {dtype}, as default_state({batch}) makes it for these {type(ssm).__name__} "
        f"parameters; got {state.dtype}: pass state.to({dtype}) (or default_state({batch}) to start afresh)"
    )


def check_step(ssm: SSM, x: Tensor, state: Tensor) -> None:
    """Raise :class:`ConfigError` unless ``x`` is (batch, H) of the parameters' dtype and ``state``
    (batch, *ssm.state_shape())."""
    check_tensor(x, "step")
    if x.dim() != 2 or x.shape[-1] != ssm.d_model:
        raise ConfigError(
            f"step: x must be one time step (batch, channels={ssm.d_model}), got shape {tuple(x.shape)}"
        )
    check_state(ssm, state, x.shape[0])
    check_precision(ssm, x)


def check_precision(ssm: SSM, x: Tensor) -> None:
    """Raise :class:`ConfigError` for half-precision inputs or SSMs outside ``torch.autocast``.

    The SSM kernels use complex numbers and FFTs, which have no bfloat16 (and lose too much in
    float16); under autocast the kernels run in float32, which works."""
    param = next(ssm.parameters(), None)
    if param is None or autocast_on(x.device.type):
        return
    fix = (
        "keep the model in float32 and use torch.autocast(device_type, dtype=torch.bfloat16) "
        "(Lightning: precision='bf16-mixed')"
    )
    if param.dtype in LOW_PRECISION and not getattr(ssm, "supports_low_precision", False):
        raise ConfigError(
            f"{type(ssm).__name__} parameters are {param.dtype}, which its kernels cannot use; {fix}"
        )
    if x.dtype in LOW_PRECISION and param.dtype not in LOW_PRECISION:
        raise ConfigError(
            f"x is {x.dtype} but the {type(ssm).__name__} parameters are {param.dtype}; {fix}, or pass x.float()"
        )
    if x.dtype != param.dtype:
        # Integers reached LayerNorm ("mixed dtype"); float64 into float32 was silently promoted.
        convert = "x.float()" if param.dtype == torch.float32 else f"x.to({param.dtype})"
        # Converting the model only makes sense to another floating-point dtype (not model.to(torch.int64)).
        or_model = f", or convert the model: model.to({x.dtype})" if x.is_floating_point() else ""
        raise ConfigError(
            f"x is {x.dtype} but the {type(ssm).__name__} parameters are {param.dtype}: pass {convert}{or_model}"
        )


def check_finite(x: Tensor, owner: str, module: nn.Module) -> None:
    """Raise :class:`ConfigError` if ``x`` (B, L, H) holds NaN or inf, naming the first one's position.

    An FFT convolution spreads a single NaN to every output step of its sequence, the earlier ones
    too (recurrent mode only poisons later steps). Only for a ``module`` in eval mode whose own
    weights are finite: in training a NaN is more often divergence than data, and the training
    loop's NaN-loss check names it (a ConfigError there stopped a tuning search at a diverging
    trial). One reduction; skipped while ``torch.compile`` traces (it would break the graph), and on
    GPUs, where reading the result back would make every block's forward wait for the device."""
    if module.training or x.device.type != "cpu" or torch.compiler.is_compiling():
        return
    # The sum first (0.5 ms at 8 x 4096 x 64 where isfinite().all() takes 13): NaN or inf anywhere
    # makes it non-finite; a finite input whose sum overflows falls through to the exact test.
    if bool(torch.isfinite(x.sum())):
        return
    finite = torch.isfinite(x)
    if bool(finite.all()):
        return
    if not all(bool(torch.isfinite(p).all()) for p in module.parameters()):
        return  # diverged weights upstream, not the data
    bad = (~finite).nonzero()
    b, t, h = bad[0].tolist()
    raise ConfigError(
        f"{owner}: x holds {len(bad)} NaN/inf value(s), first at batch {b}, step {t}, channel {h}; the FFT "
        "convolution would spread them to every step of the sequence, earlier ones included. Fill missing "
        "values before the model, or zero padded steps with SSMBlock's mask=. If the model's input is finite, "
        "a layer before this one overflowed (its weights or activations are too large)"
    )


class FFTConv(nn.Module):
    """``y = K * u + D u`` with the kernel ``K`` of an SSM; causal or bidirectional.

    Args:
        d_model: channels H.
        ssm: SSM name for :func:`build_ssm`, or an SSM module.
        d_state: state size N of an SSM built by name (default 64); a module keeps its own, and a
            different ``d_state`` beside it is refused.
        ssm_options: keyword options of the SSM.
        bidirectional: add an anti-causal SSM (no recurrent mode then).
    """

    def __init__(
        self,
        *,
        d_model: int,
        ssm: str | SSM = "diagonal",
        d_state: int | None = None,
        ssm_options: dict[str, Any] | None = None,
        bidirectional: bool = False,
    ):
        super().__init__()
        check_size("FFTConv", "d_model", d_model)
        if bidirectional and isinstance(ssm, nn.Module):
            # The same module in both directions would tie the causal and anti-causal kernels.
            raise ConfigError(
                "bidirectional=True needs two SSMs: pass the SSM's name (and ssm_options), not a module"
            )
        self.d_model, self.bidirectional = d_model, bidirectional
        self.ssm = _make_ssm(ssm, d_model, d_state, ssm_options)
        self.ssm_backward = _make_ssm(ssm, d_model, d_state, ssm_options) if bidirectional else None
        self.D = nn.Parameter(torch.randn(d_model))

    def full_kernel(self, L: int, rate: float = 1.0) -> Tensor:
        """(H, L) causal kernel, or (H, 2L) with the anti-causal half at the end when bidirectional."""
        k = self.ssm.kernel(L, rate)
        if self.ssm_backward is None:
            return k
        k_back = self.ssm_backward.kernel(L, rate)
        # Position 2L - d holds the weight of u[t + d] (d >= 1): circular convolution of length 2L.
        return torch.cat([k, torch.zeros_like(k[..., :1]), k_back[..., : L - 1].flip(-1)], dim=-1)

    def kernel_terms(self, L: int, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """``full_kernel(L, rate)`` and its :func:`kernel_spectrum` for a length-``L`` input.

        Kept between calls while gradients are off and the weights hold the same values
        (:class:`~ssm_ts.core.parameter_terms.ParameterTermsCache`): a forecast's kernels (the companion
        SSM's ``A^L``, S4's Cauchy products) were recomputed for every window. Training recomputes them."""

        def compute() -> tuple[Tensor, Tensor]:
            k = self.full_kernel(L, rate)
            return k, kernel_spectrum(k, L)

        if isinstance(L, Tensor) or isinstance(rate, Tensor):  # traced sizes: no hashable key
            return compute()
        return keep_terms(self, _KERNEL_CACHE, (L, rate), compute)

    def forward(
        self, x: Tensor, state: Tensor | None = None, return_state: bool = False, rate: float = 1.0
    ) -> Tensor | tuple[Tensor, Tensor]:
        """``x`` (B, L, H) -> ``y`` (B, L, H); with ``return_state``, also the state after ``x``.

        ``state`` (from :meth:`default_state`, a previous chunk, or :meth:`step`) continues a sequence.
        """
        if self.bidirectional and (state is not None or return_state):
            raise ConfigError("a bidirectional FFTConv has no recurrent state; use bidirectional=False")
        check_sequence(x, self.d_model, "FFTConv")
        check_precision(self.ssm, x)
        if state is not None:
            check_state(self.ssm, state, x.shape[0])
        if x.shape[1] == 0:  # nothing to convolve: the state passes through unchanged
            return (x, self.default_state(x.shape[0]) if state is None else state) if return_state else x
        if self._leaves_autocast(x):
            with torch.autocast(x.device.type, enabled=False):
                return self.forward(x.to(self.D.dtype), self._own_state(state), return_state, rate)
        if hasattr(self.ssm, "forward_sequence"):
            return self._forward_sequence(x, state, return_state, rate)
        check_finite(x, "FFTConv", self)
        u = x.transpose(-1, -2)  # (B, H, L)
        L = u.shape[-1]
        k, spectrum = self.kernel_terms(L, rate)
        y = fft_causal_conv(u, k, spectrum) + self.D.unsqueeze(-1) * u
        if state is not None:
            y = y + self.ssm.state_response(state, L, rate)
        y = y.transpose(-1, -2)
        if return_state:
            return y, self.ssm.final_state(u, state, rate)
        return y

    def _forward_sequence(
        self, x: Tensor, state: Tensor | None, return_state: bool, rate: float
    ) -> Tensor | tuple[Tensor, Tensor]:
        """SSMs with no fixed kernel (selective scans) run their own recurrence over ``x`` (B, L, H)."""
        y, new_state = self.ssm.forward_sequence(x, state, rate)
        if self.ssm_backward is not None:
            # Anti-causal half as in full_kernel: position t sees only u[t + 1:].
            y_back = self.ssm_backward.forward_sequence(x.flip(1), None, rate)[0].flip(1)
            y = y + torch.cat([y_back[:, 1:], torch.zeros_like(y_back[:, :1])], dim=1)
        y = y + self.D * x
        return (y, new_state) if return_state else y

    def default_state(self, *batch_shape: int) -> Tensor:
        return self.ssm.default_state(*batch_shape)

    def step(self, x: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """``x`` (B, H) -> ``(y (B, H), new_state)``; ``rate`` as in :meth:`forward`."""
        if self.bidirectional:
            raise ConfigError("a bidirectional FFTConv cannot run step by step; use bidirectional=False")
        check_step(self.ssm, x, state)
        return self._step(x, state, rate)

    def _leaves_autocast(self, x: Tensor) -> bool:
        """Whether the SSM must run outside ``torch.autocast`` for ``x``: every SSM but the selective scan.

        Their kernels need float32 or more: under bfloat16 autocast the companion kernel's ``A^L`` and
        the dense SSMs' Krylov states were bfloat16 matmuls, and a companion SSM with an eigenvalue near
        the unit circle gave a kernel wrong by more than its own size."""
        return autocast_on(x.device.type) and not getattr(self.ssm, "supports_low_precision", False)

    def _own_state(self, state: Tensor | None) -> Tensor | None:
        """``state`` in the SSM's state dtype (one returned under autocast may be in the autocast dtype)."""
        return None if state is None else state.to(self.ssm.state_dtype())

    def _step(self, x: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        if self._leaves_autocast(x):
            with torch.autocast(x.device.type, enabled=False):
                return self._step(x.to(self.D.dtype), self._own_state(state), rate)
        # rate only when given: an SSM registered by a user may take step(u, state) alone
        y, state = self.ssm.step(x, state) if rate == 1.0 else self.ssm.step(x, state, rate=rate)
        return y + self.D * x, state


NORMS = ("layer", "batch", "none")
OUTPUTS = ("glu", "linear")
ACTIVATIONS = {"gelu": nn.GELU, "silu": nn.SiLU, "relu": nn.ReLU, "tanh": nn.Tanh, "identity": nn.Identity}


class _ChannelBatchNorm(nn.BatchNorm1d):
    """BatchNorm over channels of (..., H) inputs, for both sequences (B, L, H) and steps (B, H)."""

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 2:
            return super().forward(x)
        return super().forward(x.transpose(-1, -2)).transpose(-1, -2)


class SSMBlock(nn.Module):
    """Residual SSM block: norm -> SSM convolution -> activation -> output projection/GLU -> dropout -> + x.

    Args:
        d_model: channels H.
        ssm, d_state, ssm_options, bidirectional: see :class:`FFTConv`.
        activation: ``"gelu"`` | ``"silu"`` | ``"relu"`` | ``"tanh"`` | ``"identity"``.
        output: ``"glu"`` (Linear H -> 2H then GLU) or ``"linear"``.
        norm: ``"layer"`` | ``"batch"`` | ``"none"``; ``prenorm`` puts it before the SSM.
        dropout: dropout probability on the block's output.
    """

    def __init__(
        self,
        *,
        d_model: int,
        ssm: str | SSM = "diagonal",
        d_state: int | None = None,
        ssm_options: dict[str, Any] | None = None,
        bidirectional: bool = False,
        activation: str = "gelu",
        output: str = "glu",
        norm: str = "layer",
        prenorm: bool = True,
        dropout: float = 0.0,
    ):
        super().__init__()
        check_size("SSMBlock", "d_model", d_model)
        if not (is_real_number(dropout) and 0 <= dropout <= 1):
            raise ConfigError(f"SSMBlock: dropout must be a number in [0, 1], got {dropout!r}")
        if norm not in NORMS:
            raise ConfigError(f"unknown norm {norm!r}; expected one of {NORMS}")
        if output not in OUTPUTS:
            raise ConfigError(f"unknown output {output!r}; expected one of {OUTPUTS}")
        if activation not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
        self.d_model, self.prenorm = d_model, prenorm
        self.norm = {"layer": lambda: nn.LayerNorm(d_model), "batch": lambda: _ChannelBatchNorm(d_model)}.get(
            norm, nn.Identity
        )()
        self.conv = FFTConv(
            d_model=d_model, ssm=ssm, d_state=d_state, ssm_options=ssm_options, bidirectional=bidirectional
        )
        self.activation = ACTIVATIONS[activation]()
        if output == "glu":
            self.output = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GLU(dim=-1))
        else:
            self.output = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def _mix(self, y: Tensor) -> Tensor:
        return self.dropout(self.output(self.activation(y)))

    def forward(
        self,
        x: Tensor,
        state: Tensor | None = None,
        return_state: bool = False,
        rate: float = 1.0,
        mask: Tensor | None = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """``x`` (B, L, H) -> (B, L, H) (and the final state with ``return_state``).

        ``mask`` (B, L), 0 at padded steps, zeroes them right before the convolution: the pre-norm
        would map a zero step to its bias, which an anti-causal (bidirectional) kernel carries into
        the real steps. Real steps then see exactly what they would see without padding."""
        check_sequence(x, self.d_model, "SSMBlock")
        check_precision(self.conv.ssm, x)  # before the norm, whose own dtype error is a deep traceback
        keep = None
        if mask is not None:
            if not isinstance(mask, Tensor) or tuple(mask.shape) != tuple(x.shape[:2]):
                found = tuple(mask.shape) if isinstance(mask, Tensor) else type(mask).__name__
                raise ConfigError(
                    f"SSMBlock: mask must be (batch, length) = {tuple(x.shape[:2])}, got {found}"
                )
            keep = mask.unsqueeze(-1) != 0
            # Padded steps are zeros from here on, for the residual and the norm too: NaN padding kept
            # there left the real outputs alone but made gradients NaN (LayerNorm's backward, 0 * NaN).
            x = torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))
        if not hasattr(self.conv.ssm, "forward_sequence"):  # an FFT convolution: see check_finite
            # On x itself, so the message names the user's channel (the norm mixes channels).
            check_finite(x, "SSMBlock", self)
        z = self._normalise(x, keep) if self.prenorm else x
        if keep is not None:
            # where, not a product: padding filled with NaN (NaN * 0 = NaN) must not reach real steps
            z = torch.where(
                keep, z * mask.unsqueeze(-1).to(z.dtype), torch.zeros((), dtype=z.dtype, device=z.device)
            )
        conv_out = self.conv(z, state=state, return_state=return_state, rate=rate)
        y, new_state = conv_out if return_state else (conv_out, None)
        out = x + self._mix(y)
        if not self.prenorm:
            out = self._normalise(out, keep)
        return (out, new_state) if return_state else out

    def _normalise(self, x: Tensor, keep: Tensor | None) -> Tensor:
        """The norm of ``x`` (B, L, H); with ``keep`` (B, L, 1) a training batch norm takes its batch
        statistics (and running ones) from the real steps only: the padded zeros counted in them made
        a real step's output depend on how much padding its batch held. Padded steps come out zero."""
        if keep is None or not (self.training and isinstance(self.norm, nn.BatchNorm1d)):
            return self.norm(x)
        rows = keep.squeeze(-1)
        if int(rows.sum()) < 2:  # batch statistics need two values: fall back to the whole batch
            return self.norm(x)
        normed = self.norm(x[rows])  # (real steps, H)
        return torch.zeros(x.shape, dtype=normed.dtype, device=x.device).index_put((rows,), normed)

    def default_state(self, *batch_shape: int) -> Tensor:
        return self.conv.default_state(*batch_shape)

    def step(self, x: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """``x`` (B, H) -> ``(y (B, H), new_state)``; agrees with :meth:`forward` (same ``rate``) in eval mode."""
        if self.training and isinstance(self.norm, nn.BatchNorm1d):
            raise ConfigError(
                "SSMBlock.step with norm='batch' in training mode would normalise each step by its own "
                "batch statistics and overwrite the running ones; call .eval() before stepping"
            )
        check_step(self.conv.ssm, x, state)
        if self.conv.bidirectional:
            raise ConfigError("a bidirectional SSMBlock cannot run step by step; use bidirectional=False")
        z = self.norm(x) if self.prenorm else x
        y, state = self.conv._step(z, state, rate)
        out = x + self._mix(y)
        if not self.prenorm:
            out = self.norm(out)
        return out, state
