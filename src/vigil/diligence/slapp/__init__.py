"""SLAPP screening: lawsuits against defenders, the data-driven hints on the EU anti-SLAPP
Directive 2024/1069 Art 4(3) indicators, the analyst's judgement per indicator, and the public
list of published cases.

The hints only ever *suggest*; an indicator is met, not met or unclear because an analyst
said so, with reasons, a name and a date. Nothing here returns a verdict.

This package's ``__init__`` imports nothing, so the public surface can read
``slapp.register`` without pulling in the modules that read incidents or defenders."""
