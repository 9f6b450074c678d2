"""Which task the session's data set is: views that draw classes and numbers differently ask here."""

from __future__ import annotations


def is_regression(session) -> bool:
    return getattr(session.data, "task", "") == "regression"
