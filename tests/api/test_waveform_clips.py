"""Generated clips on a model fitted on real speech (espeak-digits): clip i of a seed is the same in
the API, the CLI at any --batch_size and the logged MLflow model; a second ``audio generate`` into
the same --out replaces the first run's clips instead of leaving them beside the new ones."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError, DataError

pytestmark = pytest.mark.usefixtures("single_thread")

PCM_STEP = 1 / 32768  # the WAVs are 16-bit PCM: API audio and a WAV differ by at most one step


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> tuple[WaveformGenerator, Path]:
    """A tiny generator fitted one epoch on espeak-digits (its run logged to its own MLflow store),
    and its export folder."""
    root = tmp_path_factory.mktemp("fitted")
    torch.set_num_threads(1)
    gen = WaveformGenerator(
        preset="tiny",
        max_epochs=1,
        batch_size=8,
        out_dir=str(root / "run"),
        tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
    )
    gen.fit(str(shared_data / "audio" / "espeak-digits"), clip_seconds=0.05, max_files_per_split=8)
    return gen, root / "run" / "export"


def _cli_clips(export: Path, out: Path, *options: str) -> np.ndarray:
    """``ssm-ts audio generate`` into ``out``; its WAVs as (n, samples), in file order."""
    assert generate_command(["--ckpt_path", str(export), "--out", str(out), *options]) == 0
    return np.stack([sf.read(path)[0] for path in sorted(out.glob("sample_[0-9][0-9][0-9].wav"))])


@pytest.mark.parametrize("top_p", [None, "0.9"])
def test_cli_clips_do_not_depend_on_batch_size(fitted, tmp_path, top_p):
    """--batch_size 2 changed every clip, clip 0 too (each batch was seeded with seed + first clip and
    its clips shared one random stream); --batch_size is a memory setting and must not change the audio."""
    gen, export = fitted
    options = ["--num", "5", "--seconds", "0.03", "--seed", "7", *(["--top_p", top_p] if top_p else [])]
    by_batch = {
        bs: _cli_clips(export, tmp_path / f"bs{bs}", *options, "--batch_size", str(bs)) for bs in (1, 2, 16)
    }
    assert by_batch[16].shape == (5, 480)
    np.testing.assert_array_equal(by_batch[1], by_batch[16])
    np.testing.assert_array_equal(by_batch[2], by_batch[16])
    api = gen.generate(5, 0.03, seed=7, top_p=None if top_p is None else float(top_p)).numpy()
    np.testing.assert_allclose(by_batch[16], api, atol=PCM_STEP, rtol=0)
    assert np.abs(by_batch[16][0] - by_batch[16][1]).max() > 0.01  # the clips differ from each other


def test_api_clip_i_depends_on_seed_and_i_alone(fitted):
    gen, _ = fitted
    clips = gen.generate(5, 0.03, seed=3)
    torch.testing.assert_close(gen.generate(1, 0.03, seed=3), clips[:1], rtol=0, atol=0)
    torch.testing.assert_close(gen.generate(2, 0.03, seed=3, first_clip=3), clips[3:], rtol=0, atol=0)
    assert not torch.equal(gen.generate(1, 0.03, seed=4)[0], clips[1])  # seed 4 is not seed 3's clip 1
    with pytest.raises(ConfigError, match=r"first_clip must be a whole number >= 0 \(a clip index\), got -1"):
        gen.generate(1, 0.03, seed=3, first_clip=-1)

    # a prompt per clip: clip i continues prompt i, the same in a batch of 3 or alone
    prompts = torch.stack([torch.linspace(-0.3, 0.3, 80) * (i + 1) for i in range(3)])
    prompted = gen.generate(3, 0.03, prompt=prompts, seed=3)
    torch.testing.assert_close(
        gen.generate(1, 0.03, prompt=prompts[2:], seed=3, first_clip=2)[0], prompted[2], rtol=0, atol=0
    )


def test_cli_with_a_prompt_does_not_depend_on_batch_size(fitted, tmp_path):
    gen, export = fitted
    prompt = tmp_path / "prompt.wav"
    sf.write(prompt, 0.3 * np.sin(np.linspace(0, 60, 160)), 16000)
    options = ["--num", "3", "--seconds", "0.02", "--seed", "5", "--prompt", str(prompt)]
    one = _cli_clips(export, tmp_path / "one", *options, "--batch_size", "1")
    np.testing.assert_array_equal(one, _cli_clips(export, tmp_path / "all", *options, "--batch_size", "16"))
    np.testing.assert_allclose(
        one, gen.generate(3, 0.02, prompt=str(prompt), seed=5).numpy(), atol=PCM_STEP, rtol=0
    )


def test_logged_model_rows_give_the_seeds_clips(fitted, monkeypatch):
    """A request row with seed s and clip i is clip i of seed s, as the API and the CLI make it."""
    gen, _ = fitted
    monkeypatch.setenv("MLFLOW_TRACKING_URI", gen.settings["tracking_uri"])  # the fit's own store
    model = mlflow.pyfunc.load_model(f"runs:/{gen.run_id_}/model")
    clips = gen.generate(3, 0.02, seed=7)
    result = model.predict(pd.DataFrame({"seconds": [0.02] * 3, "seed": [7, 7, 7], "clip": [2, 0, 1]}))
    torch.testing.assert_close(
        torch.tensor(np.stack(result["audio"])).float(), clips[[2, 0, 1]], rtol=0, atol=0
    )
    for frame, message in [
        (pd.DataFrame({"seconds": [0.02], "clip": [1]}), r"request row 0: 'clip' picks a clip of a seed"),
        (
            pd.DataFrame({"seconds": [0.02], "seed": [1], "clip": [1.5]}),
            r"column 'clip': 1.5 is not a clip index",
        ),
        (
            pd.DataFrame({"seconds": [0.02], "seed": [1], "clip": [-1]}),
            r"column 'clip': -1 is not a clip index",
        ),
    ]:
        with pytest.raises(DataError, match=message):
            model.predict(frame)


def test_a_second_run_into_the_same_out_replaces_the_first_runs_clips(fitted, tmp_path):
    """--num 3 then --num 1 into one folder left sample_001/002.wav of the first run beside the new
    sample_000.wav; a user's own files there are kept."""
    _, export = fitted
    out = tmp_path / "samples"
    out.mkdir()
    keep = [out / "notes.txt", out / "sample_take2.wav", out / "my_sample_001.wav", out / "sample_01.wav"]
    for path in keep:
        path.write_text("mine")
    _cli_clips(export, out, "--num", "3", "--seconds", "0.01")
    assert _cli_clips(export, out, "--num", "1", "--seconds", "0.02").shape == (1, 320)
    assert sorted(p.name for p in out.glob("sample_*.wav")) == [
        "sample_000.wav",
        "sample_01.wav",
        "sample_take2.wav",
    ]
    assert all(path.read_text() == "mine" for path in keep)
    assert not list(out.glob(".*partial*"))


def test_write_replaces_earlier_clips(fitted, tmp_path):
    gen, _ = fitted
    out = tmp_path / "clips"
    gen.write(gen.generate(12, 0.005, seed=0), str(out))
    paths = gen.write(gen.generate(2, 0.005, seed=0), str(out))
    assert sorted(p.name for p in out.iterdir()) == ["sample_000.wav", "sample_001.wav", "spectrograms.png"]
    assert [p.name for p in paths] == ["sample_000.wav", "sample_001.wav", "spectrograms.png"]


def test_small_cpu_batches_are_padded_so_rows_round_as_in_large_ones(fitted, monkeypatch):
    """MKL multiplies 1-3 rows with other kernels than 4 or more (the last bit differs), so a clip
    generated alone could pick another code at a near-tie than in a batch of 16 and diverge from
    there; with a generator per clip, batches under MIN_ROWS run padded and the padding is dropped."""
    from ssm_ts.models.sashimi_recurrent import MIN_ROWS, SaShiMiRecurrence
    from ssm_ts.tasks.waveform import clip_generators

    gen, _ = fitted
    rec = SaShiMiRecurrence(gen.task_.net)
    codes = torch.randint(0, 256, (16, 64), generator=torch.Generator().manual_seed(0))
    full = rec.sequence_logits(codes)
    assert torch.equal(rec.sequence_logits(codes[:MIN_ROWS]), full[:MIN_ROWS])
    rows = []
    run_rows = SaShiMiRecurrence._generate_rows
    monkeypatch.setattr(
        SaShiMiRecurrence, "_generate_rows", lambda self, n, *a: rows.append(n) or run_rows(self, n, *a)
    )
    alone = rec.generate(1, 200, 128, generator=clip_generators(9, [2]))
    in_batch = rec.generate(16, 200, 128, generator=clip_generators(9, range(16)))
    assert rows == [MIN_ROWS, 16] and alone.shape == (1, 200)
    assert torch.equal(alone[0], in_batch[2])
    rec.generate(1, 10, 128, generator=torch.Generator().manual_seed(0))  # one shared stream: no padding
    assert rows[-1] == 1
