"""`storybot slack new-key` and `storybot slack rekey`: the key that encrypts each
workspace's tokens (SLACK_TOKEN_ENCRYPTION_KEY, a Fernet key).

To rotate keys: `new-key`, put the new key in front of the old one (NEW,OLD), restart, run
`rekey` to rewrite every stored token with the new key, then drop the old key."""

from __future__ import annotations

import argparse
import sys

from adapters.slack.installations import EncryptionKeyError, TokenCipher, new_key, reencrypt


def new_key_main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="storybot slack new-key",
        description="Print a new key for SLACK_TOKEN_ENCRYPTION_KEY.",
    ).parse_args(argv)
    sys.stdout.write(new_key() + "\n")
    return 0


async def rekey(database_url: str, key_setting: str | None) -> int:
    """Rewrite the stored tokens with the first key; how many values were rewritten.
    Raises EncryptionKeyError (a one-line message) for a bad key or an unreadable token."""
    from storage.engine import create_engine  # a command: a composition root of its own
    from storage.migrate import normalise_url

    cipher = TokenCipher.from_setting(key_setting)
    engine = create_engine(normalise_url(database_url))
    try:
        return await reencrypt(engine, cipher)
    finally:
        await engine.dispose()


async def rekey_main(argv: list[str], database_url: str, key_setting: str | None) -> int:
    argparse.ArgumentParser(
        prog="storybot slack rekey",
        description="Re-encrypt every stored Slack token with the first key of "
        "SLACK_TOKEN_ENCRYPTION_KEY, so that the keys after it can be dropped.",
    ).parse_args(argv)
    try:
        count = await rekey(database_url, key_setting)
    except EncryptionKeyError as refused:
        print(refused, file=sys.stderr)
        return 2
    print(f"Re-encrypted {count} stored Slack secrets with the first key.")
    return 0


if __name__ == "__main__":
    raise SystemExit(new_key_main())
