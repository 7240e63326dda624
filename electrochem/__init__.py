"""Potentiostat file readers and electrochemical analysis."""

__all__ = []
