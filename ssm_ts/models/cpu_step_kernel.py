"""A fused CPU kernel for the per-sample diagonal-SSM step of fast generation (C, loaded with ctypes).

One call does what took six tensor ops (and six passes over the state) in PyTorch:

    s[b, h]  <- dA[h] * s[b, h] + dB[h] * z[b, h]         (complex, elementwise over the modes)
    out[b, h] = gelu(2 Re sum_m C[h, m] s[b, h, m] + D[h] z[b, h])

The state is real and planar, ``(B, H, 2, M)`` = [Re s; Im s] per channel, so the inner loops run
over contiguous floats and vectorise. The source is compiled once per machine with the system C
compiler (``cc -O3 -march=native``, about a second) into ``~/.cache/ssm-ts/kernels`` (or
``$SSM_TS_KERNEL_CACHE``); without a compiler :func:`load` returns ``None`` and callers keep the
PyTorch path. ``SSM_TS_NO_CPU_KERNEL=1`` disables it. Float32, contiguous tensors only.
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

/* z (B, H); state (B, H, 2, M) planar [re; im]; dA, dB, C2 (H, 2, M); D (H); out (B, H). */
void ssm_gelu_step(int B, int H, int M, const float *restrict z, float *restrict state,
                   const float *restrict dA, const float *restrict dB, const float *restrict C2,
                   const float *restrict D, float *restrict out) {
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            const float u = z[(size_t)b * H + h];
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
            const float y = acc + D[h] * u;
            out[(size_t)b * H + h] = 0.5f * y * (1.0f + erff(y * 0.70710678118654752f));
        }
    }
}
"""

FLAGS = ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fassociative-math",
         "-fno-signed-zeros", "-shared", "-fPIC"]  # fmt: skip


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
    key = hashlib.sha256((SOURCE + " ".join(FLAGS) + _cpu_signature()).encode()).hexdigest()[:16]
    target = _cache_dir() / f"ssm_step_{key}.so"
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                src, lib = Path(tmp) / "ssm_step.c", Path(tmp) / "ssm_step.so"
                src.write_text(SOURCE)
                subprocess.run([compiler, *FLAGS, str(src), "-o", str(lib), "-lm"], check=True,
                               capture_output=True, timeout=120)  # fmt: skip
                os.replace(lib, target)  # atomic: concurrent builders never see a partial file
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        library = ctypes.CDLL(str(target))
    except OSError:
        return None
    fn = library.ssm_gelu_step
    fn.argtypes = [ctypes.c_int] * 3 + [ctypes.c_void_p] * 7
    fn.restype = None
    return library


def ssm_gelu_step(
    library: ctypes.CDLL, z: Tensor, state: Tensor, dA: Tensor, dB: Tensor, C2: Tensor, D: Tensor, out: Tensor
) -> Tensor:
    """Update ``state`` (B, H, 2, M) in place and write ``out`` (B, H); see the module docstring.

    All float32 CPU contiguous: ``z`` (B, H), ``dA``/``dB``/``C2`` (H, 2, M), ``D`` (H,). Returns ``out``.
    """
    B, H, _, M = state.shape
    library.ssm_gelu_step(
        B, H, M, z.data_ptr(), state.data_ptr(), dA.data_ptr(), dB.data_ptr(), C2.data_ptr(),
        D.data_ptr(), out.data_ptr(),
    )  # fmt: skip
    return out


def usable_for(*tensors: Tensor) -> bool:
    """Whether the kernel applies: every tensor float32, on the CPU, contiguous."""
    return all(t.device.type == "cpu" and t.dtype == torch.float32 and t.is_contiguous() for t in tensors)
