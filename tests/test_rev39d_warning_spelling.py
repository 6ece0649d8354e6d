"""ssm-ts's warnings on the command line give their fixes as the command's options, as its errors do:
``crop='fixed' trains on the first 0.02 s`` read as a Python argument a command's user cannot pass."""

from __future__ import annotations

import warnings

import ssm_ts.pipelines
from ssm_ts.cli.warning_lines import one_line_format

OWN_FILE = ssm_ts.pipelines.__path__[0] + "/sensor/group_split.py"  # an ssm-ts source that warns


def test_a_warning_names_the_command_s_options():
    one_line = one_line_format("classify fit", warnings.formatwarning)
    said = one_line("rare.csv: val_fraction=0.01 held out 0 of 11 recordings", UserWarning, OWN_FILE, 88)
    assert (
        said
        == "ssm-ts classify fit: warning: rare.csv: --data.val_fraction 0.01 held out 0 of 11 recordings\n"
    )
    said = one_line("crop='fixed' trains on the first 0.02 s", UserWarning, OWN_FILE, 1)
    assert said == "ssm-ts classify fit: warning: crop='fixed' trains on the first 0.02 s\n"  # not classify's
    audio = one_line_format("audio fit", warnings.formatwarning)
    said = audio("crop='fixed' trains on the first 0.02 s", UserWarning, OWN_FILE, 1)
    assert said == "ssm-ts audio fit: warning: --data.crop fixed trains on the first 0.02 s\n"


def test_another_library_s_warning_keeps_python_s_form():
    one_line = one_line_format("classify fit", warnings.formatwarning)
    said = one_line("val_fraction=0.01 is odd", UserWarning, warnings.__file__, 3)
    assert "val_fraction=0.01 is odd" in said and "UserWarning" in said and "--data" not in said


def test_the_trainer_settings_messages_name_are_the_command_s():
    from ssm_ts.cli.option_spelling import command_spelling

    said = command_spelling("max_epochs=1 is below the 3 epochs; or accelerator='cpu', devices=1", "audio")
    assert (
        said
        == "--trainer.max_epochs 1 is below the 3 epochs; or --trainer.accelerator cpu, --trainer.devices 1"
    )
    said = command_spelling("(Lightning: precision='bf16-mixed', strategy='ddp')", "classify")
    assert said == "(Lightning: --trainer.precision bf16-mixed, --trainer.strategy ddp)"
