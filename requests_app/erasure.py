"""Erasure of a person's data. Placeholder with the agreed signature: the disclosure-register
work (branch `register`) provides the implementation."""

from consent.accounts.models import Subject


def subject_erase(*, subject: Subject, actor: str, reason: str):
    raise NotImplementedError("subject_erase is provided by the erasure work (issue 12, register).")
