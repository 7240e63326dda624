"""Potentiostat file readers and electrochemical analysis."""
from ._mpt import write_mpt
from ._trace import KNOWN_EXTENSIONS, TECHNIQUES, Trace, read_trace

__all__ = [
    "KNOWN_EXTENSIONS",
    "TECHNIQUES",
    "Trace",
    "read_trace",
    "write_mpt",
]
