"""Validation and test recordings split among DDP processes, each recording scored once.

Under DDP Lightning puts a ``DistributedSampler`` of its own in an evaluation loader, which pads a split
whose recordings do not divide among the processes with repeats of its first recordings: those were scored
twice (accuracy, F1, the confusion matrix's counts). Here each process takes its share of the recordings
in order (:class:`~ssm_ts.pipelines.sampling.EvaluationShard`, which Lightning keeps), and a process short
of one takes a padding recording (:data:`PADDING`) in its place: labelled :data:`PADDING_LABEL`, which the
task leaves out of the loss and every metric (``ClassificationSteps``). Padding rather than leaving it out
keeps every process at as many batches: a process with a batch fewer skips the epoch's end where the
others wait for it."""

from __future__ import annotations

from torch.utils.data import Dataset

from ssm_ts.pipelines.sampling import EvaluationShard

# the index of the padding recording a DDP process short of one takes. Not ``len(dataset)``: a data set that
# answers that index is iterated (``list(dataset)``) one item too far
PADDING = None
# the label of the padding recording in a batch's ``y``: not a class index, nor -1 (a recording without a label)
PADDING_LABEL = -2


class PaddedRecordings(Dataset):
    """``recordings`` (a ``RecordingDataset``), and at index :data:`PADDING` its first recording labelled
    :data:`PADDING_LABEL`, weighing 0 where the recordings carry weights: an item that collates with the
    others (a real recording's values) and that the task scores as nothing."""

    def __init__(self, recordings: Dataset):
        self.recordings = recordings

    def __len__(self) -> int:
        return len(self.recordings)

    def __getitem__(self, index: int | None) -> tuple:
        if index is not PADDING:
            return self.recordings[index]
        values, _, *weight = self.recordings[0]
        return (values, PADDING_LABEL, *(0.0 for _ in weight))


def evaluation_shard(
    recordings: Dataset, world_size: int, rank: int
) -> tuple[PaddedRecordings, EvaluationShard]:
    """``(data set, sampler)`` of process ``rank`` of ``world_size`` for a validation or test loader:
    recordings ``rank, rank + world_size, ...`` of ``recordings`` in order, and :data:`PADDING` where
    they run out, so every process takes as many."""
    padded = PaddedRecordings(recordings)
    return padded, EvaluationShard(padded, world_size, rank, padding=PADDING)
