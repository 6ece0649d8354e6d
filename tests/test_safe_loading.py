"""Checkpoints and exports never unpickle arbitrary objects: a crafted pickle is refused, not run."""

from __future__ import annotations

import pickle
import re
import zipfile

import pytest
import torch

from ssm_ts.errors import CheckpointError
from ssm_ts.export import load_checkpoint


class Exploit:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_pickle_checkpoint_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil.ckpt"
    with open(ckpt, "wb") as f:
        pickle.dump({"state_dict": {}, "payload": Exploit(marker)}, f)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(ckpt)
    assert not marker.exists()


def test_real_checkpoint_loads_and_bad_paths_are_clear(tmp_path):
    good = tmp_path / "good.ckpt"
    torch.save({"state_dict": {"w": torch.ones(2)}, "epoch": 3}, good)
    assert load_checkpoint(good)["epoch"] == 3
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.ckpt")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(good.read_bytes()[:20])
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(truncated)


def crafted_last_checkpoint(out_dir, marker):
    # in a run folder of ssm-ts's own (experiment/run), where resume=True looks
    ckpt = out_dir / "1" / "run" / "checkpoints" / "last.ckpt"
    ckpt.parent.mkdir(parents=True)
    with open(ckpt, "wb") as f:
        pickle.dump({"state_dict": {}, "payload": Exploit(marker)}, f)
    return ckpt


def test_resume_from_a_crafted_checkpoint_is_refused_and_not_executed(tmp_path, shared_data, capsys):
    """Both resume paths (the API's ``fit(resume=True)``, the CLI's ``--ckpt_path``) read the
    checkpoint safely before Lightning touches it."""
    import pandas as pd

    from ssm_ts import cli
    from ssm_ts.api.forecaster import Forecaster

    marker = tmp_path / "pwned"
    ckpt = crafted_last_checkpoint(tmp_path / "out", marker)
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=400)
    forecaster = Forecaster(
        "nlinear", lookback=24, horizon=6, log_to_mlflow=False, out_dir=str(tmp_path / "out")
    )
    with pytest.raises(CheckpointError, match="refused to load"):
        forecaster.fit(frame, target="OT", resume=True)
    args = ["forecast", "fit", "--data.path", str(shared_data / "forecasting" / "ETTh1.csv")]
    code = cli.main(
        [*args, "--model.model", "nlinear", "--ckpt_path", str(ckpt), "--out", str(tmp_path / "cli")]
    )
    assert code != 0 and "refused to load" in capsys.readouterr().err
    assert not marker.exists()


def test_loading_a_crafted_audio_checkpoint_is_refused_and_not_executed(tmp_path, capsys):
    """``WaveformGenerator.load`` and ``ssm-ts audio generate --ckpt_path`` take a .ckpt too."""
    from ssm_ts import cli
    from ssm_ts.api.waveform import WaveformGenerator

    marker = tmp_path / "pwned"
    ckpt = crafted_last_checkpoint(tmp_path / "out", marker)
    with pytest.raises(CheckpointError, match="refused to load"):
        WaveformGenerator.load(str(ckpt))
    code = cli.main(
        ["audio", "generate", "--ckpt_path", str(ckpt), "--num", "1", "--out", str(tmp_path / "s")]
    )
    assert code != 0 and "refused to load" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "s").exists()


def _real_checkpoint(tmp_path):
    good = tmp_path / "good.ckpt"
    torch.save({"state_dict": {"w": torch.ones(1000)}, "epoch": 3}, good)
    return good


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        (
            "notes.txt",
            b"trained on ETTh1, 3 epochs\n",
            r"a text file, first line 'trained on ETTh1, 3 epochs'",
        ),
        ("ETTh1.csv", b"date,HUFL,OT\n2016-07-01 00:00:00,5.8,30.5\n", r"a CSV, first line 'date,HUFL,OT'"),
        ("1.5.csv", b"1.5,2\n3,4\n", r"a CSV, first line '1.5,2'"),  # parses as a protocol-0 pickle
        ("empty.ckpt", b"", r"the file is empty"),
        ("digit.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40), r"a WAV \(RIFF\) audio file"),
        ("plain.pkl", pickle.dumps({"epoch": 3}), r"a Python pickle that torch.save did not write"),
    ],
)
def test_a_file_that_is_no_checkpoint_is_called_so_not_unsafe(tmp_path, name, content, what):
    # before: "refused to load ...: it holds objects other than tensors ... could run code" for a CSV
    # or a plain pickle, a bare KeyError ('101') for a text file, IndexError for a WAV, and
    # "cannot read checkpoint ...: " with an empty reason for an empty file
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert re.match(rf"{re.escape(str(path))} is not a checkpoint \({what}\); pass a \.ckpt file", message)
    assert "checkpoints/best-epoch=N.ckpt or last.ckpt" in message and "--ckpt_path best or last" in message
    assert "refused" not in message and "could run code" not in message


def test_a_zip_of_other_files_is_no_checkpoint(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.safetensors", "")
    with pytest.raises(
        CheckpointError, match=r"is not a checkpoint \(a zip archive of other files: config.json"
    ):
        load_checkpoint(path)


@pytest.mark.parametrize("keep", [0.5, 20])  # half of it; only the zip's first bytes
def test_a_checkpoint_cut_short_is_called_truncated(tmp_path, keep):
    good = _real_checkpoint(tmp_path)
    data = good.read_bytes()
    cut = tmp_path / "last.ckpt"
    cut.write_bytes(data[: int(len(data) * keep) if keep < 1 else keep])
    with pytest.raises(
        CheckpointError,
        match=rf"cannot read checkpoint {re.escape(str(cut))}: it is truncated or damaged \(.*zip archive.*\); "
        r"a fit stopped while writing it, or a copy was cut short. Resume from another checkpoint of the fit "
        r"\(beside it: good.ckpt\); pass a .ckpt file",
    ):
        load_checkpoint(cut)


def test_a_checkpoint_cut_at_8192_bytes_is_called_truncated_not_an_invalid_argument(tmp_path):
    """What a full disk left of a last.ckpt: torch's zip reader raised OSError [Errno 22] Invalid argument,
    which was reported as a file that cannot be read, without saying it was cut short or what to do."""
    good = tmp_path / "best-epoch=3.ckpt"
    torch.save({"state_dict": {"w": torch.ones(20_000)}, "epoch": 3}, good)
    cut = tmp_path / "last.ckpt"
    cut.write_bytes(good.read_bytes()[:8192])
    with pytest.raises(
        CheckpointError,
        match=r"last.ckpt: it is truncated or damaged \(its zip archive's end is missing\); a fit stopped while "
        r"writing it, or a copy was cut short. Resume from another checkpoint of the fit \(beside it: "
        r"best-epoch=3.ckpt\)",
    ):
        load_checkpoint(cut)


def test_a_legacy_format_checkpoint_cut_short_is_called_truncated(tmp_path):
    good = tmp_path / "legacy.ckpt"
    torch.save({"state_dict": {"w": torch.ones(1000)}}, good, _use_new_zipfile_serialization=False)
    assert load_checkpoint(good)["state_dict"]["w"].shape == (1000,)
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(good.read_bytes()[:40])
    with pytest.raises(CheckpointError, match=r"it is truncated or damaged"):
        load_checkpoint(cut)


@pytest.mark.parametrize("writer", ["pickle.dump", "torch.save"])
def test_a_pickle_with_code_is_still_refused_naming_what_it_imports(tmp_path, writer):
    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil.ckpt"
    if writer == "torch.save":
        torch.save({"state_dict": {}, "payload": Exploit(marker)}, ckpt)
    else:
        ckpt.write_bytes(pickle.dumps({"state_dict": {}, "payload": Exploit(marker)}))
    with pytest.raises(
        CheckpointError, match=r"refused to load .*evil.ckpt: it imports io.open, which could run code"
    ):
        load_checkpoint(ckpt)
    assert not marker.exists()


def test_the_cli_says_not_a_checkpoint_for_a_csv_passed_as_ckpt_path(tmp_path, capsys):
    from ssm_ts import cli

    csv = tmp_path / "data.csv"
    csv.write_text("date,OT\n2016-07-01,30.5\n")
    code = cli.main(
        ["audio", "generate", "--ckpt_path", str(csv), "--num", "1", "--out", str(tmp_path / "s")]
    )
    err = capsys.readouterr().err
    assert code == 1 and f"{csv} is not a checkpoint (a CSV, first line 'date,OT')" in err
    assert "Traceback" not in err and not (tmp_path / "s").exists()
