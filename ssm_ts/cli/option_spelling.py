"""A data error's fix, spelt as the command takes it: the forecasting pipeline words its fixes as
Python arguments (``fill="ffill"``, ``freq=``), which a user of ``ssm-ts forecast`` cannot pass."""

from __future__ import annotations

# Python spelling -> the command line's, for the settings every forecast command takes as --data.*
_FORECAST_SPELLINGS = {
    'fill="ffill" / fill="interpolate"': "--data.fill ffill / --data.fill interpolate",
    "pass freq= (": "pass --data.freq (",
}


def command_spelling(text: str, use: str) -> str:
    """``text`` (an error) with the Python spellings of ``use``'s data settings as its options; other
    uses' text as it is."""
    if use != "forecast":
        return text
    for python, command in _FORECAST_SPELLINGS.items():
        text = text.replace(python, command)
    return text
