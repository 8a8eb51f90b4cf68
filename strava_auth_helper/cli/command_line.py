"""The one hand reading of a command line beside argparse; it imports nothing (the fast path)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up time; annotations are never evaluated here)
    from collections.abc import Sequence

#: The one global option that takes a value; argparse also takes it abbreviated ("--prof").
PROFILE = "--profile"
TOKEN_OPTIONS = ("--token-file", "--min-ttl", PROFILE)


def split_command(arguments: Sequence[str]) -> tuple[list[str], str, list[str]] | None:
    """The words before the command, the command, and the words after it; None if none.

    The command is the first word that is neither an option nor ``--profile``'s value, as
    argparse reads it (``--prof NAME`` too, but not ``--p=NAME``).
    """
    takes_value = False
    for at, arg in enumerate(arguments):
        if takes_value:
            takes_value = False
        elif not arg.startswith("-"):
            return list(arguments[:at]), arg, list(arguments[at + 1 :])
        else:
            takes_value = "=" not in arg and len(arg) > 2 and PROFILE.startswith(arg)
    return None


def options(words: Sequence[str], allowed: Sequence[str]) -> dict[str, str] | None:
    """``--name value`` and ``--name=value`` pairs, each of ``allowed`` at most once; else None.

    None for anything else: a flag, another option, a value that is missing or starts with
    ``-`` (argparse then handles the command line, and says what is wrong).
    """
    values: dict[str, str] = {}
    rest = list(words)
    while rest:
        name, equals, value = rest.pop(0).partition("=")
        if not equals:
            value = rest.pop(0) if rest else ""
        if name not in allowed or name in values or not value or value.startswith("-"):
            return None
        values[name] = value
    return values


def plain_token_command(arguments: Sequence[str]) -> dict[str, str] | None:
    """The options of ``[--profile P] token [--token-file F] [--min-ttl S] [--profile P]``.

    None for any other command line. The values are not checked here: the valid-token read
    answers None for any it would not accept.
    """
    found = split_command(arguments)
    if found is None or found[1] != "token":
        return None
    before, after = options(found[0], (PROFILE,)), options(found[2], TOKEN_OPTIONS)
    if before is None or after is None or (PROFILE in before and PROFILE in after):
        return None
    return before | after
