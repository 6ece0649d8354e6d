"""Fast recurrent generation for :class:`~ssm_ts.models.sashimi.SaShiMi`: constant time and memory per sample.

:meth:`SaShiMi.step` composes the modules' own ``step`` methods (clear, and the reference).
:class:`SaShiMiRecurrence` is the same computation made lean for sampling: every SSM is
discretised once (``dA``, ``dB``, and ``2 C`` in real form), every weight is captured as a plain
tensor, and one sample costs a fixed short list of fused tensor ops per block. The pooled levels
only step every ``factor``-th sample. On the CPU (float32) the diagonal SSM blocks and the
feed-forward blocks run through small C kernels (:mod:`ssm_ts.kernels.cpu_fused_step`: layer norm,
state update, read-out and GELU in one pass), leaving the matmuls to torch; elsewhere, or without a
C compiler, the same step runs as PyTorch ops. On CUDA, :meth:`SaShiMiRecurrence.generate` replays
CUDA graphs of the step (:class:`CUDAGraphStep`). Build it after training (it snapshots the
weights; build a new one when the parameters change). Shapes: codes ``(B,)`` long in, logits
``(B, n_classes)`` out.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from ssm_ts.core import SSM, DiagonalSSM, SSMBlock
from ssm_ts.errors import ConfigError
from ssm_ts.kernels import cpu_fused_step as cpu_step_kernel
from ssm_ts.models.sashimi import FeedForwardBlock, SaShiMi, SaShiMiLevel

# CPU batches of fewer rows are padded to this many when each sequence has its own generator
MIN_ROWS = 4


@dataclass
class _SSMBlockParams:
    norm_w: Tensor
    norm_b: Tensor
    norm_eps: float
    dA: Tensor  # noqa: N815  diagonal: (H, 2, N/2) real [Re dA, Re dA]; dense: (H, N, N)
    dA_swap: Tensor | None  # noqa: N815  diagonal: (H, 2, N/2) real [-Im dA, Im dA], applied to the state's [im, re]
    dA_planar: Tensor | None  # noqa: N815  diagonal: (H, 2, N/2) real [Re dA, Im dA] (the fused CPU kernel)
    dB: Tensor  # noqa: N815  diagonal: (H, 2, N/2) real [Re dB, Im dB]; dense: (H, N)
    C2: Tensor  # diagonal: (H, N) real [2 Re C, -2 Im C]; dense: C (H, N)
    D: Tensor
    out_w: Tensor  # (H, 2H) transposed, for addmm
    out_b: Tensor
    diagonal: bool


@dataclass
class _FFParams:
    norm_w: Tensor
    norm_b: Tensor
    norm_eps: float
    w1: Tensor
    b1: Tensor
    w2: Tensor
    b2: Tensor


def _has_dense_form(block: SSMBlock) -> bool:
    """Whether the block's SSM has a fixed per-channel discrete form (diagonal or dense ``dA``) to snapshot.

    The scan SSMs (S5/LRU: one state shared by all channels; selective: input-dependent) have not:
    their blocks step through ``SSMBlock.step`` instead."""
    ssm = block.conv.ssm
    return isinstance(ssm, DiagonalSSM) or type(ssm).dense_discrete is not SSM.dense_discrete


def _block_params(block: SSMBlock) -> _SSMBlockParams | SSMBlock:
    if not _has_dense_form(block):
        return block
    if not isinstance(block.norm, torch.nn.LayerNorm) or not block.prenorm:
        raise ConfigError("fast SaShiMi generation supports pre-norm LayerNorm SSM blocks only")
    if not isinstance(block.output, torch.nn.Sequential):
        raise ConfigError("fast SaShiMi generation supports GLU block outputs only")
    ssm = block.conv.ssm
    if isinstance(ssm, DiagonalSSM):
        # Complex arithmetic is slow on CPU (not vectorised): the state is kept as real [Re s; Im s]
        # (B, H, 2, N/2), so x <- dA x + dB u is three real fused multiply-adds over contiguous memory.
        dA, dB, C = ssm.discrete()
        dA_planar = torch.stack([dA.real, dA.imag], dim=1).contiguous()
        dA_swap = torch.stack([-dA.imag, dA.imag], dim=1)
        dA = torch.stack([dA.real, dA.real], dim=1)
        dB = torch.stack([dB.real, dB.imag], dim=1)
        C2 = torch.cat([2 * C.real, -2 * C.imag], dim=-1)  # 2 Re(C s) = 2 Re C Re s - 2 Im C Im s
        diagonal = True
    else:
        dA, dB, C = ssm.dense_discrete()
        dA_swap, dA_planar, C2, diagonal = None, None, C, False
    linear = block.output[0]
    return _SSMBlockParams(
        block.norm.weight.detach(),
        block.norm.bias.detach(),
        block.norm.eps,
        dA.contiguous(),
        None if dA_swap is None else dA_swap.contiguous(),
        dA_planar,
        dB.contiguous(),
        C2.contiguous(),
        block.conv.D.detach().contiguous(),
        linear.weight.t().contiguous(),
        linear.bias,
        diagonal,
    )


def _ff_params(block: FeedForwardBlock) -> _FFParams:
    return _FFParams(
        block.norm.weight.detach(),
        block.norm.bias.detach(),
        block.norm.eps,
        block.inner.weight.t().contiguous(),
        block.inner.bias,
        block.outer.weight.t().contiguous(),
        block.outer.bias,
    )


def _fusable(p: _SSMBlockParams | _FFParams) -> bool:
    if isinstance(p, _FFParams):
        return cpu_step_kernel.usable_for(p.norm_w, p.norm_b, p.w1, p.b1, p.w2, p.b2)
    return p.diagonal and cpu_step_kernel.usable_for(p.norm_w, p.norm_b, p.dA_planar, p.dB, p.C2, p.D)


class _Level:
    """One U-Net level as flat tensors, with its state preallocated for a batch."""

    def __init__(self, level: SaShiMiLevel, kernel: ctypes.CDLL | None):
        self.H = level.d_model
        self.ref = next(level.parameters()).detach()  # the dtype and device of the buffers
        self.blocks: list[_SSMBlockParams | _FFParams | SSMBlock] = [
            _block_params(layer) if isinstance(layer, SSMBlock) else _ff_params(layer)
            for layer in level.layers
        ]
        # Diagonal SSM blocks and feed-forward blocks take the fused C ops where they apply (float32
        # CPU), else PyTorch ops.
        self.fused = [kernel is not None and not isinstance(p, SSMBlock) and _fusable(p) for p in self.blocks]
        self.kernel = kernel
        self.factor = level.down.factor if level.down is not None else 0
        if self.factor:
            self.down_w = level.down.linear.weight.t().contiguous()
            self.down_b = level.down.linear.bias
            self.up_w = level.up.linear.weight.t().contiguous()
            self.up_b = level.up.linear.bias
            self.inner = _Level(level.inner, kernel)

    def reset(self, batch: int) -> None:
        ref = self.ref
        self.z_buf, self.g_buf = (
            torch.empty(batch, self.H, dtype=ref.dtype, device=ref.device) for _ in "zg"
        )
        self.states: list[Tensor | None] = []
        for p in self.blocks:
            if isinstance(p, SSMBlock):
                self.states.append(p.default_state(batch))
            elif isinstance(p, _SSMBlockParams):
                shape = (batch, *p.dB.shape)  # (B, H, 2, N/2) real, or (B, H, N) dense
                self.states.append(torch.zeros(shape, dtype=p.dA.dtype, device=ref.device))
            else:
                self.states.append(None)
        if self.factor:
            self.down_buf = torch.zeros(batch, self.factor * self.H, dtype=ref.dtype, device=ref.device)
            self.up_buf = torch.zeros(batch, self.factor, self.H, dtype=ref.dtype, device=ref.device)
            self.inner.reset(batch)

    def zero_(self) -> None:
        """Zero every state and buffer in place (the tensors stay the same objects)."""
        for state in self.states:
            if state is not None:
                state.zero_()
        if self.factor:
            self.down_buf.zero_()
            self.up_buf.zero_()
            self.inner.zero_()

    def persistent(self) -> list[Tensor]:
        """Every tensor the step reads and writes across samples (this level and the inner ones)."""
        tensors = [s for s in self.states if s is not None]
        if self.factor:
            tensors += [self.down_buf, self.up_buf, *self.inner.persistent()]
        return tensors

    def capturable(self) -> bool:
        """Whether every block is a snapshot (a block stepped as a module validates its SSM's cached
        discretisation each step, which a CUDA graph capture does not allow)."""
        inner = self.inner.capturable() if self.factor else True
        return inner and not any(isinstance(p, SSMBlock) for p in self.blocks)

    def period(self) -> int:
        """Samples after which the pattern of pooled-level steps repeats (the product of the factors)."""
        return self.factor * self.inner.period() if self.factor else 1

    def step(self, x: Tensor, t: int) -> Tensor:
        """``x`` (B, H) -> (B, H) for this level's step ``t``."""
        H = self.H
        if self.factor:
            phase = t % self.factor
            h = x + self.up_buf[:, phase]
            self.down_buf[:, phase * H : (phase + 1) * H] = x
            if phase == self.factor - 1:
                coarse = torch.addmm(self.down_b, self.down_buf, self.down_w)
                inner = self.inner.step(coarse, t // self.factor)
                self.up_buf.copy_(torch.addmm(self.up_b, inner, self.up_w).view(self.up_buf.shape))
        else:
            h = x
        y = h.clone()  # the residual stream, owned: the fused kernels add to it in place
        for i, p in enumerate(self.blocks):
            if self.fused[i] and isinstance(p, _SSMBlockParams):
                k = self.kernel
                g = cpu_step_kernel.ssm_block_step(
                    k, y, p.norm_w, p.norm_b, p.norm_eps, self.states[i], p.dA_planar, p.dB, p.C2, p.D,
                    self.z_buf, self.g_buf,
                )  # fmt: skip
                cpu_step_kernel.glu_residual(k, y, torch.addmm(p.out_b, g, p.out_w))
                continue
            if self.fused[i]:  # a feed-forward block
                k = self.kernel
                z = cpu_step_kernel.layer_norm(k, y, p.norm_w, p.norm_b, p.norm_eps, self.z_buf)
                y.add_(torch.addmm(p.b2, cpu_step_kernel.gelu_(k, torch.addmm(p.b1, z, p.w1)), p.w2))
                continue
            if isinstance(p, SSMBlock):  # no dense form to snapshot: the module's own step
                y, state = p.step(y, self.states[i])
                self.states[i].copy_(state)
                continue
            z = F.layer_norm(y, (H,), p.norm_w, p.norm_b)
            if isinstance(p, _FFParams):
                y = y + torch.addmm(p.b2, F.gelu(torch.addmm(p.b1, z, p.w1)), p.w2)
                continue
            state = self.states[i]
            if p.diagonal:
                swapped = state.flip(-2)  # [Im s, Re s]
                state = torch.addcmul(
                    torch.addcmul(p.dB * z[..., None, None], p.dA, state), p.dA_swap, swapped
                )
                s = torch.linalg.vecdot(state.flatten(-2), p.C2)
            else:
                state = (p.dA @ state.unsqueeze(-1)).squeeze(-1) + p.dB * z.unsqueeze(-1)
                s = (p.C2 * state).sum(-1)
                s = s.real if s.is_complex() else s
            self.states[i].copy_(state)  # in place: persistent tensors, as CUDA graph replay needs
            y = y + F.glu(torch.addmm(p.out_b, F.gelu(torch.addcmul(s, p.D, z)), p.out_w), dim=-1)
        return h + y


@contextlib.contextmanager
def cpu_threads(device: torch.device, threads: int | None = 1) -> Iterator[None]:
    """Run the per-sample CPU ops on ``threads`` threads (``None``: leave torch's setting).

    Each step is about a hundred small ops on (B, H) tensors: intra-op threading barely helps them,
    and on a busy machine waking worker threads for every op made generation ~40x slower (measured),
    so generation defaults to one thread.
    """
    if device.type != "cpu" or threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class SaShiMiRecurrence:
    """A snapshot of a SaShiMi model for fast sample-by-sample inference (eval semantics, no dropout).

    >>> rec = SaShiMiRecurrence(model); rec.reset(batch=4)
    >>> logits = rec.step(codes_t)              # (4, n_classes) for each t in turn
    """

    @torch.no_grad()
    def __init__(self, model: SaShiMi, threads: int | None = 1):
        self.n_classes = model.n_classes
        self.H = model.d_model
        self.embedding = model.embedding.weight.detach()
        device = model.embedding.weight.device
        self.top = _Level(model.body, cpu_step_kernel.load() if device.type == "cpu" else None)
        self.norm_w, self.norm_b = model.norm.weight.detach(), model.norm.bias.detach()
        self.head_w, self.head_b = model.head.weight.t().contiguous(), model.head.bias.detach()
        self.t = 0
        self.threads = threads  # CPU threads while generating (see cpu_threads)
        self.cuda_graphs = True  # on CUDA, generate replays captured graphs of the step

    def reset(self, batch: int) -> None:
        """Zero state for ``batch`` sequences."""
        self.top.reset(batch)
        self.t = 0

    def step(self, code: Tensor) -> Tensor:
        """``code`` (B,) long -> logits (B, n_classes) predicting what follows."""
        return torch.addmm(self.head_b, self._features(code), self.head_w)

    def _features(self, code: Tensor) -> Tensor:
        """``code`` (B,) long -> the normalised final features (B, H) that the head reads."""
        features = self._features_at(code, self.t)
        self.t += 1
        return features

    def _features_at(self, code: Tensor, t: int) -> Tensor:
        """The network step for sample ``t`` (only ``t mod period`` matters); updates the state in place."""
        y = self.top.step(self.embedding[code], t)
        return F.layer_norm(y, (self.H,), self.norm_w, self.norm_b)

    @torch.inference_mode()
    def sequence_logits(self, codes: Tensor) -> Tensor:
        """Logits (B, L, n_classes) of feeding ``codes`` (B, L) one sample at a time (from a fresh state)."""
        self.reset(codes.shape[0])
        with cpu_threads(codes.device, self.threads):
            return torch.stack([self.step(codes[:, t]) for t in range(codes.shape[1])], dim=1)

    @torch.inference_mode()
    def generate(
        self,
        n: int,
        length: int,
        first_code: int,
        temperature: float = 1.0,
        top_p: float | None = None,
        prompt: Tensor | None = None,
        generator: torch.Generator | Sequence[torch.Generator] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Tensor:
        """Sample ``n`` code sequences of ``length`` (the prompt included): (n, length) long.

        Each sequence starts from ``first_code`` (the code of silence; the model was trained with it
        as the input before the first sample). ``prompt`` (n, P) codes are fed first and kept.
        ``generator``: one for the whole batch, or ``n`` of them, one per sequence: then sequence
        ``i`` draws its randomness from ``generator[i]`` alone, so it comes out the same in any batch
        (on the CPU, batches under :data:`MIN_ROWS` are padded so the matmuls round as in any other).
        ``on_progress(samples_done)`` is called every 256 samples.
        """
        if temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {temperature}")
        if top_p is not None and not 0 < top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1], got {top_p}")
        device = self.embedding.device
        with cpu_threads(device, self.threads):
            return self._generate(n, length, first_code, temperature, top_p, prompt, generator, on_progress)

    def _generate(self, n, length, first_code, temperature, top_p, prompt, generator, on_progress) -> Tensor:
        device = self.embedding.device
        if prompt is not None and (prompt.dim() != 2 or prompt.shape[0] != n):
            raise ConfigError(f"prompt must be (n={n}, P) codes, got shape {tuple(prompt.shape)}")
        codes = f"codes are 0 .. {self.n_classes - 1} (n_classes={self.n_classes})"
        if not 0 <= first_code < self.n_classes:
            raise ConfigError(f"first_code must be a code of the model: {codes}, got {first_code}")
        if prompt is not None and prompt.numel():
            low, high = int(prompt.min()), int(prompt.max())
            if low < 0 or high >= self.n_classes:
                raise ConfigError(f"prompt holds codes outside the model's: {codes}, got {low} .. {high}")
        per_sequence = generator is not None and not isinstance(generator, torch.Generator)
        if per_sequence and len(generator) != n:
            raise ConfigError(f"generator must be one torch.Generator or n={n} of them, got {len(generator)}")
        rows = n
        if per_sequence and device.type == "cpu" and n < MIN_ROWS:
            # MKL multiplies 1-3 rows with other kernels than 4 or more, which round differently in
            # the last bit; a near-tie in sampling then picks another code and the clip diverges.
            # Padding rows (sampled, then dropped) make a sequence the same in any batch.
            rows = MIN_ROWS
            generator = [*generator, *(torch.Generator(device).manual_seed(0) for _ in range(rows - n))]
            if prompt is not None:
                prompt = torch.cat([prompt, prompt[:1].expand(rows - n, -1)])
        return self._generate_rows(
            rows, length, first_code, temperature, top_p, prompt, generator, on_progress
        )[:n]

    def _generate_rows(
        self, n, length, first_code, temperature, top_p, prompt, generator, on_progress
    ) -> Tensor:
        device = self.embedding.device
        self.reset(n)
        out = torch.empty(n, length, dtype=torch.long, device=device)
        n_prompt = 0
        if prompt is not None:
            n_prompt = min(prompt.shape[1], length)
            out[:, :n_prompt] = prompt[:, :n_prompt]
        code = torch.full((n,), first_code, dtype=torch.long, device=device)
        features_of = self._features
        if device.type == "cuda" and self.cuda_graphs and self.top.capturable():
            features_of = CUDAGraphStep(self, n)
        nucleus = top_p is not None and top_p < 1
        # Uniform draws in blocks of steps, (block, n, n_classes) for Gumbel-max or (block, n) for
        # nucleus sampling; with one generator per sequence, row i's come from generator i alone.
        block = 1024
        noise = None
        # Gumbel-max: argmax(logits / T + g) ~ softmax(logits / T), and argmax(logits / T + g) =
        # argmax(logits + T g): the scaled noise plus the head's bias is the bias of the head's
        # addmm, so a sample costs one addmm and one argmax beyond the network.
        for t in range(length):
            features = features_of(code)
            if t < n_prompt:
                code = out[:, t]  # the prompt's next code is known: no head, no sampling
            else:
                if t % block == 0 or noise is None:
                    shape = () if nucleus else (self.n_classes,)
                    # in the head's dtype: a model trained at precision="64-true" has float64 weights
                    noise = _uniform(block, n, shape, generator, device).to(self.head_w.dtype)
                    if not nucleus:
                        noise = (
                            -torch.log(-torch.log(noise.clamp_(1e-20, 1.0)))
                            .mul_(temperature)
                            .add_(self.head_b)
                        )
                if nucleus:
                    logits = torch.addmm(self.head_b, features, self.head_w)
                    code = _sample_top_p(logits / temperature, top_p, noise[t % block])
                else:
                    code = torch.argmax(torch.addmm(noise[t % block], features, self.head_w), dim=-1)
                out[:, t] = code
            if on_progress is not None and (t + 1) % 256 == 0:
                on_progress(t + 1)
        if on_progress is not None:
            on_progress(length)
        return out


def _uniform(
    block: int,
    n: int,
    shape: tuple[int, ...],
    generator: torch.Generator | Sequence[torch.Generator] | None,
    device: torch.device,
) -> Tensor:
    """Uniform [0, 1) draws ``(block, n, *shape)``: from one generator (or torch's global one), or
    row ``i`` from ``generator[i]`` alone (a sequence's draws then do not depend on its batch)."""
    if generator is None or isinstance(generator, torch.Generator):
        return torch.rand(block, n, *shape, device=device, generator=generator)
    draws = torch.empty(n, block, *shape, device=device)
    for row, g in zip(draws, generator, strict=True):
        torch.rand(block, *shape, device=device, generator=g, out=row)
    return draws.transpose(0, 1)  # a view: no copy of the block


class CUDAGraphStep:
    """The per-sample network step of a :class:`SaShiMiRecurrence` captured as CUDA graphs and replayed.

    On a GPU a step is a few hundred tiny kernels, so launching them costs more than running them;
    a replayed graph launches them all at once. Which pooled levels step depends on ``t mod period``
    (the product of the pooling factors), so one graph is captured per phase; the graphs share one
    memory pool and read and write the recurrence's persistent state in place. Sampling stays
    outside the graphs. Call it like ``features = step(code)``: ``code`` (B,) long -> (B, H).
    CUDA only; the capture resets the recurrence's state to zeros (as after ``reset``).
    """

    def __init__(self, rec: SaShiMiRecurrence, batch: int):
        device = rec.embedding.device
        if device.type != "cuda":
            raise ConfigError(f"CUDA graphs need a CUDA model, this one is on {device}")
        self.code = torch.zeros(batch, dtype=torch.long, device=device)
        period = rec.top.period()
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):  # warm-up outside capture (allocator, kernel selection)
            for t in range(period):
                rec._features_at(self.code, t)
        torch.cuda.current_stream(device).wait_stream(side)
        self.graphs: list[torch.cuda.CUDAGraph] = []
        self.outputs: list[Tensor] = []
        pool = None
        for t in range(period):
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=pool):
                self.outputs.append(rec._features_at(self.code, t))
            pool = graph.pool()
            self.graphs.append(graph)
        rec.top.zero_()  # the warm-up advanced the state
        rec.t = 0
        self.t = 0

    def __call__(self, code: Tensor) -> Tensor:
        self.code.copy_(code)
        phase = self.t % len(self.graphs)
        self.graphs[phase].replay()
        self.t += 1
        return self.outputs[phase]


def _sample_top_p(logits: Tensor, top_p: float, u: Tensor) -> Tensor:
    """Nucleus sampling: draw from the smallest set of classes whose probability reaches ``top_p``.

    ``logits`` (B, C); ``u`` (B,) uniform [0, 1) draws, one per row (inverse-CDF sampling, so a row's
    code depends on its own draw only, not on the batch as ``torch.multinomial``'s stream would).
    """
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True, stable=True)
    cumulative = sorted_probs.cumsum(-1)
    kept = (cumulative - sorted_probs < top_p).sum(-1, keepdim=True)  # always keeps the most likely class
    mass = cumulative.gather(-1, kept - 1)
    # the first class whose cumulative probability exceeds u * (the kept mass); never past the kept set
    choice = torch.searchsorted(cumulative, u.unsqueeze(-1) * mass, right=True)
    return order.gather(-1, torch.minimum(choice, kept - 1)).squeeze(-1)
