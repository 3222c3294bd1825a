from __future__ import annotations

import pytest
from cryptography import x509

from mtls_lint.certificate import parse_certificates
from mtls_lint.engine import MAX_FINDINGS_PER_RULE
from mtls_lint.pem_reader import read_bundle
from mtls_lint.trust_graph import MAX_CANDIDATES, TrustGraph
from tests.conftest import fired, lint, rules_of
from tests.pki import MD2_RSA, PKI, Issued, altered, relabelled


@pytest.fixture(scope="module")
def client(pki: PKI, intermediate: Issued) -> Issued:
    return pki.cert("client.example.com", issuer=intermediate, ca=False)


# self-signed-leaf -----------------------------------------------------------------------------


def test_self_signed_leaf_fires_on_a_pinned_client(pki: PKI) -> None:
    pinned = pki.cert("pinned-client", ca=False)
    (finding,) = fired(lint(pinned.pem), "self-signed-leaf")
    assert "self signed certificate" in finding.message


def test_self_signed_leaf_without_basic_constraints(pki: PKI) -> None:
    pinned = pki.cert("pinned-no-bc", ca=None)
    assert fired(lint(pinned.pem), "self-signed-leaf")


def test_self_signed_sha1_leaf_is_detected(pki: PKI) -> None:
    """verify_directly_issued_by refuses SHA-1; self-signed detection must not."""
    pinned = pki.openssl_cert("sha1-pinned", digest="sha1", ca=False)
    assert fired(lint(pinned.pem, select=["self-signed-leaf"]), "self-signed-leaf")


def test_a_root_is_not_a_self_signed_leaf(root: Issued) -> None:
    assert not fired(lint(root.pem), "self-signed-leaf")


# leaf-in-truststore ---------------------------------------------------------------------------


def test_leaf_in_truststore_fires_on_an_issued_end_entity(
    root: Issued, intermediate: Issued, client: Issued
) -> None:
    findings = lint(root.pem + intermediate.pem + client.pem)
    (finding,) = fired(findings, "leaf-in-truststore")
    assert finding.certificate is not None
    assert finding.certificate.index == 3
    assert not fired(findings, "self-signed-leaf")


# missing-issuer -------------------------------------------------------------------------------


def test_missing_issuer_fires_for_an_intermediate_without_its_root(intermediate: Issued) -> None:
    (finding,) = fired(lint(intermediate.pem), "missing-issuer")
    assert "CN=Root CA" in finding.message
    assert "Could not find issuer for certificate" in finding.message


def test_missing_issuer_is_quiet_when_the_chain_is_complete(
    root: Issued, intermediate: Issued
) -> None:
    # order does not matter: the intermediate may come first
    assert not fired(lint(intermediate.pem + root.pem), "missing-issuer")


def test_sha1_chain_is_linked(pki: PKI) -> None:
    sha1_root = pki.openssl_cert("sha1-chain-root", digest="sha1")
    sha1_ca = pki.openssl_cert("sha1-chain-ca", digest="md5", issuer=sha1_root, serial=3)
    findings = lint(sha1_root.pem + sha1_ca.pem, select=["missing-issuer", "bad-signature"])
    assert findings == []
    assert rules_of(lint(sha1_ca.pem, select=["missing-issuer"])) == ["missing-issuer"]


# bad-signature --------------------------------------------------------------------------------


def test_bad_signature_fires_on_an_altered_certificate(root: Issued, intermediate: Issued) -> None:
    findings = lint(root.pem + altered(intermediate))
    (finding,) = fired(findings, "bad-signature")
    assert finding.certificate is not None
    assert finding.certificate.index == 2
    assert not fired(findings, "missing-issuer")


def test_bad_signature_fires_on_a_broken_self_signature(root: Issued) -> None:
    (finding,) = fired(lint(altered(root)), "bad-signature")
    assert "itself" in finding.message


def test_bad_signature_fires_for_an_impostor_issuer_with_the_same_name(pki: PKI) -> None:
    # without key identifiers only the signature can tell the two CAs apart
    real = pki.cert("Impostor target", key_ids=False)
    impostor = pki.cert("Impostor root", subject=real.cert.subject, key_ids=False)
    victim = pki.cert("Signed by impostor", issuer=impostor, key_ids=False)
    assert fired(lint(real.pem + victim.pem), "bad-signature")


def test_a_same_name_ca_with_another_key_id_is_no_issuer_but_a_rekeyed_ca(
    pki: PKI, root: Issued
) -> None:
    # as OpenSSL's X509_check_issued: AKI != SKI means not the issuer, whatever the name
    impostor = pki.cert("Re-keyed root", subject=root.cert.subject)
    victim = pki.cert("Signed by the old key", issuer=impostor)
    findings = lint(root.pem + victim.pem)
    assert not fired(findings, "bad-signature")
    (finding,) = fired(findings, "missing-issuer")
    assert "a CA of that name with another key is there (#1" in finding.message
    assert (
        victim.cert.extensions.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        ).value.key_identifier.hex()
        in finding.message
    )


def test_ca_rollover_tries_every_candidate(pki: PKI, root: Issued) -> None:
    renewed = pki.cert("Root CA rollover", subject=root.cert.subject)
    under_new = pki.cert("Under the new root", issuer=renewed)
    findings = lint(root.pem + renewed.pem + under_new.pem)
    assert not fired(findings, "bad-signature")
    assert not fired(findings, "missing-issuer")


def test_ca_rollover_without_key_identifiers(pki: PKI, root: Issued) -> None:
    old = pki.cert("Old no-AKI", subject=root.cert.subject, key_ids=False)
    new = pki.cert("New no-AKI", subject=root.cert.subject, key_ids=False)
    child = pki.cert("Child no-AKI", issuer=new, key_ids=False)
    assert not fired(lint(old.pem + new.pem + child.pem), "bad-signature")


def test_copies_of_one_certificate_link_to_the_first_copy(root: Issued) -> None:
    findings = lint(root.pem * 50)
    assert len(fired(findings, "duplicate-certificate")) == 49
    assert not fired(findings, "bad-signature")
    graph = TrustGraph(parse_certificates(read_bundle("b.pem", root.pem * 50).blocks)[0])
    last = graph.certificates[-1]
    assert graph.candidates(last) == graph.certificates[:1]
    assert graph.is_self_signed(last)


@pytest.fixture(scope="module")
def namesakes(pki: PKI, root: Issued) -> list[Issued]:
    """More self-signed CAs named like ``root`` than the issuer search tries."""
    return [pki.cert(f"Namesake {i}", subject=root.cert.subject) for i in range(MAX_CANDIDATES + 4)]


def test_issuer_search_stops_after_max_candidates_and_says_so(
    pki: PKI, root: Issued, namesakes: list[Issued]
) -> None:
    outsider = pki.cert("Namesake outside the bundle", subject=root.cert.subject)
    # no authority key identifier: every certificate of the name is a candidate
    victim = pki.cert("Signed by the outsider", issuer=outsider, key_ids=False)
    data = root.pem + b"".join(n.pem for n in namesakes) + victim.pem
    (finding,) = fired(lint(data), "bad-signature")
    assert f"(and {len(namesakes) + 1 - MAX_CANDIDATES} more with that name, not tried)" in (
        finding.message
    )


def test_a_key_identifier_finds_the_issuer_beyond_the_candidate_limit(
    pki: PKI, root: Issued, namesakes: list[Issued]
) -> None:
    child = pki.cert("Under the last namesake", issuer=namesakes[-1])
    findings = lint(root.pem + b"".join(n.pem for n in namesakes) + child.pem)
    assert not fired(findings, "bad-signature")
    assert not fired(findings, "missing-issuer")


# issuer-not-ca --------------------------------------------------------------------------------


def test_issuer_not_ca_fires_for_an_end_entity_that_issues(pki: PKI, root: Issued) -> None:
    not_ca = pki.cert("Not a CA", issuer=root, ca=False)
    child = pki.cert("Child of not a CA", issuer=not_ca, ca=False)
    (finding,) = fired(lint(root.pem + not_ca.pem + child.pem), "issuer-not-ca")
    assert finding.certificate is not None
    assert finding.certificate.index == 2
    assert "not a CA" in finding.message


def test_issuer_not_ca_fires_without_key_cert_sign(pki: PKI, root: Issued) -> None:
    no_sign = pki.cert("CA without keyCertSign", issuer=root, key_usage=False)
    child = pki.cert("Child of no-sign CA", issuer=no_sign, ca=False)
    (finding,) = fired(lint(root.pem + no_sign.pem + child.pem), "issuer-not-ca")
    assert "keyCertSign" in finding.message


def test_issuer_with_key_cert_sign_is_quiet(pki: PKI, root: Issued) -> None:
    good = pki.cert("CA with keyCertSign", issuer=root, key_usage=True)
    child = pki.cert("Child of good CA", issuer=good, ca=False)
    assert not fired(lint(root.pem + good.pem + child.pem), "issuer-not-ca")


# chain-too-deep -------------------------------------------------------------------------------


def test_chain_too_deep_fires_at_the_fifth_ca(pki: PKI) -> None:
    chain = pki.chain("Deep", 5)
    (finding,) = fired(lint(b"".join(c.pem for c in chain)), "chain-too-deep")
    assert finding.certificate is not None
    assert finding.certificate.index == 5
    assert "5 CA certificates" in finding.message


def test_four_cas_are_allowed(pki: PKI) -> None:
    chain = pki.chain("Deep", 4)
    assert not fired(lint(b"".join(c.pem for c in chain)), "chain-too-deep")


def test_a_very_long_chain_does_not_exhaust_the_stack(pki: PKI) -> None:
    chain = pki.chain("Long", 1200)
    findings = lint(b"".join(c.pem for c in reversed(chain)), select=["chain-too-deep"])
    # 1196 CAs are too deep; the engine lists MAX_FINDINGS_PER_RULE and counts the rest
    assert len(findings) == MAX_FINDINGS_PER_RULE + 1
    assert [f for f in findings if f.message.startswith(f"{1196 - MAX_FINDINGS_PER_RULE} more")]


def test_cross_signed_cycle_terminates(pki: PKI) -> None:
    a = pki.cert("Cycle A")
    b = pki.cert("Cycle B")
    a_by_b = pki.cert("Cycle A by B", subject=a.cert.subject, issuer=b, same_key_as=a)
    b_by_a = pki.cert("Cycle B by A", subject=b.cert.subject, issuer=a, same_key_as=b)
    # only the cross-signed pair: each one's issuer is the other
    findings = lint(a_by_b.pem + b_by_a.pem)
    assert not [f for f in findings if "internal error" in f.message]
    assert not fired(findings, "missing-issuer")
    assert not fired(findings, "bad-signature")


# path-length-exceeded -------------------------------------------------------------------------


def test_path_length_zero_forbids_an_intermediate_ca(pki: PKI) -> None:
    root0 = pki.cert("Pathlen 0 root", path_length=0)
    sub = pki.cert("Under pathlen 0", issuer=root0)
    (finding,) = fired(lint(root0.pem + sub.pem), "path-length-exceeded")
    assert finding.certificate is not None
    assert finding.certificate.index == 2
    assert "pathLenConstraint is 0" in finding.message


def test_path_length_one_forbids_a_second_intermediate(pki: PKI) -> None:
    root1 = pki.cert("Pathlen 1 root", path_length=1)
    sub1 = pki.cert("Pathlen 1 sub", issuer=root1)
    sub2 = pki.cert("Pathlen 1 subsub", issuer=sub1)
    findings = fired(lint(root1.pem + sub1.pem + sub2.pem), "path-length-exceeded")
    assert [f.certificate.index for f in findings if f.certificate] == [3]


def test_path_length_allows_leaves_below_the_last_ca(pki: PKI) -> None:
    root0 = pki.cert("Pathlen 0 root")
    leaf = pki.cert("Leaf under pathlen 0", issuer=root0, ca=False)
    assert not fired(lint(root0.pem + leaf.pem), "path-length-exceeded")


# signatures nothing can check ------------------------------------------------------------------


def test_md2_root_falls_back_to_names_and_key_identifiers(pki: PKI) -> None:
    md2_root = pki.cert("MD2 root", key="rsa-2048")
    md2_ca = pki.cert("MD2 CA", key="rsa-2048", issuer=md2_root)
    findings = lint(relabelled(md2_root, MD2_RSA) + relabelled(md2_ca, MD2_RSA))
    weak = fired(findings, "weak-signature-hash")
    assert len(weak) == 2
    assert all(
        "signed with MD2 (nothing here can check such a signature" in f.message for f in weak
    )
    assert not fired(findings, "missing-issuer")
    assert not fired(findings, "bad-signature")
    assert not fired(findings, "self-signed-leaf")


def test_md2_without_matching_key_identifiers_is_not_linked(pki: PKI) -> None:
    md2_root = pki.cert("MD2 root no ids", key="rsa-2048", key_ids=False)
    md2_ca = pki.cert("MD2 CA no ids", key="rsa-2048", issuer=md2_root, key_ids=False)
    assert fired(lint(relabelled(md2_root, MD2_RSA) + relabelled(md2_ca, MD2_RSA)), "bad-signature")


def test_a_bundle_spends_at_most_its_budget_of_extra_issuer_checks(
    pki: PKI, root: Issued, namesakes: list[Issued], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtls_lint import trust_graph

    monkeypatch.setattr(trust_graph, "EXTRA_CHECKS_FLOOR", 0)
    outsider = pki.cert("Namesake outside the bundle", subject=root.cert.subject)
    victims = [pki.cert(f"Budget victim {i}", issuer=outsider, key_ids=False) for i in range(6)]
    calls = 0
    original = trust_graph.check_signature

    def counting(cert, key):
        nonlocal calls
        calls += 1
        return original(cert, key)

    monkeypatch.setattr(trust_graph, "check_signature", counting)
    data = root.pem + b"".join(n.pem for n in namesakes) + b"".join(v.pem for v in victims)
    certificates = 1 + len(namesakes) + len(victims)
    findings = lint(data)
    # each certificate's first candidate, plus one extra per certificate in all
    assert calls <= 2 * certificates
    assert any("not tried" in f.message for f in fired(findings, "bad-signature"))
