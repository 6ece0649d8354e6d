"""``ssm-ts forecast tune`` reads ``~`` and ``$NAME`` in its path settings as the other commands do
(``out: ~/runs`` in a YAML wrote trials.csv under a folder named ``~`` in the working folder, while the
study and the export went to the home folder)."""

from __future__ import annotations

from ssm_ts.cli import main


def test_an_unset_variable_in_out_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SSM_TS_NO_SUCH_FOLDER", raising=False)
    args = ["--data.path", "x.csv", "--space", "{lr: [0.001, 0.01]}", "--out", "$SSM_TS_NO_SUCH_FOLDER/runs"]
    code = main(["forecast", "tune", *args])
    err = capsys.readouterr().err
    assert code == 1
    assert "environment variable SSM_TS_NO_SUCH_FOLDER is not set" in err, err
    assert "a $ in a name as $$, or as written where that path exists" in err  # prices$usd.csv
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_home_data_path_is_read_from_the_home_folder(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "search.yaml"
    config.write_text("out: ~/runs\ndata:\n  path: ~/missing.csv\nspace:\n  lr: [0.001, 0.01]\n")
    assert main(["forecast", "tune", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert str(home / "missing.csv") in err, err  # looked for in the home folder, not in ./~
    assert not (tmp_path / "~").exists()
