"""The one error hierarchy of ssm-ts.

Every predictable mistake (a bad file, column, row, config key or argument) raises a subclass of
:class:`SSMTSError` whose message names the thing that is wrong and how to fix it. Subclasses
also derive from the built-in exception a Python user would expect (``ValueError``,
``FileNotFoundError``), so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class SSMTSError(Exception):
    """Base class of every error ssm-ts raises on purpose."""


class DataError(SSMTSError, ValueError):
    """Input data is malformed: a bad file, column, row, label or value."""


class DataFileNotFoundError(SSMTSError, FileNotFoundError):
    """A data file or folder does not exist where it was looked for."""


class ConfigError(SSMTSError, ValueError):
    """A configuration value or argument is invalid."""


class KernelBackendError(SSMTSError, RuntimeError):
    """A kernel back-end was requested where it cannot run."""


class CheckpointError(SSMTSError, ValueError):
    """A checkpoint or export cannot be loaded (missing, corrupt, or unsafe)."""


class TrainingError(SSMTSError, RuntimeError):
    """Training cannot continue (e.g. the loss became NaN or inf)."""
