"""The text of a ``--config`` file: YAML is read as UTF-8 (a byte-order mark and Windows line ends are
fine); a file saved in another encoding (UTF-16, as Windows PowerShell 5's ``>`` and Notepad's "Unicode"
write it, or a Windows code page) is one error naming the file and how to save it as UTF-8, not a
UnicodeDecodeError traceback."""

from __future__ import annotations

import codecs
from pathlib import Path

from ssm_ts.errors import ConfigError
from ssm_ts.tasks.config_use import config_values

_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def check_config_text(path: Path, given: str) -> None:
    """Refuse the ``--config given`` file at ``path`` when it is not UTF-8 text.

    Raises:
        ConfigError: naming the file, the encoding it seems to be in and how to save it as UTF-8.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return  # the parser's own error names an unreadable file
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if data.startswith(_UTF16_MARKS):
            found = "UTF-16 text (as Windows PowerShell 5's '>' and Notepad's 'Unicode' save files)"
        else:
            found = f"not UTF-8 text (byte {err.start} is 0x{data[err.start]:02x}; a Windows code page?)"
        raise ConfigError(
            f"--config {given}: the file is {found}; YAML configs are read as UTF-8. Save it as UTF-8 "
            "(an editor's 'Save with encoding: UTF-8'; in PowerShell: Get-Content FILE | Set-Content "
            "-Encoding utf8 NEW.yaml), or write a fresh copy with ssm-ts configs copy NAME"
        ) from None


def check_config_texts(args: list[str]) -> None:
    """:func:`check_config_text` of each ``--config`` file in ``args`` (values that are no file, such as
    YAML given inline or a shipped config's name, are left alone)."""
    for value in config_values(args):
        path = Path(value).expanduser()
        if path.is_file():
            check_config_text(path, value)
