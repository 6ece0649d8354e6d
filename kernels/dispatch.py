"""Back-end selection shared by every kernel op.

Each op exposes ``op(..., backend="auto")``. ``"auto"`` picks Triton for CUDA tensors (when Triton
imports) and the PyTorch path otherwise; the environment variable ``SSM_TS_BACKEND`` replaces
``"auto"`` with ``"torch"`` or ``"triton"`` so whole models can be switched without code changes.
An explicit ``backend=`` argument always wins over the environment.

Triton on CPU tensors only works under the interpreter (``TRITON_INTERPRET=1``, set before
``ssm_ts.kernels`` is imported); asking for it otherwise raises :class:`KernelBackendError`, and so
does asking for it on meta tensors or inside ``torch.func`` transforms, where ``"auto"`` takes the
PyTorch path.

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


def function_transforms_active() -> bool:
    """True inside ``torch.func`` transforms (``vmap``, ``grad``, ``jacrev``, ...).

    The Triton ops' autograd functions have no ``torch.func`` support, which ``Function.apply``
    decides by this same test; skipped while ``torch.compile`` traces."""
    return not torch.compiler.is_compiling() and torch._C._are_functorch_transforms_active()


def resolve_backend(backend: str, *tensors: torch.Tensor) -> str:
    """Return ``"torch"`` or ``"triton"`` for an op called with ``backend`` on ``tensors``.

    ``"auto"`` takes the PyTorch path wherever Triton cannot run (CPU or meta tensors, no triton
    package, inside ``torch.func`` transforms); a forced ``"triton"`` (the argument or
    ``SSM_TS_BACKEND``) raises there instead, naming which of the two forced it.

    Raises:
        KernelBackendError: unknown name, or Triton requested where it cannot run.
    """
    if backend not in BACKENDS:
        raise KernelBackendError(f"unknown kernel backend {backend!r}; expected one of {BACKENDS}")
    on_cuda = all(t.is_cuda for t in tensors)
    forced_by, fix = f"backend={backend!r}", "use backend='torch'"
    if backend == "auto":
        backend = os.environ.get(ENV_BACKEND, "auto").strip().lower() or "auto"
        if backend not in BACKENDS:
            raise KernelBackendError(
                f"{ENV_BACKEND}={backend!r} is not a kernel backend; set it to one of {BACKENDS} or unset it"
            )
        if backend == "auto":
            usable = on_cuda and triton_available() and not function_transforms_active()
            return "triton" if usable else "torch"
        # Forced by the environment: a model calls its ops with "auto", so the fix is the variable.
        forced_by, fix = f"{ENV_BACKEND}={backend}", f"unset {ENV_BACKEND} (or set it to torch)"
    if backend == "triton":
        if not triton_available():
            raise KernelBackendError(
                f"{forced_by} needs the triton package (it ships with CUDA torch builds); {fix}"
            )
        devices = ", ".join(sorted({t.device.type for t in tensors}))
        if not on_cuda and not triton_interpreting():
            raise KernelBackendError(
                f"{forced_by} needs CUDA tensors; on the CPU set TRITON_INTERPRET=1 before importing "
                f"ssm_ts (slow, for testing) or {fix}; the tensors are on: {devices}"
            )
        if not all(t.device.type in ("cpu", "cuda") for t in tensors):
            # Meta tensors hold no data for the interpreter to read ("Cannot copy out of meta tensor").
            raise KernelBackendError(
                f"{forced_by} runs kernels on data, and tensors on {devices} hold none: {fix} "
                "(backend='auto' takes the PyTorch path, which gives shapes on the meta device)"
            )
        if function_transforms_active():
            raise KernelBackendError(
                f"{forced_by}: the Triton kernels do not run inside torch.func transforms (vmap, grad, "
                f"jacrev, ...); {fix} (backend='auto' takes the PyTorch path there)"
            )
    return backend
