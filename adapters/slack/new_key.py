"""`storybot slack new-key`: a fresh SLACK_TOKEN_ENCRYPTION_KEY (a Fernet key).

To rotate keys, put the new key in front of the old one, comma-separated; once every stored
token has been rewritten with the new key (a reinstall or a token refresh does it), the old
key can go."""

from __future__ import annotations

import argparse
import sys

from adapters.slack.installations import new_key


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="storybot slack new-key",
        description="Print a new key for SLACK_TOKEN_ENCRYPTION_KEY.",
    ).parse_args(argv)
    sys.stdout.write(new_key() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
