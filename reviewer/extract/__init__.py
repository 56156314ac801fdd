"""Extractors turn a note into :class:`reviewer.facts.NoteFacts`. See ``base.py``."""
