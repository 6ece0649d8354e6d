"""The shared SSM core: SSMs (S4D, S4, companion, shift), FFT convolution, and the SSM block.

Every SSM follows one protocol (see :mod:`ssm_ts.core.base`): ``kernel(L, rate)``,
``default_state(*batch)``, ``step(u, state)``.
"""

from ssm_ts.core.base import SSM, krylov
from ssm_ts.core.companion import CompanionSSM, ShiftSSM
from ssm_ts.core.conv import FFTConv, SSMBlock, fft_causal_conv
from ssm_ts.core.diagonal import DiagonalSSM
from ssm_ts.core.discretization import discretize_dense, discretize_diagonal
from ssm_ts.core.dplr import DPLRSSM
from ssm_ts.core.optim import ssm_param_groups
from ssm_ts.core.registry import available_ssms, build_ssm, register_ssm
from ssm_ts.core.scan_ssm import DiagonalScanSSM

register_ssm("diagonal", DiagonalSSM)
register_ssm("dplr", DPLRSSM)
register_ssm("companion", CompanionSSM)
register_ssm("shift", ShiftSSM)
register_ssm("scan", DiagonalScanSSM)

__all__ = [
    "SSM",
    "CompanionSSM",
    "DPLRSSM",
    "DiagonalSSM",
    "DiagonalScanSSM",
    "FFTConv",
    "SSMBlock",
    "ShiftSSM",
    "available_ssms",
    "build_ssm",
    "discretize_dense",
    "discretize_diagonal",
    "fft_causal_conv",
    "krylov",
    "register_ssm",
    "ssm_param_groups",
]
