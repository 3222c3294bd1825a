"""inspect: the table of certificates and the trust tree, for the shapes truststores take."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mtls_lint.cli import main
from mtls_lint.inventory import Inventory, Node, take_inventory
from mtls_lint.pem_reader import read_bundle
from tests.pki import NOW, NOW_ISO, PKI, Issued


def inventory_of(*certs: Issued | bytes) -> Inventory:
    data = b"".join(c if isinstance(c, bytes) else c.pem for c in certs)
    return take_inventory(read_bundle("b.pem", data))


def shape(nodes: list[Node]) -> list[tuple[str, list]]:
    return [(n.cert.common_name, shape(list(n.children))) for n in nodes]


def test_single_root(root: Issued) -> None:
    inventory = inventory_of(root)
    assert shape(inventory.roots) == [("Root CA", [])]
    assert inventory.orphans == []
    assert inventory.role(inventory.certificates[0]) == "root"


def test_root_with_two_intermediates_and_leaves(pki: PKI, root: Issued) -> None:
    a = pki.cert("Inspect A", issuer=root)
    b = pki.cert("Inspect B", issuer=root)
    leaf_a = pki.cert("inspect leaf a", issuer=a, ca=False)
    leaf_b = pki.cert("inspect leaf b", issuer=b, ca=False)
    inventory = inventory_of(leaf_b, root, a, leaf_a, b)  # order does not matter
    assert shape(inventory.roots) == [
        (
            "Root CA",
            [("Inspect A", [("inspect leaf a", [])]), ("Inspect B", [("inspect leaf b", [])])],
        )
    ]
    roles = {c.common_name: inventory.role(c) for c in inventory.certificates}
    assert roles == {"inspect leaf b": "leaf", "Root CA": "root", "Inspect A": "intermediate",
                     "inspect leaf a": "leaf", "Inspect B": "intermediate"}  # fmt: skip


def test_two_roots(pki: PKI, root: Issued) -> None:
    other = pki.cert("Other root")
    assert shape(inventory_of(root, other).roots) == [("Root CA", []), ("Other root", [])]


def test_orphan_intermediate(intermediate: Issued, pki: PKI) -> None:
    leaf = pki.cert("inspect orphan leaf", issuer=intermediate, ca=False)
    inventory = inventory_of(intermediate, leaf)
    assert inventory.roots == []
    assert shape(inventory.orphans) == [("Intermediate CA", [("inspect orphan leaf", [])])]


def test_two_same_name_cas_are_shown_apart(pki: PKI, root: Issued) -> None:
    renewed = pki.cert("Inspect renewed root", subject=root.cert.subject)
    child = pki.cert("Inspect child of renewed", issuer=renewed)
    inventory = inventory_of(root, renewed, child)
    assert shape(inventory.roots) == [
        ("Root CA", []),
        ("Root CA", [("Inspect child of renewed", [])]),
    ]


def test_self_signed_leaf(pki: PKI) -> None:
    pinned = pki.cert("inspect pinned", ca=False)
    inventory = inventory_of(pinned)
    assert inventory.role(inventory.certificates[0]) == "self-signed-leaf"
    assert shape(inventory.roots) == [("inspect pinned", [])]


def test_a_cross_signed_cycle_is_shown_not_lost(pki: PKI) -> None:
    a, b = pki.cert("Cycle A"), pki.cert("Cycle B")
    a_by_b = pki.cert("Cycle A by B", subject=a.cert.subject, issuer=b, same_key_as=a)
    b_by_a = pki.cert("Cycle B by A", subject=b.cert.subject, issuer=a, same_key_as=b)
    inventory = inventory_of(a_by_b, b_by_a)
    assert len(inventory.orphans) == 1
    assert shape(inventory.orphans) in (
        [("Cycle A", [("Cycle B", [])])],
        [("Cycle B", [("Cycle A", [])])],
    )


def test_text_output(
    pki: PKI, root: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renewed = pki.cert("Inspect renewed root", subject=root.cert.subject)
    orphan = pki.cert(
        "inspect orphan leaf", issuer=pki.cert("Intermediate CA", issuer=root), ca=False
    )
    broken = b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n"
    (tmp_path / "b.pem").write_bytes(root.pem + renewed.pem + orphan.pem + broken)
    assert main(["inspect", "--now", NOW_ISO, str(tmp_path / "b.pem")]) == 0
    out = capsys.readouterr().out
    assert ": 3 certificates\n" in out
    assert "  #  LINE  ROLE" in out
    assert "CN=Root CA (#1, root; same subject as #2)" in out
    assert "(no issuer in bundle)\n      CN=inspect orphan leaf (#3, leaf)" in out
    row = next(line for line in out.splitlines() if line.startswith("  1 "))
    assert "EC secp256r1" in row
    assert "sha256" in row
    assert "2030-01-01" in row
    assert " 1310 " in row
    broken_row = next(line for line in out.splitlines() if line.startswith("  4 "))
    assert "unreadable" in broken_row


def test_days_left_are_coloured_on_a_terminal(
    pki: PKI, root: Issued, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    soon = pki.cert("Inspect soon", issuer=root, not_after=NOW.replace(day=20))
    old = pki.cert("Inspect old", issuer=root, not_after=NOW.replace(month=5))
    (tmp_path / "b.pem").write_bytes(root.pem + soon.pem + old.pem)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    main(["inspect", "--now", NOW_ISO, str(tmp_path / "b.pem")])
    out = capsys.readouterr().out
    assert "\x1b[33m19" in out  # yellow: inside the expiry window
    assert "\x1b[31m-31" in out  # red: expired
    monkeypatch.setenv("NO_COLOR", "1")
    main(["inspect", "--now", NOW_ISO, str(tmp_path / "b.pem")])
    assert "\x1b[" not in capsys.readouterr().out


def test_json_shape(
    root: Issued, intermediate: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.pem").write_bytes(root.pem + intermediate.pem + b"-----BEGIN CERTIFICATE-----\n")
    main(["inspect", "--format", "json", "--now", NOW_ISO, str(tmp_path / "b.pem")])
    (file,) = json.loads(capsys.readouterr().out)["files"]
    assert set(file) == {"path", "certificates", "tree", "orphans", "unreadable"}
    first = file["certificates"][0]
    assert set(first) == {"index", "line", "end_line", "role", "subject", "issuer", "key",
                          "signature_hash", "not_after", "days_left", "sha256"}  # fmt: skip
    assert (first["role"], first["signature_hash"], first["days_left"]) == ("root", "sha256", 1310)
    assert file["tree"] == [
        {"sha256": root.sha256, "children": [{"sha256": intermediate.sha256, "children": []}]}
    ]
    assert file["orphans"] == []
    assert file["unreadable"][0]["index"] == 3


def test_markdown(root: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "b.pem").write_bytes(root.pem)
    main(["inspect", "--format", "markdown", "--now", NOW_ISO, str(tmp_path / "b.pem")])
    out = capsys.readouterr().out
    assert "| # | LINE | ROLE | SUBJECT |" in out
    assert "```text\nCN=Root CA (#1, root)\n```" in out


def test_a_missing_bundle_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["inspect", str(tmp_path / "nope.pem")]) == 2
    assert "nope.pem: cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("data", [b"", b"# notes only\n"], ids=["empty", "comment only"])
def test_a_file_without_certificates_is_an_empty_table(
    tmp_path: Path, data: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "none.pem").write_bytes(data)
    assert main(["inspect", str(tmp_path / "none.pem")]) == 0
    out = capsys.readouterr().out
    assert ": 0 certificates\n" in out
    assert "(no certificates)" in out


def test_inspect_profile_says_which_certificates_the_service_refuses(pki, tmp_path, capsys) -> None:
    import json

    from mtls_lint.cli import main

    p521 = pki.cert("inspect P-521 root", key="ec-p521")
    p256 = pki.cert("inspect P-256 root")
    (tmp_path / "b.pem").write_bytes(p256.pem + p521.pem)
    assert main(["inspect", "--profile", "cloudfront", str(tmp_path / "b.pem")]) == 0
    out = capsys.readouterr().out
    assert "CloudFront refuses #2 (line " in out
    assert "the curve is not one of secp256r1, secp384r1" in out
    assert main(["inspect", "--profile", "alb", str(tmp_path / "b.pem")]) == 0
    assert "ALB accepts the algorithm and key of every certificate" in capsys.readouterr().out
    assert main(["inspect", "--profile", "cloudfront", "--format", "json",
                 str(tmp_path / "b.pem")]) == 0  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert document["service"] == "CloudFront"
    refused = [c["refused_by_service"] for c in document["files"][0]["certificates"]]
    assert refused[0] is None
    assert "the curve is not one of" in refused[1]
    assert main(["inspect", "--format", "json", str(tmp_path / "b.pem")]) == 0
    plain = json.loads(capsys.readouterr().out)  # without --profile, the JSON is as before
    assert "service" not in plain
    assert "refused_by_service" not in plain["files"][0]["certificates"][0]


def test_inspect_walks_a_directory_as_check_does(
    tmp_path, monkeypatch, capsys, root: Issued, intermediate: Issued
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "alb").mkdir()
    (tmp_path / "alb" / "ROOT.PEM").write_bytes(root.pem)
    (tmp_path / "alb" / "partner.ca-bundle").write_bytes(intermediate.pem)
    (tmp_path / "alb" / "fixtures").mkdir()
    (tmp_path / "alb" / "fixtures" / "x.pem").write_bytes(root.pem)
    (tmp_path / ".mtls-lint.yaml").write_text('exclude: ["alb/fixtures/**"]\n')
    assert main(["inspect", "--format", "json", "alb"]) == 0
    shown = [b["path"] for b in json.loads(capsys.readouterr().out)["files"]]
    assert shown == ["alb/ROOT.PEM", "alb/partner.ca-bundle"]
    (tmp_path / "empty").mkdir()
    assert main(["inspect", "empty"]) == 2
    assert "empty: no bundle to inspect" in capsys.readouterr().err
