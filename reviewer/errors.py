"""Errors the front ends turn into a one-line message and exit status 2."""

from __future__ import annotations


class ReviewerError(Exception):
    """Base class: a problem with what the user gave us, stated in one line."""

    exit_code = 2


class UsageError(ReviewerError):
    """The command line does not make sense (unknown code, bad CODE=MINUTES ...)."""


class InputError(ReviewerError):
    """The note (or batch row) cannot be reviewed: empty, binary, too large, not UTF-8."""


class ConfigError(ReviewerError):
    """A setting or a data file (profile, knowledge document, prompt) is broken."""
