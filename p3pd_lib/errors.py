"""The kit's error classes: every message is meant for a user, in Bahasa Indonesia."""

from __future__ import annotations


class KitError(Exception):
    """Base class of errors a user can fix (bad input, missing data, bad parameter).

    The CLI prints these as one line without a traceback; notebooks and the
    dashboard show the message as it is.
    """


class ParameterError(KitError, ValueError):
    """A parameter (CLI option, papermill parameter, dashboard query) is invalid."""


class DataError(KitError, ValueError):
    """Input data do not follow the data contract."""
