"""Readable names for MLflow runs started without one (``calm-otter-417``), drawn from the OS's entropy.

MLflow names such a run from Python's global ``random``, which a seeded fit has just reset: every fit
with the same seed got the same name. These names come from :class:`random.SystemRandom` instead, so
they differ from run to run whatever the seeds of ``random``, numpy and torch, and drawing one leaves
those streams as they were (a seeded fit stays reproducible). MLflow's own generator is private
(``mlflow.utils.name_utils``), so the words are ours.
"""

from __future__ import annotations

import os
import random

# at most 8 and 7 letters: a name, with its number below 1000, fits MLflow's 20 characters
_ADJECTIVES = (
    "amber", "bold", "brave", "bright", "brisk", "calm", "clever", "crisp", "curious", "deft", "eager",
    "fair", "gentle", "glad", "golden", "honest", "jolly", "keen", "kind", "lively", "lucid", "merry",
    "mighty", "nimble", "noble", "patient", "polite", "proud", "quick", "quiet", "rapid", "serene",
    "sharp", "shiny", "silent", "smooth", "steady", "sunny", "swift", "tidy", "vivid", "warm", "wise",
)  # fmt: skip
_NOUNS = (
    "badger", "beaver", "bison", "cedar", "comet", "crane", "dolphin", "eagle", "falcon", "fern",
    "finch", "fox", "gecko", "heron", "ibis", "koala", "lark", "lemur", "lynx", "maple", "marten",
    "meadow", "moose", "newt", "oak", "orca", "otter", "owl", "panda", "pine", "quail", "raven",
    "river", "robin", "salmon", "seal", "sparrow", "stork", "swan", "tiger", "trout", "willow", "wren",
)  # fmt: skip
_ENTROPY = random.SystemRandom()  # the OS's entropy: no seed reaches it, and it moves no seeded stream


def unseeded_run_name() -> str:
    """A run name such as ``calm-otter-417`` (adjective, noun, a number below 1000), the same kind MLflow
    gives, drawn from the OS's entropy: two runs started after the same seed get different names."""
    return f"{_ENTROPY.choice(_ADJECTIVES)}-{_ENTROPY.choice(_NOUNS)}-{_ENTROPY.randrange(1000)}"


ENV_EXPERIMENT_NAME = "MLFLOW_EXPERIMENT_NAME"


def default_experiment_name(fallback: str) -> str:
    """The MLflow experiment a command logs to when ``--experiment`` is not given: ``$MLFLOW_EXPERIMENT_NAME``
    if set (as ``mlflow.start_run`` reads it, and as the CLI reads ``$MLFLOW_TRACKING_URI``), else
    ``fallback`` (the use's own, ``ssm-ts-forecast``)."""
    return os.environ.get(ENV_EXPERIMENT_NAME, "").strip() or fallback
