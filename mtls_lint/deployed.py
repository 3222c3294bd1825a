"""What the services hold: the truststores API Gateway, ALB and CloudFront use, read through
the AWS SDK (the optional ``[aws]`` extra; nothing else imports boto3).

A 403 comes from the truststore the service is using, which is often not the file in git:
API Gateway pins an S3 object version (``truststoreVersion``) and keeps it after a new upload
until the domain is updated [APIGW-REST]; an ALB trust store is the copy taken when it was
created or modified, with its revocation lists beside it [ALB-MTLS]; CloudFront reads the
bundle once, when the trust store is created or updated [CF-TS]. Each reader here returns
:class:`Deployed` records holding the bytes the service uses (or says why there are none) and
what reading them found (:class:`Note`). Every AWS error becomes :class:`AwsError`, naming the
call and AWS's error code.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

from mtls_lint.dates import minute_utc
from mtls_lint.download import Downloader, DownloadError
from mtls_lint.findings import Severity

SERVICES = ("apigateway", "alb", "cloudfront")
#: The SDK clients each service's reader calls.
CLIENTS = {
    "apigateway": ("apigateway", "apigatewayv2", "s3"),
    "alb": ("elbv2",),
    "cloudfront": ("cloudfront", "s3"),
}
#: Pages read of any one listing: far past any account's quota of truststores.
MAX_PAGES = 1000
INSTALL_HINT = "mtls-lint aws needs the AWS SDK: pip install 'mtls-lint[aws]'"


class AwsError(Exception):
    """A call that failed: ``service Operation: Code: message``."""


class S3Object(NamedTuple):
    bucket: str
    key: str
    version: str | None = None

    @classmethod
    def parse(cls, uri: str) -> S3Object:
        """``s3://bucket/key``, with ``?versionId=V`` for one version; raises ValueError."""
        parts = urllib.parse.urlsplit(uri)
        key = urllib.parse.unquote(parts.path.lstrip("/"))
        if parts.scheme != "s3" or not parts.netloc or not key:
            raise ValueError(f"{uri!r} is not s3://BUCKET/KEY[?versionId=V]")
        query = urllib.parse.parse_qs(parts.query)
        unknown = set(query) - {"versionId"}
        if unknown:
            raise ValueError(f"{uri!r}: unknown parameter {sorted(unknown)[0]!r} (only versionId)")
        return cls(parts.netloc, key, query.get("versionId", [None])[0])

    @property
    def uri(self) -> str:
        base = f"s3://{self.bucket}/{self.key}"
        return f"{base}?versionId={self.version}" if self.version else base


class Fetched(NamedTuple):
    """Bytes a service holds, named as reports show them."""

    name: str
    data: bytes


class Note(NamedTuple):
    """What reading a deployment found: ``code`` is stable (JSON, tests), ``message`` for
    people, with the fix."""

    code: str
    severity: Severity
    message: str


class User(NamedTuple):
    """What uses a truststore (a listener, a distribution) and how."""

    kind: str
    identifier: str
    settings: Mapping[str, str]


class Deployed(NamedTuple):
    service: str
    #: The domain name, or the trust store's name.
    name: str
    #: Its ARN or id.
    identifier: str
    #: The CA bundle the service uses, when it can be read.
    bundle: Fetched | None
    #: The service's own facts, shown as they are (status, version, counts, dates).
    facts: Mapping[str, str]
    #: The service's own warnings about it (API Gateway's truststoreWarnings), verbatim.
    warnings: tuple[str, ...] = ()
    users: tuple[User, ...] = ()
    #: ALB's revocation lists.
    revocations: tuple[Fetched, ...] = ()
    notes: tuple[Note, ...] = ()
    #: The certificates the service counts in it (ALB, CloudFront), to compare with the bytes.
    certificate_count: int | None = None


Clients = Mapping[str, Any]


def make_clients(
    services: tuple[str, ...], region: str | None, profile_name: str | None
) -> dict[str, Any]:
    """boto3 clients of one session, with the standard credential chain; raises ImportError
    without boto3, AwsError for a profile that does not exist."""
    names = {name for service in services for name in CLIENTS[service]}
    session = _session(region, profile_name)
    return {name: make_client(name, region, profile_name, session) for name in sorted(names)}


def _session(region: str | None, profile_name: str | None) -> Any:
    import boto3
    import botocore.exceptions

    try:
        return boto3.Session(region_name=region, profile_name=profile_name)
    except botocore.exceptions.BotoCoreError as exc:  # no such profile
        raise AwsError(f"session: {exc}") from None


def make_client(
    name: str, region: str | None, profile_name: str | None, session: Any = None
) -> Any:
    """One boto3 client (CloudFront's in us-east-1, where its API answers), of ``session``
    or of a session of its own."""
    import botocore.exceptions

    session = session or _session(region, profile_name)
    try:
        where = "us-east-1" if name == "cloudfront" else session.region_name
        return session.client(name, region_name=where)
    except botocore.exceptions.BotoCoreError as exc:  # no region
        raise AwsError(f"{name}: {exc}") from None


@contextmanager
def _answering(client: Any, operation: str) -> Iterator[str]:
    """The name of ``client``'s method for ``operation`` (as AWS names it:
    ``GetDomainNames``); every error of the call inside, as AwsError naming the call and
    AWS's code."""
    import botocore.exceptions
    from botocore import xform_name

    service = client.meta.service_model.service_name
    if operation not in client.meta.service_model.operation_names:
        raise AwsError(f"{service} {operation}: not in this botocore; upgrade boto3")
    try:
        yield xform_name(operation)
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "Error")
        raise AwsError(f"{service} {operation}: {code}: {error.get('Message', '')}") from None
    except botocore.exceptions.BotoCoreError as exc:  # credentials, network, timeouts
        raise AwsError(f"{service} {operation}: {exc}") from None


def call(client: Any, operation: str, **params: Any) -> Any:
    """``client``'s ``operation``, errors as AwsError."""
    with _answering(client, operation) as method:
        return getattr(client, method)(**params)


def pages(
    client: Any, operation: str, items: str, max_pages: int = MAX_PAGES, **params: Any
) -> Iterator[Any]:
    """Every item of a paginated listing; ``items`` is the result key (``a.b`` nests)."""
    with _answering(client, operation) as method:
        for number, page in enumerate(client.get_paginator(method).paginate(**params)):
            if number >= max_pages:
                service = client.meta.service_model.service_name
                raise AwsError(f"{service} {operation}: over {max_pages} pages")
            found: Any = page
            for part in items.split("."):
                found = found.get(part) or {}
            yield from found or ()


def get_object(s3: Any, where: S3Object, max_bytes: int) -> tuple[bytes, Mapping[str, Any]]:
    """The object's bytes (at most ``max_bytes``, else AwsError) and its metadata."""
    params = {"Bucket": where.bucket, "Key": where.key}
    if where.version:
        params["VersionId"] = where.version
    answer = call(s3, "GetObject", **params)
    body = answer.pop("Body")
    try:
        if int(answer.get("ContentLength") or 0) > max_bytes:
            raise AwsError(f"s3 GetObject {where.uri}: {answer['ContentLength']} bytes, over "
                           f"the cap of {max_bytes} (--max-file-bytes)")  # fmt: skip
        data = body.read(max_bytes + 1)
    finally:
        body.close()
    if len(data) > max_bytes:
        raise AwsError(f"s3 GetObject {where.uri}: over the cap of {max_bytes} bytes")
    return data, answer


def latest_version(s3: Any, where: S3Object) -> str | None:
    """The object's current version id; None on a bucket that never had versioning."""
    answer = call(s3, "HeadObject", Bucket=where.bucket, Key=where.key)
    version = answer.get("VersionId")
    return None if version in (None, "null") else str(version)


def log_events(
    client: Any, group: str, start: dt.datetime | None, end: dt.datetime | None
) -> Iterator[str]:
    """The messages of a CloudWatch Logs group between ``start`` and ``end``, in the order
    ``FilterLogEvents`` pages them (a page holds at most 10,000 events or 1 MB)."""
    params: dict[str, Any] = {"logGroupName": group}
    if start is not None:
        params["startTime"] = int(start.timestamp() * 1000)
    if end is not None:
        params["endTime"] = int(end.timestamp() * 1000)
    for event in pages(client, "FilterLogEvents", "events", max_pages=1_000_000, **params):
        yield str(event.get("message", ""))


# API Gateway ---------------------------------------------------------------------------


class _Domain(NamedTuple):
    uri: str
    version: str | None
    warnings: tuple[str, ...]
    listed_by: tuple[str, ...]


def apigateway(clients: Clients, max_bytes: int, name: str | None = None) -> list[Deployed]:
    """Every custom domain name with mutual TLS, listed by the REST and the HTTP API (one
    resource: a domain appears in both), its pinned truststore version fetched."""
    domains: dict[str, _Domain] = {}
    listings = (
        ("apigateway", "items", "domainName", "mutualTlsAuthentication", "truststoreUri",
         "truststoreVersion", "truststoreWarnings"),
        ("apigatewayv2", "Items", "DomainName", "MutualTlsAuthentication", "TruststoreUri",
         "TruststoreVersion", "TruststoreWarnings"),
    )  # fmt: skip
    for client, items, key, mtls_key, uri_key, version_key, warnings_key in listings:
        for item in pages(clients[client], "GetDomainNames", items):
            mtls = item.get(mtls_key) or {}
            domain = str(item.get(key, ""))
            if not mtls.get(uri_key) or (name is not None and domain != name):
                continue
            known = domains.get(domain)
            if known is not None:
                domains[domain] = known._replace(listed_by=(*known.listed_by, client))
                continue
            domains[domain] = _Domain(
                str(mtls[uri_key]), mtls.get(version_key) or None,
                tuple(str(w) for w in mtls.get(warnings_key) or ()), (client,),
            )  # fmt: skip
    return [_domain(clients["s3"], domain, found, max_bytes) for domain, found in domains.items()]


def _domain(s3: Any, domain: str, found: _Domain, max_bytes: int) -> Deployed:
    facts = {"truststoreUri": found.uri, "truststoreVersion": found.version or "(none)",
             "listed by": ", ".join(found.listed_by)}  # fmt: skip
    notes: list[Note] = []
    try:
        source = S3Object.parse(found.uri)
    except ValueError as exc:
        notes.append(Note("unreadable-uri", Severity.ERROR, f"truststoreUri {exc}"))
        return Deployed("apigateway", domain, domain, None, facts, found.warnings,
                        notes=tuple(notes))  # fmt: skip
    pinned = source._replace(version=found.version)
    latest = latest_version(s3, source)
    facts["latest version"] = latest or "(bucket not versioned)"
    update = (
        f"aws apigateway update-domain-name --domain-name {domain} --patch-operations "
        f"op=replace,path=/mutualTlsAuthentication/truststoreVersion,value={latest}"
    )
    if found.version and latest and found.version != latest:
        notes.append(Note("pinned-old-version", Severity.ERROR, (
            f"the domain pins version {found.version} of {source.uri}, not the latest "
            f"({latest}): API Gateway uses the pinned version until the domain is updated, "
            f"so the latest upload is not in force. Lint the latest, then point the domain at "
            f"it: {update} (HTTP API: aws apigatewayv2 update-domain-name --domain-name "
            f"{domain} --mutual-tls-authentication truststoreVersion={latest})"
        )))  # fmt: skip
    elif not found.version and latest:
        notes.append(Note("no-pinned-version", Severity.WARNING, (
            f"the domain pins no version of {source.uri} on a versioned bucket: API Gateway "
            "read the object when the domain was last updated, and which version that was "
            f"cannot be told here (the latest is linted). Pin one: {update}"
        )))  # fmt: skip
    if found.warnings:
        notes.append(Note("truststore-warnings", Severity.WARNING, (
            f"API Gateway found {len(found.warnings)} invalid certificate(s) when the domain "
            "was last updated (truststoreWarnings): some clients may be refused. Upload a "
            "fixed truststore and update the domain to its version"
        )))  # fmt: skip
    data, _ = get_object(s3, pinned, max_bytes)
    return Deployed("apigateway", domain, domain, Fetched(pinned.uri, data), facts,
                    found.warnings, notes=tuple(notes))  # fmt: skip


# ALB -----------------------------------------------------------------------------------


def alb(
    clients: Clients,
    max_bytes: int,
    max_list_bytes: int,
    download: Downloader,
    name: str | None = None,
) -> list[Deployed]:
    """Every trust store, its CA bundle and revocation lists as ALB holds them, and the
    listeners that use it."""
    elbv2 = clients["elbv2"]
    listeners: dict[str, list[Any]] = {}  # by load balancer, each described once
    found = []
    for store in pages(elbv2, "DescribeTrustStores", "TrustStores"):
        store_name, arn = str(store.get("Name", "")), str(store.get("TrustStoreArn", ""))
        if name is not None and name not in (store_name, arn):
            continue
        location = call(elbv2, "GetTrustStoreCaCertificatesBundle", TrustStoreArn=arn)
        bundle = Fetched(f"alb:{store_name}/ca-certificates.pem",
                         _download(download, location["Location"], max_bytes, arn))  # fmt: skip
        lists = []
        for revocation in pages(elbv2, "DescribeTrustStoreRevocations", "TrustStoreRevocations",
                                TrustStoreArn=arn):  # fmt: skip
            rid = revocation.get("RevocationId")
            content = call(elbv2, "GetTrustStoreRevocationContent", TrustStoreArn=arn,
                           RevocationId=rid)  # fmt: skip
            lists.append(
                Fetched(
                    f"alb:{store_name}/revocation-{rid}.crl",
                    _download(download, content["Location"], max_list_bytes, arn),
                )
            )
        users = []
        for association in pages(elbv2, "DescribeTrustStoreAssociations",
                                 "TrustStoreAssociations", TrustStoreArn=arn):  # fmt: skip
            balancer = str(association.get("ResourceArn", ""))
            if balancer not in listeners:
                listeners[balancer] = list(pages(elbv2, "DescribeListeners", "Listeners",
                                                 LoadBalancerArn=balancer))  # fmt: skip
            for listener in listeners[balancer]:
                mutual = listener.get("MutualAuthentication") or {}
                if mutual.get("TrustStoreArn") == arn:
                    users.append(User("listener", str(listener.get("ListenerArn", "")), {
                        "mode": str(mutual.get("Mode", "")),
                        "ignore expiry": str(bool(mutual.get("IgnoreClientCertificateExpiry"))
                                             ).lower(),
                    }))  # fmt: skip
        notes = []
        if store.get("Status") not in (None, "ACTIVE"):
            notes.append(
                Note(
                    "not-active",
                    Severity.WARNING,
                    f"the trust store is {store.get('Status')}, not ACTIVE",
                )
            )
        facts = {"status": str(store.get("Status", "")),
                 "CA certificates": str(store.get("NumberOfCaCertificates", "")),
                 "revoked entries": str(store.get("TotalRevokedEntries", ""))}  # fmt: skip
        count = store.get("NumberOfCaCertificates")
        found.append(Deployed("alb", store_name, arn, bundle, facts, (), tuple(users),
                              tuple(lists), tuple(notes),
                              int(count) if count is not None else None))  # fmt: skip
    return found


def _download(download: Downloader, url: str, max_bytes: int, arn: str) -> bytes:
    try:
        return download(url, max_bytes)
    except DownloadError as exc:
        raise AwsError(f"elbv2 download for {arn}: {exc}") from None


# CloudFront ----------------------------------------------------------------------------


def cloudfront(
    clients: Clients,
    max_bytes: int,
    bundle: S3Object | None = None,
    name: str | None = None,
) -> list[Deployed]:
    """Every trust store and the distributions that use it. CloudFront keeps no bundle to
    read back (GetTrustStore is metadata): with ``bundle``, the S3 object the trust store
    was made from is fetched and compared with it."""
    client = clients["cloudfront"]
    stores = [s for s in pages(client, "ListTrustStores", "TrustStoreList")
              if name is None or name in (s.get("Name"), s.get("Id"), s.get("Arn"))]  # fmt: skip
    if bundle is not None and len(stores) != 1:
        names = ", ".join(str(s.get("Name")) for s in stores) or "none"
        raise AwsError(f"--bundle is the source of one trust store; {len(stores)} match "
                       f"({names}): choose one with --name")  # fmt: skip
    found = []
    for summary in stores:
        identifier = str(summary.get("Id", ""))
        store = call(client, "GetTrustStore", Identifier=identifier).get("TrustStore", {})
        users = []
        for distribution in pages(
            client,
            "ListDistributionsByTrustStore",
            "DistributionList.Items",
            TrustStoreIdentifier=identifier,
        ):
            mtls = distribution.get("ViewerMtlsConfig") or {}
            config = mtls.get("TrustStoreConfig") or {}
            users.append(User("distribution", str(distribution.get("Id", "")), {
                "domain": str(distribution.get("DomainName", "")),
                "mode": str(mtls.get("Mode", "")),
                "ignore expiry": str(bool(config.get("IgnoreCertificateExpiry"))).lower(),
            }))  # fmt: skip
        modified = store.get("LastModifiedTime")
        facts = {"status": str(store.get("Status", "")),
                 "CA certificates": str(store.get("NumberOfCaCertificates", "")),
                 "last modified": _when(modified)}  # fmt: skip
        notes = []
        if store.get("Status") not in (None, "active"):
            reason = f" ({store['Reason']})" if store.get("Reason") else ""
            notes.append(
                Note(
                    "not-active",
                    Severity.WARNING,
                    f"the trust store is {store.get('Status')}{reason}, not active",
                )
            )
        fetched = None
        if bundle is not None:
            data, meta = get_object(clients["s3"], bundle, max_bytes)
            fetched = Fetched(bundle.uri, data)
            changed = meta.get("LastModified")
            facts["bundle last modified"] = _when(changed)
            if (
                isinstance(changed, dt.datetime)
                and isinstance(modified, dt.datetime)
                and (changed > modified)
            ):
                notes.append(Note("bundle-changed-after-update", Severity.ERROR, (
                    f"{bundle.uri} changed at {_when(changed)}, after the trust store was last "
                    f"updated ({_when(modified)}): CloudFront reads the bundle once and still "
                    "uses the copy it read then. Lint the object, then update the trust store "
                    f"{identifier} from it (UpdateTrustStore)"
                )))  # fmt: skip
        else:
            notes.append(Note("bundle-not-read", Severity.NOTICE, (
                "CloudFront does not hand its bundle back; give the S3 object it was made from "
                "with --bundle s3://BUCKET/KEY[?versionId=V] to lint it"
            )))  # fmt: skip
        count = store.get("NumberOfCaCertificates")
        found.append(Deployed("cloudfront", str(store.get("Name", summary.get("Name", ""))),
                              identifier, fetched, facts, (), tuple(users), (), tuple(notes),
                              int(count) if count is not None else None))  # fmt: skip
    return found


def _when(moment: object) -> str:
    if isinstance(moment, dt.datetime):
        return minute_utc(moment)
    return "" if moment is None else str(moment)
