"""Make untrusted text safe for a terminal or a GitHub workflow command.

Certificate subjects, stray text and file names come from whoever wrote the bundle: they can
carry ANSI escapes, bidi overrides or newlines followed by ``::workflow-command::``.
"""

from __future__ import annotations

import re

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def printable(text: str, keep: str = "") -> str:
    """Escape control, format and separator characters as ``\\xNN``/``\\uNNNN``, except
    those in ``keep`` (left for a later escaping step)."""
    if text.isprintable():
        return text
    import unicodedata  # only for the rare unprintable text: kept off the hook's start-up

    out = []
    for char in text:
        if char == " " or char in keep or unicodedata.category(char) not in _UNSAFE_CATEGORIES:
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def workflow_data(text: str) -> str:
    """Escape a workflow command's message as ``actions/toolkit``'s ``escapeData`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """Escape a workflow command property as ``actions/toolkit``'s ``escapeProperty`` does."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


# -- workflow commands ---------------------------------------------------------------------
#
# A GitHub runner reads every line a step writes, stdout and stderr alike, and runs the ones
# it parses as workflow commands (actions/runner ``ActionCommand``): ``::name ...::data`` once
# leading whitespace is trimmed (``TryParseV2``), or the legacy ``##[name ...]data`` anywhere
# in the line (``TryParse``). Whatever mtls-lint prints may carry a pull request's bytes, so
# every output format passes through one of the encoders below, each keeping its format valid.

#: What a runner, or anything reading the output as lines, may take as the end of a line.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LEGACY = "##["
#: ``::`` at the start of a line, after any whitespace (Python's is a superset of .NET's).
#: (Patterns, not compiled ones: ``re`` compiles each at its first use and keeps it, and
#: these character classes cost about 2 ms to compile, paid at every start otherwise.)
_LEADING_COLONS = rf"(\A|[{LINE_BREAKS}])(\s*)::"
_RAW_BREAKS = f"[{LINE_BREAKS[2:]}]"  # JSON escapes \n and \r itself
_ASCII_BREAKS = "".join(c for c in LINE_BREAKS[2:] if c.isascii())
_SURROGATE = "[\ud800-\udfff]"


def runner_command(line: str) -> bool:
    """Could a runner read ``line`` (one line, no line break) as a workflow command?

    Deliberately wider than the runner: any ``::`` start or ``##[``, whatever the command's
    name, since the set of commands a runner knows grows with its versions.
    """
    return _LEGACY in line or line.lstrip().startswith("::")


def inert_text(text: str) -> str:
    """``text`` (any number of lines) with every would-be command visibly escaped:
    ``##[`` as ``#\\x23[`` and a leading ``::`` as ``\\x3a:``, in the ``\\xNN`` style of
    :func:`printable`. Nothing else changes."""
    text = inert_legacy(text)
    if "::" in text:
        text = re.sub(_LEADING_COLONS, lambda m: f"{m[1]}{m[2]}\\x3a:", text)
    return text


def inert_json(text: str) -> str:
    """JSON text with ``#`` of ``##[`` written ``\\u0023``, line breaks JSON leaves raw
    (U+2028, NEL, ...) escaped and lone surrogates (from a log's ``\\ud800``) replaced by
    U+FFFD: the same document, with no line a runner could parse and valid UTF-8.

    Only a string can hold ``#`` or those characters, so the escapes always land in one.
    """
    if _LEGACY in text:
        text = text.replace(_LEGACY, "#\\u0023[")
    if text.isascii() and not any(c in text for c in _ASCII_BREAKS):
        return text  # no line break JSON leaves raw, no surrogate: most reports
    text = re.sub(_RAW_BREAKS, lambda m: f"\\u{ord(m[0]):04x}", text)
    return re.sub(_SURROGATE, "\ufffd", text)


def inert_legacy(text: str) -> str:
    """Only the ``##[`` of :func:`inert_text`: for ``--format github``, whose own lines are
    workflow commands and whose data lines are made inert one by one."""
    return text.replace(_LEGACY, "#\\x23[") if _LEGACY in text else text


#: The encoder of each kind of output; a command names the kind its format is.
ENCODERS = {
    "text": inert_text,
    "markdown": inert_text,
    "json": inert_json,
    "github": inert_legacy,
}


#: Initial letters of an upper-case abbreviation said with a vowel sound ("an RSA", "an EC",
#: "an Ed25519"; but "a DSA").
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")


def article(word: str) -> str:
    """``a`` or ``an`` before ``word`` as it is said: abbreviations by their first letter's
    name, other words by their first letter."""
    if not word:
        return "a"
    head = word.split()[0]
    if head.isupper() or any(c.isdigit() for c in head):
        return "an" if head[0].upper() in _VOWEL_LETTERS else "a"
    return "an" if head[0].lower() in "aeiou" else "a"
