"""Shipped chip descriptions, one ``<name>.toml`` per chip.

This is an importable package so that ``pbitsim.load_chip("<name>")`` finds the
files after a normal (non-editable) install through :mod:`importlib.resources`.
"""
