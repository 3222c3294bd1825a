"""The bar `check` is measured against: load a bundle with cryptography, verify each signature.

Usage: python bench/baseline.py BUNDLE... (several: a loop over them in one process, as the
hook's bar has it). Issuers are looked up by subject, as a careful bare
script would; every certificate's signature is checked against each same-named candidate.
The cyclic garbage collector is paused, as the CLI pauses it: the comparison is of the work,
not of the collector's rescans of objects that live until the end either way.
"""

from __future__ import annotations

import gc
import sys

from cryptography import x509


def main(paths: list[str]) -> int:
    gc.disable()
    for path in paths:
        check(path)
    return 0


def check(path: str) -> None:
    with open(path, "rb") as handle:
        certs = x509.load_pem_x509_certificates(handle.read())
    by_subject: dict[bytes, list[x509.Certificate]] = {}
    for cert in certs:
        by_subject.setdefault(cert.subject.public_bytes(), []).append(cert)
    verified = 0
    for cert in certs:
        for issuer in by_subject.get(cert.issuer.public_bytes(), []):
            try:
                cert.verify_directly_issued_by(issuer)
            except Exception:  # noqa: BLE001 - a baseline counts, it does not explain
                continue
            verified += 1
            break
    print(f"{len(certs)} certificates, {verified} verified", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
