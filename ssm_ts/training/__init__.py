"""One place that builds Lightning trainers the way every ssm-ts fit wants them.

Quiet by default (no tips, no model summary, no stray ``lightning_logs``), checkpoints that
survive a crash (``last.ckpt`` every epoch plus the best on the validation metric), a guard
that stops on a NaN/inf loss with a clear message while keeping the last good checkpoint, and
an optional exponential moving average of the weights (:class:`EMAWeights`).

The modules, one job each: :mod:`.trainer` (:func:`build_trainer`), :mod:`.verbosity`, :mod:`.checks`
(settings), :mod:`.callbacks`, :mod:`.checkpoints` (ssm-ts's own best and last; :mod:`.no_validation`, the
note of a fit that never validated), :mod:`.user_checkpoints`,
:mod:`.checkpoint_lookup` (which checkpoint ``best``/``last`` and a resume take), :mod:`.checkpoint_io`
(checkpoints written whole or not at all), :mod:`.save_arrivals` (a DDP save on rank 0 alone refused),
:mod:`.resume`, :mod:`.fit_lock` (one fit at a time in a run folder; :mod:`.fit_lock_callback`, the lock every
fit holds while it trains) and :mod:`.refusals`.
Everything is imported from here, ``ssm_ts.training.<name>``: configs name the
callbacks so (``ssm_ts.training.EMAWeights``), and so do the class paths a fit's config records.
"""

from ssm_ts.training.callbacks import EMAWeights, NonFiniteLossGuard
from ssm_ts.training.checkpoint_io import AtomicCheckpointIO, write_checkpoints_atomically
from ssm_ts.training.checkpoint_lookup import (
    BEST_CHECKPOINT_PREFIX,
    NAMED_CHECKPOINTS,
    OWN_CHECKPOINT_FOLDERS,
    find_newest_checkpoint,
    find_own_checkpoint,
    resolve_named_checkpoint,
)
from ssm_ts.training.checkpoints import (
    BestAndLastCheckpoint,
    LastCheckpointWriter,
    best_checkpoint_callback,
    keep_beside_best,
    ssm_ts_best_checkpoint,
    stopped_mid_epoch,
)
from ssm_ts.training.checks import MAX_LEARNING_RATE, check_ema_decay, check_learning_rate
from ssm_ts.training.fit_lock_callback import FitLock
from ssm_ts.training.refusals import DEVICE_SETTINGS, python_spelling, trainer_refusal, trainer_refusals
from ssm_ts.training.resume import (
    KeepEarlyStop,
    KeepGivenPatience,
    cosine_follows_max_epochs,
    keep_given_patience,
)
from ssm_ts.training.trainer import build_trainer, user_trainer_options
from ssm_ts.training.user_checkpoints import (
    USER_CHECKPOINTS,
    UserCheckpointFolders,
    lightning_checkpoint_folder,
    user_checkpoint_folders,
)
from ssm_ts.training.verbosity import QUIET_LEVELS, progress_wanted, quiet_lightning, set_verbosity

__all__ = [
    "BEST_CHECKPOINT_PREFIX",
    "DEVICE_SETTINGS",
    "MAX_LEARNING_RATE",
    "NAMED_CHECKPOINTS",
    "OWN_CHECKPOINT_FOLDERS",
    "QUIET_LEVELS",
    "USER_CHECKPOINTS",
    "AtomicCheckpointIO",
    "BestAndLastCheckpoint",
    "EMAWeights",
    "FitLock",
    "KeepEarlyStop",
    "KeepGivenPatience",
    "LastCheckpointWriter",
    "NonFiniteLossGuard",
    "UserCheckpointFolders",
    "best_checkpoint_callback",
    "build_trainer",
    "check_ema_decay",
    "check_learning_rate",
    "cosine_follows_max_epochs",
    "find_newest_checkpoint",
    "find_own_checkpoint",
    "keep_beside_best",
    "keep_given_patience",
    "lightning_checkpoint_folder",
    "progress_wanted",
    "python_spelling",
    "quiet_lightning",
    "resolve_named_checkpoint",
    "set_verbosity",
    "ssm_ts_best_checkpoint",
    "stopped_mid_epoch",
    "trainer_refusal",
    "trainer_refusals",
    "user_checkpoint_folders",
    "user_trainer_options",
    "write_checkpoints_atomically",
]
