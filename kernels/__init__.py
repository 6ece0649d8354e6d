"""Kernel ops of the SSM core: each a PyTorch reference, a CPU path, a Triton path, and dispatch.

Import as ``ssm_ts.kernels``. Every op takes ``backend="auto" | "torch" | "triton"``; see
:mod:`ssm_ts.kernels.dispatch`.
"""

from ssm_ts.kernels.cauchy import cauchy, cauchy_reference, cauchy_torch
from ssm_ts.kernels.diag_scan import diag_scan, diag_scan_reference, diag_scan_torch
from ssm_ts.kernels.dispatch import BACKENDS, resolve_backend
from ssm_ts.kernels.ssm_step import ssm_step, ssm_step_reference, ssm_step_torch
from ssm_ts.kernels.vandermonde import vandermonde, vandermonde_reference, vandermonde_torch

__all__ = [
    "BACKENDS",
    "cauchy",
    "cauchy_reference",
    "cauchy_torch",
    "diag_scan",
    "diag_scan_reference",
    "diag_scan_torch",
    "resolve_backend",
    "ssm_step",
    "ssm_step_reference",
    "ssm_step_torch",
    "vandermonde",
    "vandermonde_reference",
    "vandermonde_torch",
]
