"""mtls-lint aws: what API Gateway, ALB and CloudFront hold, read through the real SDK.

Every call goes through botocore's Stubber, which checks each request and answer against
the service models botocore ships; moto runs the S3 and API Gateway v2 end to end. No test
reaches the network: ALB's downloads go through the injectable downloader (a dictionary, or
tests/test_download.py's local server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from mtls_lint.cli import aws as aws_command  # noqa: E402
from mtls_lint.cli import build_parser, main  # noqa: E402
from mtls_lint.deployed import S3Object  # noqa: E402
from mtls_lint.download import DownloadError  # noqa: E402
from tests.pki import NOW, NOW_ISO, PKI, Issued  # noqa: E402
from tests.security.runner import foreign_commands  # noqa: E402
from tests.test_revocation import crl  # noqa: E402

BUCKET, KEY = "truststores", "api/bundle.pem"
DAY = dt.timedelta(days=1)


def client(name: str) -> Any:
    region = "us-east-1" if name == "cloudfront" else "eu-west-1"
    return boto3.client(name, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")  # fmt: skip


class Stubs:
    """A stubbed client per service, each checked for calls left unanswered."""

    def __init__(self, *names: str) -> None:
        self.clients = {name: client(name) for name in names}
        self.stubbers = {name: Stubber(c) for name, c in self.clients.items()}
        for stubber in self.stubbers.values():
            stubber.activate()

    def __getitem__(self, name: str) -> Stubber:
        return self.stubbers[name]

    def done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def run(argv: list[str], stubs: Stubs, downloads: dict[str, bytes] | None = None,
        capsys: pytest.CaptureFixture[str] | None = None) -> tuple[int, str]:  # fmt: skip
    """``mtls-lint aws ARGV`` on the stubbed clients; the exit code and stdout."""
    parser = build_parser(["aws"])
    args = parser.parse_args(["aws", "--no-config", "--now", NOW_ISO, *argv])

    def download(url: str, max_bytes: int) -> bytes:
        data = (downloads or {})[url]
        if len(data) > max_bytes:
            raise DownloadError(f"{url}: over the cap")
        return data

    from mtls_lint.cli.common import UsageError

    try:
        code = aws_command.execute(args, stubs.clients, download)
    except UsageError as exc:
        code = 2
        print(f"mtls-lint: error: {exc}")
    out = capsys.readouterr().out if capsys is not None else ""
    return code, out


@pytest.fixture(scope="module")
def store(pki: PKI) -> dict[str, Issued]:
    root = pki.cert("aws root")
    return {
        "root": root,
        "expired": pki.cert("aws expired CA", issuer=root, not_after=NOW - 5 * DAY),
        "issuing": pki.cert("aws issuing CA", issuer=root),
    }


def rest_domains(stubs: Stubs, items: list[dict[str, Any]], position: str | None = None,
                 expected: dict[str, Any] | None = None) -> None:  # fmt: skip
    page: dict[str, Any] = {"items": items}
    if position:
        page["position"] = position
    stubs["apigateway"].add_response("get_domain_names", page, expected or {})


def http_domains(stubs: Stubs, items: list[dict[str, Any]]) -> None:
    stubs["apigatewayv2"].add_response("get_domain_names", {"Items": items}, {})


def s3_head(stubs: Stubs, version: str | None) -> None:
    answer = {"VersionId": version} if version else {}
    stubs["s3"].add_response("head_object", answer, {"Bucket": BUCKET, "Key": KEY})


def s3_get(stubs: Stubs, data: bytes, version: str | None,
           modified: dt.datetime | None = None) -> None:  # fmt: skip
    expected = {"Bucket": BUCKET, "Key": KEY, **({"VersionId": version} if version else {})}
    answer: dict[str, Any] = {"Body": body(data), "ContentLength": len(data)}
    if modified is not None:
        answer["LastModified"] = modified
    stubs["s3"].add_response("get_object", answer, expected)


MTLS = {"truststoreUri": f"s3://{BUCKET}/{KEY}", "truststoreVersion": "v1",
        "truststoreWarnings": ["\tcertificate ::error::x ##[add-mask]y is not valid"]}  # fmt: skip


def test_apigateway_pins_an_old_version_and_its_bytes_are_linted(
    store: dict[str, Issued], capsys: pytest.CaptureFixture[str]
) -> None:
    stubs = Stubs("apigateway", "apigatewayv2", "s3")
    # two pages; a domain without mutual TLS is not a truststore
    rest_domains(stubs, [{"domainName": "plain.example.com"}], position="p2")
    rest_domains(stubs, [{"domainName": "api.example.com", "mutualTlsAuthentication": MTLS}],
                 expected={"position": "p2"})  # fmt: skip
    http_domains(stubs, [{"DomainName": "api.example.com", "MutualTlsAuthentication": {
        "TruststoreUri": MTLS["truststoreUri"], "TruststoreVersion": "v1"}}])  # fmt: skip
    s3_head(stubs, "v2")
    s3_get(stubs, store["root"].pem + store["expired"].pem, "v1")
    code, out = run(["apigateway", "--format", "json"], stubs, capsys=capsys)
    stubs.done()
    assert code == 1
    (domain,) = json.loads(out)["truststores"]
    assert (domain["service"], domain["name"]) == ("apigateway", "api.example.com")
    assert domain["facts"]["truststoreVersion"] == "v1"
    assert domain["facts"]["latest version"] == "v2"
    assert domain["facts"]["listed by"] == "apigateway, apigatewayv2"
    codes = {n["code"]: n for n in domain["notes"]}
    assert codes["pinned-old-version"]["severity"] == "error"
    assert "value=v2" in codes["pinned-old-version"]["message"]  # the documented fix
    assert codes["truststore-warnings"]["severity"] == "warning"
    assert domain["warnings"] == MTLS["truststoreWarnings"]  # verbatim (JSON escapes it)
    (finding,) = [f for f in domain["findings"] if f["rule"] == "expired"]
    assert finding["path"] == f"s3://{BUCKET}/{KEY}?versionId=v1"  # the pinned bytes


def test_the_text_report_shows_the_services_warnings_verbatim_and_inert(
    store: dict[str, Issued], capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("text", "markdown"):
        stubs = Stubs("apigateway", "apigatewayv2", "s3")
        rest_domains(stubs, [{"domainName": "api.example.com", "mutualTlsAuthentication": MTLS}])
        http_domains(stubs, [])
        s3_head(stubs, "v1")
        s3_get(stubs, store["root"].pem, "v1")
        code, out = run(["apigateway", "--format", fmt], stubs, capsys=capsys)
        assert code == 0  # the warnings are warnings; the pinned version is the latest
        assert foreign_commands(out) == []
        assert "##[" not in out
        if fmt == "text":
            assert "    \\x09certificate ::error::x #\\x23[add-mask]y is not valid" in out
            assert out.rstrip().endswith("1 deployed truststore: 0 errors, 1 warning, 0 notices")


def unpinned(store: dict[str, Issued]) -> Stubs:
    stubs = Stubs("apigateway", "apigatewayv2", "s3")
    rest_domains(
        stubs,
        [
            {
                "domainName": "api.example.com",
                "mutualTlsAuthentication": {"truststoreUri": MTLS["truststoreUri"]},
            }
        ],
    )
    http_domains(stubs, [])
    s3_head(stubs, "v9")
    s3_get(stubs, store["root"].pem, None)  # no version pinned: the latest is read
    return stubs


def test_a_domain_that_pins_no_version_on_a_versioned_bucket_is_a_warning(
    store: dict[str, Issued], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["apigateway", "--format", "json"], unpinned(store), capsys=capsys)
    assert code == 0
    (domain,) = json.loads(out)["truststores"]
    assert [n["code"] for n in domain["notes"]] == ["no-pinned-version"]
    assert run(["apigateway", "--fail-on", "warning"], unpinned(store), capsys=capsys)[0] == 1


ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/ts/abc"
LB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb/def"
LISTENER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/lb/def/ghi"


def alb_stubs(
    store: dict[str, Issued], base: str = "https://bundle.example"
) -> tuple[Stubs, dict[str, bytes]]:
    """ALB's answers, its locations under ``base``, and what each location serves."""
    stubs = Stubs("elbv2")
    elbv2 = stubs["elbv2"]
    elbv2.add_response("describe_trust_stores", {"TrustStores": [{
        "Name": "ts", "TrustStoreArn": ARN, "Status": "ACTIVE", "NumberOfCaCertificates": 2,
        "TotalRevokedEntries": 1}]}, {})  # fmt: skip
    elbv2.add_response("get_trust_store_ca_certificates_bundle",
                       {"Location": f"{base}/ca?X-Amz-Signature=secret"},
                       {"TrustStoreArn": ARN})  # fmt: skip
    elbv2.add_response("describe_trust_store_revocations", {"TrustStoreRevocations": [{
        "TrustStoreArn": ARN, "RevocationId": 7, "RevocationType": "CRL",
        "NumberOfRevokedEntries": 1}]}, {"TrustStoreArn": ARN})  # fmt: skip
    elbv2.add_response("get_trust_store_revocation_content",
                       {"Location": f"{base}/crl7?X-Amz-Signature=secret"},
                       {"TrustStoreArn": ARN, "RevocationId": 7})  # fmt: skip
    elbv2.add_response("describe_trust_store_associations",
                       {"TrustStoreAssociations": [{"ResourceArn": LB}]},
                       {"TrustStoreArn": ARN})  # fmt: skip
    elbv2.add_response("describe_listeners", {"Listeners": [
        {"ListenerArn": LISTENER, "MutualAuthentication": {
            "Mode": "verify", "TrustStoreArn": ARN, "IgnoreClientCertificateExpiry": True}},
        {"ListenerArn": LISTENER + "-plain"},
    ]}, {"LoadBalancerArn": LB})  # fmt: skip
    downloads = {
        f"{base}/ca?X-Amz-Signature=secret": store["root"].pem + store["issuing"].pem,
        f"{base}/crl7?X-Amz-Signature=secret": crl(store["root"], NOW - 2 * DAY, serials=[42]),
    }
    return stubs, downloads


def test_alb_lints_the_bundle_and_revocation_lists_it_holds_and_names_its_listeners(
    store: dict[str, Issued], capsys: pytest.CaptureFixture[str]
) -> None:
    stubs, downloads = alb_stubs(store)
    code, out = run(["alb", "--format", "json"], stubs, downloads, capsys)
    stubs.done()
    (ts,) = json.loads(out)["truststores"]
    assert code == 1  # the revocation list expired two days ago: crl-expired is an error
    assert ts["used_by"] == [
        {
            "kind": "listener",
            "id": LISTENER,
            "settings": {"mode": "verify", "ignore expiry": "true"},
        }
    ]
    assert [f["path"] for f in ts["files"]] == ["alb:ts/ca-certificates.pem",
                                                "alb:ts/revocation-7.crl"]  # fmt: skip
    assert [f["rule"] for f in ts["findings"]] == ["crl-expired"]
    assert ts["notes"] == []  # ALB's count (2) matches the bundle
    assert "secret" not in out  # the presigned URL is never shown


def test_cloudfront_compares_its_source_with_the_trust_store(
    store: dict[str, Issued], capsys: pytest.CaptureFixture[str]
) -> None:
    stubs = Stubs("cloudfront", "s3")
    updated = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    stubs["cloudfront"].add_response("list_trust_stores", {"TrustStoreList": [{
        "Id": "ts-1", "Arn": "arn:aws:cloudfront::123456789012:trust-store/ts-1", "Name": "viewers",
        "Status": "active", "NumberOfCaCertificates": 3, "LastModifiedTime": updated,
        "ETag": "E1"}]}, {})  # fmt: skip
    stubs["cloudfront"].add_response("get_trust_store", {"TrustStore": {
        "Id": "ts-1", "Name": "viewers", "Status": "active", "NumberOfCaCertificates": 3,
        "LastModifiedTime": updated}, "ETag": "E1"}, {"Identifier": "ts-1"})  # fmt: skip
    stubs["cloudfront"].add_response("list_distributions_by_trust_store", {"DistributionList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 0, "Items": []}},
        {"TrustStoreIdentifier": "ts-1"})  # fmt: skip
    s3_get(stubs, store["root"].pem, "v3", modified=updated + DAY)
    code, out = run(["cloudfront", "--format", "json", "--bundle",
                     f"s3://{BUCKET}/{KEY}?versionId=v3"], stubs, capsys=capsys)  # fmt: skip
    stubs.done()
    assert code == 1
    (ts,) = json.loads(out)["truststores"]
    codes = [n["code"] for n in ts["notes"]]
    assert codes == ["bundle-changed-after-update", "certificate-count-differs"]
    assert ts["files"][0]["path"] == f"s3://{BUCKET}/{KEY}?versionId=v3"


@pytest.mark.parametrize(
    ("code", "message"),
    [("AccessDeniedException", "not authorized to perform apigateway:GET"),
     ("TooManyRequestsException", "Too Many Requests")],
)  # fmt: skip
def test_an_aws_error_is_one_line_naming_the_call_and_code(
    code: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stubs = Stubs("apigateway", "apigatewayv2", "s3")
    stubs["apigateway"].add_client_error("get_domain_names", code, message, 403)
    exit_code, out = run(["apigateway"], stubs, capsys=capsys)
    assert exit_code == 2
    assert out == f"mtls-lint: error: apigateway GetDomainNames: {code}: {message}\n"


def test_against_shows_the_drift_of_what_is_deployed_from_git(
    store: dict[str, Issued], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    Path("bundle.pem").write_bytes(store["root"].pem)  # git no longer has the issuing CA
    stubs, downloads = alb_stubs(store)
    code, out = run(["alb", "--against", "bundle.pem"], stubs, downloads, capsys)
    assert code == 1
    assert "  against bundle.pem: drifted" in out
    assert "    - removed  CN=aws issuing CA" in out
    stubs, downloads = alb_stubs(store)
    Path("bundle.pem").write_bytes(store["root"].pem + store["issuing"].pem)
    _, out = run(["alb", "--against", "bundle.pem", "--format", "json"], stubs, downloads, capsys)
    assert json.loads(out)["truststores"][0]["drift"]["drifted"] is False


def test_against_needs_one_truststore(store, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bundle.pem").write_bytes(store["root"].pem)
    stubs = Stubs("elbv2")
    stubs["elbv2"].add_response("describe_trust_stores", {"TrustStores": []}, {})
    code, out = run(["alb", "--against", "bundle.pem"], stubs, capsys=capsys)
    assert code == 2
    assert "--against compares one deployed truststore; 0 found (none)" in out


def test_the_bundle_uri_is_checked_before_any_call(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aws", "alb", "--bundle", f"s3://{BUCKET}/{KEY}"]) == 2
    assert "--bundle is the S3 source of a CloudFront trust store" in capsys.readouterr().err
    assert main(["aws", "cloudfront", "--bundle", "https://x/y"]) == 2
    assert "is not s3://BUCKET/KEY[?versionId=V]" in capsys.readouterr().err


def test_s3_uris() -> None:
    assert S3Object.parse("s3://b/a/k.pem?versionId=V1") == S3Object("b", "a/k.pem", "V1")
    assert S3Object("b", "k").uri == "s3://b/k"
    for bad in ("s3://b", "s3:///k", "s3://b/k?acl=1", "file:///etc/passwd"):
        with pytest.raises(ValueError, match=r"s3://BUCKET/KEY|unknown parameter"):
            S3Object.parse(bad)


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    moto = pytest.importorskip("moto")
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "eu-west-1")):  # fmt: skip
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        yield


def test_end_to_end_a_domain_pinned_to_the_first_of_two_uploads(
    moto_aws: None, store: dict[str, Issued], capsys: pytest.CaptureFixture[str]
) -> None:
    """moto models S3 versioning and API Gateway v2 domain names; the run makes its own
    clients as a user's does."""
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=BUCKET,
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})  # fmt: skip
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key=KEY, Body=store["root"].pem + store["expired"].pem)
    second = s3.put_object(Bucket=BUCKET, Key=KEY, Body=store["root"].pem)
    boto3.client("apigatewayv2", region_name="eu-west-1").create_domain_name(
        DomainName="api.example.com",
        MutualTlsAuthentication={"TruststoreUri": f"s3://{BUCKET}/{KEY}",
                                 "TruststoreVersion": first["VersionId"]},
    )  # fmt: skip
    code = main(["aws", "apigateway", "--no-config", "--now", NOW_ISO, "--format", "json"])
    (domain,) = json.loads(capsys.readouterr().out)["truststores"]
    assert code == 1
    assert domain["facts"]["latest version"] == second["VersionId"]
    assert [n["code"] for n in domain["notes"]] == ["pinned-old-version"]
    assert "expired" in {f["rule"] for f in domain["findings"]}  # the first upload's bytes


def test_the_core_runs_without_boto3_and_aws_says_how_to_install_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('boto3', 'botocore'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    root = Path(__file__).parent.parent

    def mtls_lint(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mtls_lint", *argv], cwd=root, env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip

    assert mtls_lint("check", "examples/clean").returncode == 0
    missing = mtls_lint("aws", "apigateway", "--region", "eu-west-1")
    assert missing.returncode == 2
    assert missing.stderr == ("mtls-lint: error: mtls-lint aws needs the AWS SDK: pip install "
                              "'mtls-lint[aws]'\n")  # fmt: skip


def test_the_parser_takes_each_service(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser(["aws"])
    for service in ("apigateway", "alb", "cloudfront"):
        args = parser.parse_args(["aws", service])
        assert isinstance(args, argparse.Namespace)
        assert args.service == service
    assert parser.parse_args(["aws"]).service is None


def test_logs_reads_a_cloudwatch_log_group_page_by_page(
    pki: PKI, root: Issued, intermediate: Issued, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from tests.test_logs import line as untimed

    def line(client: Issued, request_id: str) -> str:  # as API Gateway logs it: with its time
        return json.dumps({**json.loads(untimed(client, request_id)),
                           "requestTime": "31/May/2026:10:00:00 +0000"})  # fmt: skip

    good = pki.cert("aws logs good", issuer=intermediate, ca=False)
    bad = pki.cert("aws logs bad", issuer=pki.cert("aws logs orphan"), ca=False)
    stubs = Stubs("logs")
    start = int((NOW - DAY).timestamp() * 1000)
    expected = {"logGroupName": "/aws/apigateway/access", "startTime": start}
    event = {"logStreamName": "s", "timestamp": start, "ingestionTime": start}
    stubs["logs"].add_response(
        "filter_log_events",
        {"events": [{**event, "message": line(good, "g1")}], "nextToken": "page2"},
        expected,
    )
    stubs["logs"].add_response("filter_log_events", {
        "events": [{**event, "message": line(good, "g2")}, {**event, "message": line(bad, "b1")}]},
        {**expected, "nextToken": "page2"})  # fmt: skip
    made: list[tuple[str, str | None]] = []

    def make_client(name: str, region: str | None, profile_name: str | None) -> Any:
        made.append((name, region))
        return stubs.clients[name]

    monkeypatch.setattr("mtls_lint.deployed.make_client", make_client)
    store = tmp_path / "store.pem"
    store.write_bytes(root.pem + intermediate.pem)
    code = main(
        [
            "logs",
            "--now",
            NOW_ISO,
            "--since",
            "1d",
            "--format",
            "json",
            "--truststore",
            str(store),
            "--log-group",
            "/aws/apigateway/access",
            "--region",
            "eu-west-1",
        ]
    )
    stubs.done()
    report = json.loads(capsys.readouterr().out)
    assert made == [("logs", "eu-west-1")]
    assert code == 1
    assert report["lines"]["with_certificate"] == 3
    verdicts = sorted((c["requests"], c["verdict"]["allowed"]) for c in report["certificates"])
    assert verdicts == [(1, False), (2, True)]


def test_logs_needs_a_file_or_a_log_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "--truststore", "x.pem"]) == 2
    assert "give the logs to read: FILE|DIR|-, or --log-group NAME" in capsys.readouterr().err


def test_alb_fetches_its_bundles_from_the_presigned_locations_over_http(
    store: dict[str, Issued], server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real downloader against a server on 127.0.0.1, as ALB's locations are fetched."""
    from mtls_lint.download import HttpDownloader
    from tests.local_server import Handler

    stubs, downloads = alb_stubs(store, f"{server}/files")
    for url, data in downloads.items():
        Handler.files[url.split("?")[0].rsplit("/", 1)[-1]] = data
    args = build_parser(["aws"]).parse_args(["aws", "alb", "--no-config", "--now", NOW_ISO,
                                             "--format", "json"])  # fmt: skip
    code = aws_command.execute(args, stubs.clients, HttpDownloader(timeout=5))
    (ts,) = json.loads(capsys.readouterr().out)["truststores"]
    assert code == 1
    assert [f["certificates"] for f in ts["files"]] == [2, 0]
    assert [f["rule"] for f in ts["findings"]] == ["crl-expired"]
