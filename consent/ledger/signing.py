"""Ed25519 signatures of ledger checkpoints, and the checkpoint file's format.

A checkpoint's statement is a few numbers and a root hash (see consent.ledger.checkpoints);
its signature is made with LEDGER_SIGNING_KEY, which lives in the environment, never in
the database, so someone who can rewrite every table still cannot sign a statement that
matches the rewritten tables.

This module imports nothing from Django: on any machine with Python and `cryptography`,
`python -m consent.ledger.signing checkpoint.json --key-id <fingerprint>` checks an
exported file without the application, its settings or its database.
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FORMAT = "consent-ledger-checkpoint/1"
# What the signature covers, in this canonical form: JSON, sorted keys, no spaces.
SIGNED_FIELDS = ("format", "checkpoint", "taken_at", "chains", "events", "last_event_id", "root", "key_id")


class InvalidKey(ValueError):
    """A key setting that is not base64 of 32 bytes."""


def key_bytes(value: str) -> bytes:
    """The 32 bytes of a base64 key (an Ed25519 private seed or public key)."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKey("not valid base64") from None
    if len(raw) != 32:
        raise InvalidKey(f"{len(raw)} bytes instead of 32")
    return raw


def private_key(value: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(key_bytes(value))


def public_key_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_raw: bytes) -> str:
    """A public key's fingerprint: SHA-256 of its 32 raw bytes, in hex."""
    return hashlib.sha256(public_raw).hexdigest()


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def statement_bytes(statement: dict) -> bytes:
    signed = {field: statement[field] for field in SIGNED_FIELDS}
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(key: Ed25519PrivateKey, statement: dict) -> str:
    return base64.b64encode(key.sign(statement_bytes(statement))).decode()


def signature_valid(public_raw: bytes, statement: dict, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            base64.b64decode(signature, validate=True), statement_bytes(statement)
        )
    except (InvalidSignature, binascii.Error, ValueError, KeyError, TypeError):
        return False
    return True


def file_problems(data: dict, *, trusted: dict[str, bytes]) -> list[str]:
    """What is wrong with an exported checkpoint file, checked against public keys the reader
    trusts ({key id: raw public key}); an empty list when it is genuine. A file is never
    trusted for its own key: anyone can make a key pair and sign a forged root with it."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [f"not a checkpoint file (format should be {FORMAT!r})"]
    missing = [field for field in (*SIGNED_FIELDS, "signature") if field not in data]
    if missing:
        return ["the file lacks " + ", ".join(missing)]
    public_raw = trusted.get(data["key_id"])
    if public_raw is None:
        return [
            f"it is signed with key {data['key_id']}, which is not a key this verifier trusts "
            f"({', '.join(sorted(trusted)) or 'none'})"
        ]
    if not signature_valid(public_raw, data, data["signature"]):
        return [f"its signature does not match its contents (key {data['key_id']}): the file was altered or forged"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m consent.ledger.signing",
        description="Check an exported ledger checkpoint file's signature, offline.",
    )
    parser.add_argument("file", help="the checkpoint file (JSON)")
    parser.add_argument(
        "--key-id",
        required=True,
        help="the signing key's fingerprint you recorded when the key was made (manage.py ledger_checkpoint --key)",
    )
    args = parser.parse_args(argv)
    with open(args.file, encoding="utf-8") as handle:
        data = json.load(handle)
    # The file carries its public key; it is trusted only if it has the fingerprint you hold.
    try:
        public_raw = key_bytes(data.get("public_key", ""))
    except InvalidKey as exc:
        print(f"REFUSED: the file's public key is unusable ({exc}).")
        return 1
    if key_id(public_raw) != args.key_id:
        print(f"REFUSED: the file's public key has fingerprint {key_id(public_raw)}, not {args.key_id}.")
        return 1
    problems = file_problems(data, trusted={args.key_id: public_raw})
    if problems:
        print("REFUSED: " + "; ".join(problems) + ".")
        return 1
    print(
        f"Genuine: checkpoint #{data['checkpoint']} of {data['taken_at']}: {data['events']} events in "
        f"{data['chains']} chains up to event #{data['last_event_id']}, root {data['root']}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
