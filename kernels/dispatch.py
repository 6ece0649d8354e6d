"""Back-end selection shared by every kernel op.

Each op exposes ``op(..., backend="auto")``. ``"auto"`` picks Triton for CUDA tensors (when Triton
imports) and the PyTorch path otherwise; the environment variable ``SSM_TS_BACKEND`` replaces
``"auto"`` with ``"torch"`` or ``"triton"`` so whole models can be switched without code changes.
An explicit ``backend=`` argument always wins over the environment.

Triton on CPU tensors only works under the interpreter (``TRITON_INTERPRET=1``, set before
``ssm_ts.kernels`` is imported); asking for it otherwise raises :class:`KernelBackendError`.

Each Triton op also refuses, with :class:`KernelBackendError` and before allocating anything,
shapes whose within-row offsets would pass 2^31 - 1 (the kernels index row starts in int64 and
positions within a row in int32; see :mod:`ssm_ts.kernels.triton.common`).
"""

from __future__ import annotations

import functools
import os

import torch

from ssm_ts.errors import KernelBackendError

BACKENDS = ("auto", "torch", "triton")
ENV_BACKEND = "SSM_TS_BACKEND"


def triton_interpreting() -> bool:
    """True when Triton kernels run under the CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


@functools.lru_cache(maxsize=1)
def triton_available() -> bool:
    """True when ``triton`` imports (it ships with CUDA builds of torch)."""
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(backend: str, *tensors: torch.Tensor) -> str:
    """Return ``"torch"`` or ``"triton"`` for an op called with ``backend`` on ``tensors``.

    Raises:
        KernelBackendError: unknown name, or Triton requested where it cannot run.
    """
    if backend not in BACKENDS:
        raise KernelBackendError(f"unknown kernel backend {backend!r}; expected one of {BACKENDS}")
    on_cuda = all(t.is_cuda for t in tensors)
    if backend == "auto":
        backend = os.environ.get(ENV_BACKEND, "auto").strip().lower() or "auto"
        if backend not in BACKENDS:
            raise KernelBackendError(
                f"{ENV_BACKEND}={backend!r} is not a kernel backend; set it to one of {BACKENDS} or unset it"
            )
        if backend == "auto":
            return "triton" if on_cuda and triton_available() else "torch"
    if backend == "triton":
        if not triton_available():
            raise KernelBackendError(
                "backend='triton' needs the triton package (it ships with CUDA torch builds)"
            )
        if not on_cuda and not triton_interpreting():
            raise KernelBackendError(
                "backend='triton' needs CUDA tensors; on the CPU set TRITON_INTERPRET=1 before importing "
                "ssm_ts (slow, for testing) or use backend='torch'"
            )
    return backend
