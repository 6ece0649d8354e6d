"""The --data.path an error about a data file beside a --config suggests is quoted for the shell: a folder
named ``it's $HOME`` was suggested as ``"../it's $HOME/ett.csv"``, which the shell expands to another
path; pasted, the suggestion now names the file. And ``dir()`` of the sensor pipeline lists the names
it loads at first use."""

from __future__ import annotations

import re
import subprocess

import yaml

from ssm_ts import cli


def test_the_suggested_data_path_survives_the_shell(tmp_path, shared_data, monkeypatch, capsys):
    folder = tmp_path / "it's $HOME"
    folder.mkdir()
    (folder / "run.yaml").write_text(yaml.safe_dump({"data": {"path": "ett.csv"}}))
    (folder / "ett.csv").write_text((shared_data / "forecasting" / "ETTh1.csv").read_text()[:5000])
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert cli.main(["forecast", "fit", "--config", str(folder / "run.yaml")]) == 1
    suggested = re.search(
        r"pass --data.path (.+?) \(relative to the working folder\)", capsys.readouterr().err
    )
    assert suggested, "no --data.path suggested"
    pasted = subprocess.run(["bash", "-c", f"printf %s {suggested.group(1)}"], capture_output=True, text=True)
    assert pasted.stdout == "../it's $HOME/ett.csv"


def test_dir_of_the_sensor_pipeline_lists_its_lazy_names():
    import ssm_ts.pipelines.sensor as sensor

    assert {"SensorDataModule", "collate_recordings", "stratified_split"} <= set(dir(sensor))
