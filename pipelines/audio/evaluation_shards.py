"""Validation and test clips split among DDP processes, each clip scored once.

Lightning puts a sampler of its own in an evaluation loader under DDP: a ``DistributedSampler`` that pads a
split whose clips do not divide among the processes with repeats of its first clips, which were scored (and
checked for clipping) twice. Leaving the repeats out (Lightning's ``UnrepeatedDistributedSampler``) gives a
process one batch fewer, or none: a process with no batch skips the epoch's end, where the others wait for
it (the score's sync, the damaged files' exchange). Here the processes short of a clip take an empty one
(:data:`EMPTY`: all padding, length 0, which weighs nothing in the score) in place of the repeat."""

from __future__ import annotations

from torch.utils.data import Dataset

from ssm_ts.pipelines.sampling import EvaluationShard as _EvaluationShard

# the item of a process short of a clip (``ClipDataset``'s: all padding, length 0). Not ``len(dataset)``:
# a dataset that answers that index is iterated (``list(dataset)``, ``for clip in dataset``) one item too far
EMPTY = None


class EvaluationShard(_EvaluationShard):
    """:class:`ssm_ts.pipelines.sampling.EvaluationShard` whose padding is :data:`EMPTY`: rank ``r`` of
    ``num_replicas`` takes clips ``r, r + num_replicas, ...`` in order, every rank as many."""

    def __init__(self, dataset: Dataset, num_replicas: int, rank: int):
        super().__init__(dataset, num_replicas, rank, padding=EMPTY)
