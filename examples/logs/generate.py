"""Write the example logs from the example clients: ``python examples/logs/generate.py``.

``api/`` holds what an operator downloads after a 403 storm on an HTTP API with mutual TLS:
the access log as ``aws logs filter-log-events`` prints it, and the REST-style execution
log lines that name AWS's reason. ``alb/`` holds an ALB connection log. The times and ids are
made up; the certificates are ``examples/clients/``.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography import x509

HERE = Path(__file__).parent
CLIENTS = HERE.parent / "clients"
ISSUER = "Could not find issuer for certificate"


def access_line(client: str, request_id: str, status: str, minute: int) -> str:
    pem = (CLIENTS / f"{client}.pem").read_text()
    return json.dumps({
        "requestId": request_id, "requestTime": f"01/Dec/2026:10:{minute:02d}:00 +0000",
        "status": status, "identity": {"clientCert": {"clientCertPem": pem}},
    })  # fmt: skip


def events() -> str:
    lines = [access_line("good", "g-1", "200", 1), access_line("good", "g-2", "200", 2)]
    lines += [access_line("unknown-issuer", f"u-{i}", "403", 3 + i) for i in range(3)]
    lines += [access_line("sha1", "s-1", "403", 9)]
    document = {
        "events": [
            {"logStreamName": "default", "timestamp": 1796119200000 + i, "message": m}
            for i, m in enumerate(lines)
        ],
        "searchedLogStreams": [],
    }
    return json.dumps(document, indent=4) + "\n"


def execution() -> str:
    out = []
    untrusted, insecure = ISSUER, "Client cert using an insecure Signature Algorithm"
    for request_id, reason in [("u-0", untrusted), ("u-1", untrusted), ("s-1", insecure)]:
        out += [f"({request_id}) Extended Request Id: X{request_id}=",
                f"({request_id}) Access denied. Reason: {reason}",
                f"({request_id}) ForbiddenException Forbidden: {request_id}"]  # fmt: skip
    return "\n".join(out) + "\n"


def alb() -> str:
    lines = []
    for client, status, minute in [("good", "Success", 1), ("unknown-issuer",
                                   "Failed:ClientCertUntrusted", 2), ("unknown-issuer",
                                   "Failed:ClientCertUntrusted", 3)]:  # fmt: skip
        cert = x509.load_pem_x509_certificate((CLIENTS / f"{client}.pem").read_bytes())
        validity = (f"NotBefore={cert.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ};"
                    f"NotAfter={cert.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}")  # fmt: skip
        lines.append(" ".join([
            f"2026-12-01T10:{minute:02d}:00.000000Z", "203.0.113.7", "41234", "443", "TLSv1.3",
            "TLS_AES_128_GCM_SHA256", "3.5", f'"{cert.subject.rfc4514_string()}"', validity,
            f"{cert.serial_number:X}", status, f"TID_{minute:032x}", "X25519",
            "app/example/0123456789abcdef", "10.0.0.10",
        ]))  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    (HERE / "api").mkdir(exist_ok=True)
    (HERE / "alb").mkdir(exist_ok=True)
    (HERE / "api" / "events.json").write_text(events())
    (HERE / "api" / "execution.log").write_text(execution())
    (HERE / "alb" / "connections.log").write_text(alb())
