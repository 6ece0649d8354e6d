"""A fused CPU kernel for the per-sample diagonal-SSM step of fast generation (C, loaded with ctypes).

One call of :func:`ssm_block_step` does what took seven tensor ops (six passes over the state):

    z[b]      = layer_norm(y[b]) * norm_w + norm_b          (over the H channels)
    s[b, h]  <- dA[h] * s[b, h] + dB[h] * z[b, h]         (complex, elementwise over the modes)
    out[b, h] = gelu(2 Re sum_m C[h, m] s[b, h, m] + D[h] z[b, h])   (erf to 1.5e-7)

and :func:`glu_residual` adds the block's gated output to the residual stream in place,
``y += a * sigmoid(g)`` for ``[a, g]`` = the output linear's (B, 2H).

The state is real and planar, ``(B, H, 2, M)`` = [Re s; Im s] per channel, so the inner loops run
over contiguous floats and vectorise. The source is compiled once per machine with the system C
compiler (``cc -O3 -march=native -ffast-math``, about a second) into ``~/.cache/ssm-ts/kernels`` (or
``$SSM_TS_KERNEL_CACHE``); without a compiler :func:`load` returns ``None`` and callers keep the
PyTorch path. ``SSM_TS_NO_CPU_KERNEL=1`` disables it. Float32, contiguous tensors only.

The references are plain PyTorch (``torch.nn.functional.layer_norm``, ``gelu``, the complex update);
``tests/kernels/test_cpu_fused_step.py`` checks each function against them, and that loading the
library leaves the process's floating-point mode (subnormals) untouched.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import torch
from torch import Tensor

SOURCE = r"""
#include <math.h>
#include <stddef.h>

/* erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): built from expf, so the loops that call it
   vectorise (glibc's vector expf), where the scalar libm erff cost half of the whole step. */
static inline float erf_approx(float x) {
    const float a = fabsf(x);
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    const float poly =
        t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    return copysignf(1.0f - poly * expf(-a * a), x);
}

static inline float gelu(float x) { return 0.5f * x * (1.0f + erf_approx(x * 0.70710678118654752f)); }

static inline void layer_norm_row(int H, const float *restrict y, const float *restrict w,
                                  const float *restrict bias, float eps, float *restrict z) {
    float mean = 0.0f, var = 0.0f;
    for (int h = 0; h < H; h++) mean += y[h];
    mean /= (float)H;
    for (int h = 0; h < H; h++) var += (y[h] - mean) * (y[h] - mean);
    const float rstd = 1.0f / sqrtf(var / (float)H + eps);
    for (int h = 0; h < H; h++) z[h] = (y[h] - mean) * rstd * w[h] + bias[h];
}

/* z (B, H) = layer_norm(y (B, H)) * w + bias over H. */
void layer_norm(int B, int H, const float *restrict y, const float *restrict w, const float *restrict bias,
                float eps, float *restrict z) {
    for (int b = 0; b < B; b++) layer_norm_row(H, y + (size_t)b * H, w, bias, eps, z + (size_t)b * H);
}

/* x (n) <- gelu(x), in place. */
void gelu_inplace(long n, float *restrict x) {
    for (long i = 0; i < n; i++) x[i] = gelu(x[i]);
}

/* y (B, H); norm_w, norm_b (H); state (B, H, 2, M) planar [re; im]; dA, dB, C2 (H, 2, M);
   D (H); z (B, H) scratch; out (B, H). */
void ssm_block_step(int B, int H, int M, const float *restrict y, const float *restrict norm_w,
                    const float *restrict norm_b, float eps, float *restrict state,
                    const float *restrict dA, const float *restrict dB, const float *restrict C2,
                    const float *restrict D, float *restrict z, float *restrict out) {
    for (int b = 0; b < B; b++) {
        float *zb = z + (size_t)b * H;
        layer_norm_row(H, y + (size_t)b * H, norm_w, norm_b, eps, zb);
        for (int h = 0; h < H; h++) {
            const float u = zb[h];
            float *restrict re = state + ((size_t)b * H + h) * 2 * M;
            float *restrict im = re + M;
            const float *ar = dA + (size_t)h * 2 * M, *ai = ar + M;
            const float *br = dB + (size_t)h * 2 * M, *bi = br + M;
            const float *cr = C2 + (size_t)h * 2 * M, *ci = cr + M;
            float acc = 0.0f;
            for (int m = 0; m < M; m++) {
                const float sr = re[m], si = im[m];
                const float nr = ar[m] * sr - ai[m] * si + br[m] * u;
                const float ni = ar[m] * si + ai[m] * sr + bi[m] * u;
                re[m] = nr;
                im[m] = ni;
                acc += cr[m] * nr + ci[m] * ni;
            }
            out[(size_t)b * H + h] = acc + D[h] * u;
        }
        float *ob = out + (size_t)b * H;
        for (int h = 0; h < H; h++) ob[h] = gelu(ob[h]);
    }
}

/* y (B, H) += ag[:, :H] * sigmoid(ag[:, H:]), ag (B, 2H). */
void glu_residual(int B, int H, float *restrict y, const float *restrict ag) {
    for (int b = 0; b < B; b++) {
        const float *a = ag + (size_t)b * 2 * H, *g = a + H;
        float *yb = y + (size_t)b * H;
        for (int h = 0; h < H; h++) yb[h] += a[h] / (1.0f + expf(-g[h]));
    }
}
"""

# -ffast-math: reassociated reductions and glibc's vector expf (no NaN/inf semantics are relied on).
# It is given to the compile step only: linking with it adds crtfastmath.o, whose constructor turns on
# flush-to-zero / denormals-are-zero for the whole process the moment the library loads, changing
# every other float computation in it (torch, numpy) — observed here breaking subnormal arithmetic.
COMPILE_FLAGS = ["-O3", "-march=native", "-ffast-math", "-fPIC", "-c"]
LINK_FLAGS = ["-shared"]


def _cache_dir() -> Path:
    chosen = os.environ.get("SSM_TS_KERNEL_CACHE")
    return Path(chosen) if chosen else Path.home() / ".cache" / "ssm-ts" / "kernels"


def _cpu_signature() -> str:
    # -march=native code must not be reused on a different CPU sharing the cache folder.
    try:
        with open("/proc/cpuinfo") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags"))][:2]
    except OSError:
        lines = []
    return platform.machine() + "".join(lines)


@cache
def load() -> ctypes.CDLL | None:
    """The compiled kernel library, or ``None`` where it cannot be built (no compiler, not x86/ARM)."""
    if os.environ.get("SSM_TS_NO_CPU_KERNEL") == "1":
        return None
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        return None
    flags = " ".join(COMPILE_FLAGS + LINK_FLAGS)
    key = hashlib.sha256((SOURCE + flags + _cpu_signature()).encode()).hexdigest()[:16]
    target = _cache_dir() / f"ssm_step_{key}.so"
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                src, obj, lib = (Path(tmp) / name for name in ("ssm_step.c", "ssm_step.o", "ssm_step.so"))
                src.write_text(SOURCE)
                for command in (
                    [compiler, *COMPILE_FLAGS, str(src), "-o", str(obj)],
                    [compiler, *LINK_FLAGS, str(obj), "-o", str(lib), "-lm"],
                ):
                    subprocess.run(command, check=True, capture_output=True, timeout=120)
                os.replace(lib, target)  # atomic: concurrent builders never see a partial file
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        library = ctypes.CDLL(str(target))
    except OSError:
        return None
    pointer, count = ctypes.c_void_p, ctypes.c_int
    library.ssm_block_step.argtypes = [count] * 3 + [pointer] * 3 + [ctypes.c_float] + [pointer] * 7
    library.ssm_block_step.restype = None
    library.glu_residual.argtypes = [count, count, pointer, pointer]
    library.glu_residual.restype = None
    library.layer_norm.argtypes = [count, count, pointer, pointer, pointer, ctypes.c_float, pointer]
    library.layer_norm.restype = None
    library.gelu_inplace.argtypes = [ctypes.c_long, pointer]
    library.gelu_inplace.restype = None
    return library


def ssm_block_step(
    library: ctypes.CDLL,
    y: Tensor,
    norm_w: Tensor,
    norm_b: Tensor,
    eps: float,
    state: Tensor,
    dA: Tensor,
    dB: Tensor,
    C2: Tensor,
    D: Tensor,
    z: Tensor,
    out: Tensor,
) -> Tensor:
    """Layer norm of ``y`` (B, H) into ``z``, ``state`` (B, H, 2, M) updated in place, ``out`` (B, H) written.

    All float32 CPU contiguous: ``norm_w``/``norm_b``/``D`` (H,), ``dA``/``dB``/``C2`` (H, 2, M),
    ``z`` and ``out`` (B, H) scratch. Returns ``out`` (see the module docstring).
    """
    B, H, _, M = state.shape
    library.ssm_block_step(
        B, H, M, y.data_ptr(), norm_w.data_ptr(), norm_b.data_ptr(), eps, state.data_ptr(),
        dA.data_ptr(), dB.data_ptr(), C2.data_ptr(), D.data_ptr(), z.data_ptr(), out.data_ptr(),
    )  # fmt: skip
    return out


def glu_residual(library: ctypes.CDLL, y: Tensor, ag: Tensor) -> Tensor:
    """``y`` (B, H) += ``ag[:, :H] * sigmoid(ag[:, H:])`` in place; ``ag`` (B, 2H). Returns ``y``."""
    B, H = y.shape
    library.glu_residual(B, H, y.data_ptr(), ag.data_ptr())
    return y


def layer_norm(library: ctypes.CDLL, y: Tensor, w: Tensor, bias: Tensor, eps: float, z: Tensor) -> Tensor:
    """``z`` (B, H) = layer norm of ``y`` (B, H) over H, scaled by ``w`` and shifted by ``bias``. Returns ``z``."""
    B, H = y.shape
    library.layer_norm(B, H, y.data_ptr(), w.data_ptr(), bias.data_ptr(), eps, z.data_ptr())
    return z


def gelu_(library: ctypes.CDLL, x: Tensor) -> Tensor:
    """GELU (erf form, erf to 1.5e-7) of contiguous ``x`` in place. Returns ``x``."""
    library.gelu_inplace(x.numel(), x.data_ptr())
    return x


def usable_for(*tensors: Tensor) -> bool:
    """Whether the kernel applies: every tensor float32, on the CPU, contiguous."""
    return all(t.device.type == "cpu" and t.dtype == torch.float32 and t.is_contiguous() for t in tensors)
