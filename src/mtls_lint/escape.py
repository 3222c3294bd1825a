"""Make untrusted text safe for a terminal or a GitHub workflow command.

Certificate subjects, stray text and file names come from whoever wrote the bundle: they can
carry ANSI escapes, bidi overrides or newlines followed by ``::workflow-command::``.
"""

from __future__ import annotations

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
