"""``mtls-lint aws [apigateway|alb|cloudfront]``: lint the truststores the services hold.

Needs the ``[aws]`` extra (boto3); the standard credential chain, ``--region`` and
``--profile-name`` choose the account. Exit 1 when a deployed truststore has findings or notes
at ``--fail-on``, drifts from ``--against``, or is pinned to a version that is not the latest;
2 for a credential, permission or network error, in one line naming the call and AWS's code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtls_lint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_config_options,
    add_limit_options,
    now_of,
    read_file,
    run_scopes,
    whole_number,
    write_out,
)

if TYPE_CHECKING:
    from mtls_lint.cli.common import Commands
    from mtls_lint.deployed import Deployed, Fetched, S3Object
    from mtls_lint.deployed_check import Checked
    from mtls_lint.download import Downloader
    from mtls_lint.settings import RunSettings


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.findings import FAIL_ON
    from mtls_lint.reporters.aws import RENDERERS

    aws = commands.add_parser(name, help=summary, description="Lint the truststores API "
                              "Gateway, ALB and CloudFront hold (pip install "
                              "'mtls-lint[aws]').")  # fmt: skip
    aws.set_defaults(run=run)
    aws.add_argument("service", nargs="?", choices=("apigateway", "alb", "cloudfront"),
                     help="one service (default: all three)")  # fmt: skip
    aws.add_argument("--region", help="AWS region (default: the SDK's, e.g. AWS_REGION)")
    aws.add_argument("--profile-name", metavar="NAME", help="a profile of ~/.aws/config")
    aws.add_argument("--name", help="only the domain name or trust store with this name (or "
                     "id or ARN)")  # fmt: skip
    aws.add_argument(
        "--bundle",
        metavar="S3_URI",
        help="CloudFront: the S3 object the trust "
        "store was made from, s3://BUCKET/KEY[?versionId=V], to lint and compare",
    )
    aws.add_argument(
        "--against",
        metavar="PATH",
        help="diff the deployed truststore with this "
        "file of the repository: what is deployed (old) to what is in git (new)",
    )
    aws.add_argument("--format", choices=tuple(RENDERERS), default="text")
    aws.add_argument("--fail-on", choices=FAIL_ON, help="default error, or the config's")
    aws.add_argument("--now", metavar="ISO-8601", help="judge validity at this time")
    aws.add_argument("--expiry-days", type=whole_number("expiry-days"), metavar="N")
    aws.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        default=30.0,
        help="for each download of ALB's bundles (default 30)",
    )
    add_limit_options(aws, config_key=True)
    add_config_options(aws)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600")
    return value


def run(args: argparse.Namespace) -> int:
    from mtls_lint.deployed import INSTALL_HINT, SERVICES, AwsError, make_clients
    from mtls_lint.download import HttpDownloader

    services = (args.service,) if args.service else SERVICES
    _bundle(args, services)  # what the command line gets wrong, before any AWS call
    try:
        clients = make_clients(services, args.region, args.profile_name)
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    except AwsError as exc:
        raise UsageError(str(exc)) from None
    return execute(args, clients, HttpDownloader(args.timeout))


def execute(args: argparse.Namespace, clients: dict[str, Any], download: Downloader) -> int:
    """The run, with the clients and the downloader given (the tests stub both)."""
    from mtls_lint.deployed import SERVICES, AwsError
    from mtls_lint.deployed_check import check_deployed

    services = (args.service,) if args.service else SERVICES
    bundle = _bundle(args, services)
    settings = _settings(args, services)
    try:
        deployed = [d for s in services for d in _read(s, clients, settings[s], download,
                                                         args.name, bundle)]  # fmt: skip
    except AwsError as exc:
        raise UsageError(str(exc)) from None
    against = _against(args, deployed, settings)
    checked = [
        _waived(check_deployed(d, settings[d.service].lint, against), settings[d.service])
        for d in deployed
    ]
    from mtls_lint.reporters.aws import RENDERERS

    write_out(RENDERERS[args.format](checked), args.format)
    failed = any(c.fails(settings[c.deployed.service].fail_on) for c in checked)
    return EXIT_FINDINGS if failed else EXIT_OK


def _bundle(args: argparse.Namespace, services: tuple[str, ...]) -> S3Object | None:
    from mtls_lint.deployed import S3Object

    if not args.bundle:
        return None
    if "cloudfront" not in services:
        raise UsageError("--bundle is the S3 source of a CloudFront trust store")
    try:
        return S3Object.parse(args.bundle)
    except ValueError as exc:
        raise UsageError(f"--bundle: {exc}") from None


def _settings(args: argparse.Namespace, services: tuple[str, ...]) -> dict[str, RunSettings]:
    """The working directory's config (rules, limits, waivers), read once, with each
    service's profile, all at one instant."""
    from mtls_lint.settings import CheckOptions, resolve

    now = now_of(args)
    config = run_scopes(args, options=CheckOptions(now=now)).top().config
    return {
        service: resolve(CheckOptions(
            profile=service, fail_on=args.fail_on, now=now, expiry_days=args.expiry_days,
            max_file_bytes=args.max_file_bytes, max_file_certificates=args.max_certificates,
        ), config)
        for service in services
    }  # fmt: skip


def _read(
    service: str,
    clients: dict[str, Any],
    run: RunSettings,
    download: Downloader,
    name: str | None,
    bundle: S3Object | None,
) -> list[Deployed]:
    from mtls_lint import deployed
    from mtls_lint.profiles import PROFILES

    cap = run.file_limits.max_bytes
    if service == "apigateway":
        return deployed.apigateway(clients, cap, name)
    if service == "alb":
        quota = PROFILES["alb"].revocation
        lists = max(cap, 2 * quota.max_list_bytes) if quota is not None else cap
        return deployed.alb(clients, cap, lists, download, name)
    return deployed.cloudfront(clients, cap, bundle, name)


def _against(
    args: argparse.Namespace, found: list[Deployed], settings: dict[str, RunSettings]
) -> Fetched | None:
    """The repository's file ``--against`` names; it compares one truststore."""
    if not args.against:
        return None
    from mtls_lint.deployed import Fetched
    from mtls_lint.discover import display_path

    if len(found) != 1:
        names = ", ".join(f"{d.service} {d.name}" for d in found) or "none"
        raise UsageError(f"--against compares one deployed truststore; {len(found)} found "
                         f"({names}): choose one with a service and --name")  # fmt: skip
    path = Path(args.against)
    limits = settings[found[0].service].file_limits
    return Fetched(display_path(path), read_file(path, limits))


def _waived(checked: Checked, run: RunSettings) -> Checked:
    """The config's waivers over the deployed bytes' findings (they follow the certificate)."""
    from mtls_lint.waiving import apply_waivers

    if not run.waivers:
        return checked
    waived = apply_waivers(list(checked.files), run.waivers, run.lint.now, run.lint.rules,
                           whole_tree=False)  # fmt: skip
    return checked._replace(files=waived.files)
