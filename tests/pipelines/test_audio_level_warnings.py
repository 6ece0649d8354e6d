"""Silent and clipped files of an audio folder are reported once per data module setup, in the process
that sets it up, however many loader workers decode them: each worker warned of the files it decoded
(with num_workers=2 a user saw each warning twice), and a second setup in the same process not at all.
A file found bad only when decoded (on_bad_file="skip") is named once too, by the first worker to find it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, index_audio
from tests.conftest import REPO_ROOT
from tests.pipelines.test_audio_pipeline import _corrupt_flac

pytestmark = pytest.mark.usefixtures("single_thread")

EPOCHS = 3
# a fit of EPOCHS epochs over the messy folder with two loader workers, as `ssm-ts audio fit` runs it:
# worker processes print their warnings to stderr (pytest's warning capture never sees them)
FIT_WITH_WORKERS = f"""
import json, sys
from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, index_audio

dm = AudioDataModule(sys.argv[1], 16000, split="rule", test_pattern="take7", val_pattern="take6",
                     batch_size=1, num_workers=2, seed=int(sys.argv[2]), on_bad_file="skip")
dm.setup("fit")
loader = dm.train_dataloader()
names = [path.name for path in dm.files.train]
orders = []
for epoch in range({EPOCHS}):
    loader.sampler.set_epoch(epoch)  # as Lightning does before each epoch
    orders.append([names[index] for index, _ in loader.sampler])
    for _ in loader:
        pass
print(json.dumps(orders))
"""


@pytest.fixture
def messy_digits(shared_data, tmp_path):
    """Eight spoken digits (espeak, 1 s at 16 kHz) beside a silent recording and one saved 4x too loud
    as float (peak about 2): ``take0.wav`` ... ``take7.wav``, ``muted.wav``, ``loud.wav``."""
    spoken = sorted((shared_data / "audio" / "espeak-digits" / "one").glob("*.wav"))[:8]
    for i, path in enumerate(spoken):
        shutil.copy(path, tmp_path / f"take{i}.wav")
    wave, rate = sf.read(spoken[0])
    sf.write(tmp_path / "muted.wav", np.zeros_like(wave), rate)
    sf.write(tmp_path / "loud.wav", (4 * wave).astype(np.float32), rate, subtype="FLOAT")
    return tmp_path


def test_loader_workers_leave_silent_and_clipped_files_to_setup_which_names_each_once(messy_digits):
    _corrupt_flac(messy_digits / "damaged.flac")  # only its later frames fail to decode
    seed = 0
    done = subprocess.run(
        [sys.executable, "-c", FIT_WITH_WORKERS, str(messy_digits), str(seed)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    orders = json.loads(done.stdout.splitlines()[-1])
    for name in ("muted.wav", "loud.wav", "damaged.flac"):  # each in batches of both workers (in turn)
        assert {order.index(name) % 2 for order in orders} == {0, 1}, f"seed {seed}: {name} in one worker"
    printed = done.stderr
    assert [printed.count(name) for name in ("muted.wav", "loud.wav", "damaged.flac")] == [1, 1, 1], printed
    assert "are silent, every sample 0: muted.wav. If they are failed recordings (a muted input)" in printed
    assert "clipped to [-1, 1]: loud.wav (peak 2" in printed and "divide each by its peak" in printed
    assert "damaged.flac cannot be read" in printed and "(on_bad_file='skip'): an empty clip" in printed


def test_each_setup_names_the_silent_and_clipped_files_once_and_decoding_them_warns_no_more(messy_digits):
    # in the main process too: the first decode of each file warned (once a process, so a second data
    # module on the folder, a notebook's second fit, said nothing)
    for _ in range(2):
        dm = AudioDataModule(str(messy_digits), split="rule", test_pattern="take7", val_pattern="take6")
        with pytest.warns(UserWarning) as record:
            dm.setup("fit")
        messages = [str(w.message) for w in record]
        assert len([m for m in messages if "muted.wav" in m]) == 1
        assert len([m for m in messages if "loud.wav" in m]) == 1
        assert f"1 audio file(s) under {messy_digits} peak beyond full scale" in " ".join(messages)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any warning fails
            for name in ("train", "val", "test"):
                for _ in getattr(dm, f"{name}_dataloader")():
                    pass


def test_index_audio_names_the_silent_and_clipped_files_at_the_callers_line_and_their_clips_warn_no_more(
    messy_digits,
):
    # index_audio's files warned when decoded, as the data module's did: once in each loader worker
    files = sorted(messy_digits.glob("*.wav"))
    with pytest.warns(UserWarning) as record:
        audio, _ = index_audio(files, 16000)
    assert [str(w.message).count(".wav") for w in record] == [1, 1]  # muted.wav, then loud.wav
    assert "muted.wav" in str(record[0].message) and "loud.wav (peak 2" in str(record[1].message)
    assert {w.filename for w in record} == {__file__}
    clips = ClipDataset(audio, 16000, Quantizer())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for index in range(len(clips)):
            clips[index]


def test_a_fits_setup_warnings_show_the_users_line_not_lightnings(messy_digits):
    """Lightning calls the data module's setup from its own trainer/call.py, where the warnings of the
    folder's silent and clipped files and of short fixed crops pointed (setup's caller)."""
    import lightning.pytorch as pl

    from tests.pipelines.test_ckpt31_split_record import TinyAudioModel

    trainer = pl.Trainer(max_epochs=1, limit_train_batches=1, limit_val_batches=0, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    data = AudioDataModule(str(messy_digits), 16000, clip_seconds=0.02, batch_size=2)
    with pytest.warns(UserWarning) as record:
        trainer.fit(TinyAudioModel(), datamodule=data)
    ours = [
        w for w in record if any(s in str(w.message) for s in ("are silent", "peak beyond", "crop='fixed'"))
    ]
    assert len(ours) == 3 and {w.filename for w in ours} == {__file__}
