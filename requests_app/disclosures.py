"""The California Civil Code 1798.83 answer. Placeholder with the agreed signature: the
disclosure-register work (branch `register`) generates it from the register."""

from consent.accounts.models import Subject


def answer_1798_83(*, subject: Subject, year: int) -> dict:
    raise NotImplementedError("answer_1798_83 is provided by the disclosure register (issue 12, register).")
