"""A model of how a GitHub runner reads a step's output, step by step as actions/runner does.

``ActionCommandManager.TryProcessCommand`` takes each line a step writes (stdout and stderr
alike) and tries ``ActionCommand.TryParseV2`` and then the legacy ``ActionCommand.TryParse``.
Both are followed here, with one deliberate difference: every command name counts as
registered, since the runner's set grows with its versions and a test should not pass only
because today's runner lacks a command.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Command(NamedTuple):
    name: str
    line: str


def lines(text: str) -> list[str]:
    """Split as .NET's ``StreamReader.ReadLine``: at ``\\n``, ``\\r`` and ``\\r\\n``."""
    return re.split(r"\r\n|\r|\n", text)


def try_parse_v2(line: str) -> str | None:
    """``TryParseV2``: trim leading whitespace; ``::``; the next ``::`` ends the command
    info; the name is the info up to its first space."""
    if not line:
        return None
    message = line.lstrip()  # .NET TrimStart(): Python's whitespace is a superset
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name = info.split(" ", 1)[0]
    return name if name else None


def try_parse_legacy(line: str) -> str | None:
    """``TryParse``: ``##[`` anywhere; the next ``]`` ends the command info; the name is the
    info up to its first space."""
    prefix = line.find("##[")
    if prefix < 0:
        return None
    bracket = line.find("]", prefix)
    if bracket < 0:
        return None
    info = line[prefix + 3 : bracket]
    name = info.split(" ", 1)[0]
    return name if name else None


def commands(text: str) -> list[Command]:
    """Every line of ``text`` a runner would take as a workflow command, in order."""
    found = []
    for line in lines(text):
        name = try_parse_v2(line) or try_parse_legacy(line)
        if name is not None:
            found.append(Command(name, line))
    return found


#: The lines mtls-lint writes as commands on purpose (``--format github``, the action).
OWN = re.compile(
    r"::(error|warning|notice) (file=[^,\r\n]*,line=\d+,endLine=\d+,)?title=mtls-lint [a-z0-9-]+"
    r"::[^\r\n]*"
    r"|::stop-commands::[0-9a-f]{32}|::[0-9a-f]{32}::"
    r"|::group::mtls-lint [^\r\n]*|::endgroup::"
)


def foreign_commands(text: str) -> list[Command]:
    """The commands in ``text`` that mtls-lint did not mean to write. An own line carrying
    ``##[`` counts as foreign too: its data would be a second command to a runner that
    tried the legacy syntax first."""
    return [c for c in commands(text) if not OWN.fullmatch(c.line) or "##[" in c.line]
