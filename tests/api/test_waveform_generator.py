"""WaveformGenerator end to end on real speech: fit, generate, save/load, the generate CLI, the MLflow pyfunc."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError

pytestmark = pytest.mark.usefixtures("single_thread")


def test_fit_generate_save_load_cli_and_pyfunc(shared_data, tmp_path):
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=8, out_dir=str(tmp_path / "run"))
    with pytest.raises(ConfigError, match="not fitted"):
        gen.generate(1, 0.01)
    gen.fit(str(shared_data / "audio" / "espeak-digits"), clip_seconds=0.05, max_files_per_split=8)
    assert 0 < gen.metrics_["test_nll_bits"] < 9

    audio = gen.generate(3, 0.02, seed=0)
    assert audio.shape == (3, 320) and audio.abs().max() <= 1.0
    prompt = torch.linspace(-0.5, 0.5, 100)
    continued = gen.generate(2, 0.02, prompt=prompt, seed=0, top_p=0.9)
    torch.testing.assert_close(continued[:, :100], prompt.expand(2, -1), atol=0.02, rtol=0)  # mu-law step

    gen.save(str(tmp_path / "model"))
    loaded = WaveformGenerator.load(str(tmp_path / "model"))
    torch.testing.assert_close(loaded.generate(3, 0.02, seed=0), audio)

    out = tmp_path / "samples"
    assert (
        generate_command(
            [
                "--ckpt_path",
                str(tmp_path / "model"),
                "--num",
                "3",
                "--seconds",
                "0.01",
                "--out",
                str(out),
                "--batch_size",
                "2",
            ]
        )
        == 0
    )
    wavs = sorted(out.glob("*.wav"))
    assert len(wavs) == 3 and (out / "spectrograms.png").stat().st_size > 1000
    data, rate = sf.read(wavs[0])
    assert rate == 16000 and data.shape == (160,)

    run = mlflow.get_run(gen.run_id_)
    assert "val_nll_bits" in run.data.metrics
    client = mlflow.MlflowClient()
    assert {"config.json", "checkpoints"} <= {a.path for a in client.list_artifacts(gen.run_id_)}
    config = mlflow.artifacts.load_dict(f"runs:/{gen.run_id_}/config.json")
    assert (
        config["model"]["preset"] == "tiny"
        and config["metrics"]["test_nll_bits"] == gen.metrics_["test_nll_bits"]
    )
    model = mlflow.pyfunc.load_model(f"runs:/{gen.run_id_}/model")
    result = model.predict(pd.DataFrame({"seconds": [0.01, 0.005], "seed": [1, 2]}))
    assert [len(a) for a in result["audio"]] == [160, 80] and (result["sample_rate"] == 16000).all()
