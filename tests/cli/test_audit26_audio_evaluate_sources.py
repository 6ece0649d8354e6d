"""``ssm-ts audio test`` and ``validate`` say what they read, as ``fit`` does. The data settings come
from the checkpoint, ``max_files_per_split`` too: a quick fit's model tested on another folder
(``--data.root fsdd``) scored 8 of its files, and the command said nothing of which or how many."""

from __future__ import annotations

from ssm_ts import cli
from tests.cli.test_audit3_warning_sources import spoken_takes

QUIET = ["--trainer.logger", "false", "--trainer.enable_progress_bar", "false"]


def test_evaluating_a_checkpoint_on_another_folder_says_how_many_of_its_files_it_read(
    in_tmp, shared_data, capsys
):
    takes = spoken_takes(shared_data, in_tmp / "takes", "two", [f"c{i:02d}.wav" for i in range(6)])
    others = spoken_takes(shared_data, in_tmp / "others", "five", [f"o{i:02d}.wav" for i in range(12)])
    fit = [
        "audio", "fit", "--data.root", str(takes), "--data.max_files_per_split", "2", "--data.clip_seconds",
        "0.02", "--data.batch_size", "2", "--model.preset", "tiny", "--trainer.max_epochs", "1", *QUIET,
        "--out", "out",
    ]  # fmt: skip
    assert cli.main(fit) == 0
    capsys.readouterr()
    for command in ("test", "validate"):
        assert (
            cli.main(
                ["audio", command, "--ckpt_path", "last", "--out", "out", "--data.root", str(others), *QUIET]
            )
            == 0
        )
        err = " ".join(capsys.readouterr().err.split())  # rich wraps the line
        assert "audio 4 of the 12 audio files (max_files_per_split=2) under" in err, err
        assert "split 2 train, 1 validation, 1 test" in err, err
        assert err.count("max_files_per_split=2") == 1, err  # once, not at each stage
