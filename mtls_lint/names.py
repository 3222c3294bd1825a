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


def canonical(name: x509.Name) -> Canonical:
    """``name`` in OpenSSL's canonical form: equal for names OpenSSL takes as equal."""
    return tuple(
        tuple(sorted((attribute.oid.dotted_string, _value(attribute.value)) for attribute in rdn))
        for rdn in name.rdns
    )


def _value(value: str | bytes) -> str | bytes:
    if isinstance(value, bytes):  # BIT STRING attributes: compared as they are
        return value
    return _RUNS.sub(" ", value.strip(_WHITESPACE)).translate(_ASCII_LOWER)
