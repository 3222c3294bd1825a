"""Comparing X.509 names as OpenSSL does.

RFC 5280 section 7.1 compares names after LDAP StringPrep; OpenSSL (``X509_NAME_cmp``) compares
a canonical encoding: every string type made UTF-8, leading and trailing whitespace removed,
internal runs of whitespace collapsed to one space, and ASCII letters lowered. StringPrep also
folds the case of non-ASCII letters and maps more characters; this follows OpenSSL, the stack
the services' TLS is closest to, so ``Ä`` and ``ä`` stay different here as they do there.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

#: One name, comparable: per RDN, its (attribute OID, canonical value) pairs, sorted.
Canonical = tuple[tuple[tuple[str, "str | bytes"], ...], ...]

_WHITESPACE = " \t\n\x0b\x0c\r"  # C's isspace(), which OpenSSL's canonical form uses
_RUNS = re.compile(f"[{_WHITESPACE}]+")
_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)  # fmt: skip
#: What :data:`_RUNS` changes in a value stripped of whitespace at its ends: a run of spaces,
#: or any other whitespace character. Most values hold neither, and are left as they are.
_FOLDED = ("  ", "\t", "\n", "\x0b", "\x0c", "\r")


def canonical(name: x509.Name) -> Canonical:
    """``name`` in OpenSSL's canonical form: equal for names OpenSSL takes as equal."""
    return tuple(
        tuple(sorted((attribute.oid.dotted_string, _value(attribute.value)) for attribute in rdn))
        for rdn in name.rdns
    )


def _value(value: str | bytes) -> str | bytes:
    """Whitespace trimmed and collapsed, ASCII letters lowered: five times faster than
    ``_RUNS.sub`` and ``translate`` on every value, and the same (``tests/test_names.py``)."""
    if isinstance(value, bytes):  # BIT STRING attributes: compared as they are
        return value
    value = value.strip(_WHITESPACE)
    for mark in _FOLDED:
        if mark in value:
            value = _RUNS.sub(" ", value)
            break
    # str.lower() folds non-ASCII letters too, which OpenSSL does not: only for ASCII text
    return value.lower() if value.isascii() else value.translate(_ASCII_LOWER)
