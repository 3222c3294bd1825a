"""``mtls-lint verify`` and ``mtls-lint match``: the operator's side of the product."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from mtls_lint.certificate import ParsedCertificate
from mtls_lint.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_limit_options,
    complain,
    now_of,
    parse_now,
    read_file,
    write_out,
)
from mtls_lint.discover import display_path
from mtls_lint.inventory import take_inventory
from mtls_lint.keyfile import KeyFileError, PublicKeyInfo, load_public_key
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import PROFILES, Profile
from mtls_lint.settings import FileLimits

MAX_LOG_LINE = 1024 * 1024
#: A revocation list may be as large as ALB's 50 MB quota.
CRL_CAP = 50 * 1024 * 1024

if TYPE_CHECKING:
    from mtls_lint.accesslog import ClientSeen
    from mtls_lint.admission import Verdict
    from mtls_lint.cli.common import Commands
    from mtls_lint.cli.progress import Progress
    from mtls_lint.crl import ParsedList
    from mtls_lint.logformats import Shape


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.reporters.verify import MATCH_FORMATS, VERIFY_FORMATS

    if name == "match":
        match = commands.add_parser(name, help=summary)
        match.set_defaults(run=run_match)
        match.add_argument("files", nargs="+", metavar="KEY_OR_CERT")
        match.add_argument("--password-env", metavar="VAR")
        match.add_argument("--format", choices=tuple(MATCH_FORMATS), default="text")
        return
    from mtls_lint.logformats import LOG_FORMATS
    from mtls_lint.profiles import DEFAULT_PROFILE

    verify = commands.add_parser(name, help=summary)
    if name == "logs":
        # `logs FILE...` is `verify --access-log` over any number of logs
        verify.set_defaults(run=run_verify, client=None, key=None, password_env=None)
        verify.add_argument("access_log", nargs="*", metavar="FILE|DIR|-", help="access logs, "
                            "as exported (JSON lines, aws logs JSON, Insights CSV/JSON, S3 "
                            "export, .gz), directories of them, or - for stdin")  # fmt: skip
        verify.add_argument("--log-group", action="append", default=[], metavar="NAME",
                            help="read the access log from this CloudWatch Logs group, within "
                            "--since and --until (the [aws] extra); repeatable")  # fmt: skip
        verify.add_argument("--region", help="the log group's region (default: the SDK's)")
        verify.add_argument("--profile-name", metavar="NAME", help="a profile of ~/.aws/config")
        verify.add_argument("--save-certs", metavar="DIR", help="write each distinct client "
                            "certificate to DIR/<sha256 prefix>.pem; fixes name them")  # fmt: skip
    else:
        verify.set_defaults(run=run_verify)
        _add_client_options(verify)
    verify.add_argument("--truststore", required=name != "logs", metavar="BUNDLE",
                        help="the truststore to judge each client by (logs: optional for "
                        "connection logs)")  # fmt: skip
    verify.add_argument("--untrusted", metavar="FILE",
                        help="intermediates to search, as openssl verify -untrusted")  # fmt: skip
    verify.add_argument("--log-format", choices=LOG_FORMATS, default="auto",
                        help="the shape of the access logs (default: recognised)")  # fmt: skip
    verify.add_argument("--now", metavar="ISO-8601")
    for option, edge in (("--since", "first"), ("--until", "last")):
        verify.add_argument(option, metavar="TIME", help=f"the {edge} request of the logs to "
                            "read: ISO 8601, or 30m, 12h, 7d before --now")  # fmt: skip
    verify.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE)
    verify.add_argument("--format", choices=tuple(VERIFY_FORMATS), default="text")
    verify.add_argument("--strict", action="store_true", help="also refuse what openssl "
                        "verify -x509_strict refuses (Python 3.13's default)")  # fmt: skip
    verify.add_argument("--ignore-expiry", action="store_true", help="accept an expired client "
                        "certificate, as ALB's IgnoreClientCertificateExpiry and CloudFront's "
                        "'Ignore certificate expiration date' do (alb, cloudfront)")  # fmt: skip
    verify.add_argument("--crl", action="append", default=[], metavar="FILE", help="revocation "
                        "lists to apply (ALB: Failed:ClientCertCrlHit); repeatable")  # fmt: skip
    add_limit_options(verify)


def _add_client_options(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("client", nargs="?", metavar="CLIENT_CERT",
                        help="client certificate, PEM or DER (further certificates in the file "
                        "are what the client sends along)")  # fmt: skip
    verify.add_argument("--key", metavar="KEY", help="check that this private key belongs to "
                        "the client certificate")  # fmt: skip
    verify.add_argument("--password-env", metavar="VAR", help="environment variable holding "
                        "the password of an encrypted key")  # fmt: skip
    verify.add_argument("--access-log", metavar="FILE", help="diagnose every client certificate "
                        "in API Gateway access logs (- for stdin), as mtls-lint logs")  # fmt: skip


def _password(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise UsageError(f"--password-env {variable}: the variable is not set")
    return value.encode()


def _read(path: str, limits: FileLimits) -> tuple[str, bytes]:
    """The name to show for a file, and its bytes (capped; never a FIFO that hangs)."""
    return display_path(Path(path)), read_file(Path(path), limits)


def _certificates(path: str, limits: FileLimits) -> tuple[list[ParsedCertificate], list[str]]:
    """Readable certificates of a file, and one line per entry that had to be skipped."""
    certificates, skipped, _ = _parse(path, limits)
    return certificates, skipped


def _parse(
    path: str, limits: FileLimits
) -> tuple[list[ParsedCertificate], list[str], ParsedBundle]:
    shown, data = _read(path, limits)
    parsed = ParsedBundle(read_bundle(shown, data))
    inventory = take_inventory(parsed)
    skipped = [f"{shown}:{u.block.begin_line}: {u.reason}" for u in inventory.unreadable]
    return inventory.certificates, skipped, parsed


def _revocation_lists(paths: list[str], limits: FileLimits) -> list[ParsedList]:
    """The lists of each ``--crl`` file (read with ALB's larger cap for revocation files)."""
    from mtls_lint.crl import is_revocation_file, read_revocation_file

    lists: list[ParsedList] = []
    for path in paths:
        shown, data = display_path(Path(path)), read_file(
            Path(path), limits._replace(max_bytes=max(limits.max_bytes, CRL_CAP))
        )  # fmt: skip
        bundle = read_bundle(shown, data)
        if not is_revocation_file(bundle, data):
            raise UsageError(f"{shown}: --crl: not a revocation list (X509 CRL blocks)")
        found = read_revocation_file(bundle, data)
        if found.unreadable:
            line, _, reason = found.unreadable[0]
            raise UsageError(f"{shown}:{line}: --crl: unreadable revocation list: {reason}")
        lists += found.lists
    return lists


def _no_revocation(profile: Profile) -> str:
    return (
        f"{profile.service} checks no revocation lists: the --crl lists were not applied "
        "(ALB applies them: --profile alb)"
    )


def _key(args: argparse.Namespace, limits: FileLimits) -> PublicKeyInfo | None:
    if args.key is None:
        return None
    try:
        return load_public_key(*_read(args.key, limits), _password(args.password_env))
    except KeyFileError as exc:
        raise UsageError(str(exc)) from None


def run_verify(args: argparse.Namespace) -> int:
    from mtls_lint.admission import Names, verify
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.verify import VERIFY_FORMATS

    if (args.client is None) == (args.access_log is None):
        raise UsageError("give either CLIENT_CERT or --access-log FILE")
    if args.access_log == [] and not getattr(args, "log_group", None):
        raise UsageError("give the logs to read: FILE|DIR|-, or --log-group NAME")
    now = now_of(args)
    profile = PROFILES[args.profile]
    if args.ignore_expiry and profile.ignore_expiry_option is None:
        raise UsageError(
            f"--ignore-expiry: {profile.service} has no option to ignore client certificate "
            "expiry (ALB and CloudFront do: --profile alb|cloudfront)"
        )
    limits = FileLimits.chosen(args.max_file_bytes, args.max_certificates)
    truststore, skipped = (
        ([], []) if args.truststore is None else _certificates(args.truststore, limits)
    )
    untrusted: list[ParsedCertificate] = []
    if args.untrusted:
        untrusted, _ = _certificates(args.untrusted, limits)
    revocations = _revocation_lists(args.crl, limits)
    if args.access_log is not None:
        return _run_access_log(args, truststore, skipped, untrusted, now, revocations)

    sent, client_problems, parsed = _parse(args.client, limits)
    names = Names(args.truststore, args.client, args.untrusted)
    if sent:
        verdict = verify(
            sent[0], truststore, now=now, profile=profile, names=names,
            untrusted=untrusted, sent=sent[1:], key=_key(args, limits), strict=args.strict,
            ignore_expiry=args.ignore_expiry, revocations=revocations,
        )  # fmt: skip
    elif parsed.leniently_read:  # cryptography refuses it, but OpenSSL may read it
        from mtls_lint.admission import verify_lenient

        verdict = verify_lenient(
            parsed.leniently_read[0], truststore, now=now, profile=profile, names=names,
            key=_key(args, limits), strict=args.strict, ignore_expiry=args.ignore_expiry,
            revocations=revocations,
        )  # fmt: skip
    else:
        why = f" ({client_problems[0]})" if client_problems else ""
        raise UsageError(f"{args.client}: no readable certificate{why}")
    if args.crl and profile.revocation is None:
        verdict = replace(verdict, notes=(*verdict.notes, _no_revocation(profile)))
    write_out(VERIFY_FORMATS[args.format].verdict(verdict, skipped), KINDS[args.format])
    return EXIT_OK if verdict.allowed else EXIT_FINDINGS


def _log_paths(given: str | list[str]) -> Iterator[tuple[Path | None, Path | None]]:
    """Each log file named, and each file of each directory named, with the directory it
    may not be read outside of; ``-`` is stdin (None)."""
    from mtls_lint.discover import find

    for name in [given] if isinstance(given, str) else given:
        if name == "-":
            yield None, None
        else:
            for found in find([name], ("*",), (), Path.cwd()):
                yield found.path, found.within


def _log_lines(
    given: str | list[str], log_format: str, shape: Shape, groups: Iterable[Source] = ()
) -> Iterator[str | None]:
    """The access-log (or connection-log) lines of every log, each file's shape recognised on
    its own. ``shape`` is the run's: the first file's whose lines are known, with what every
    file's exports skipped; a file of another kind of log (connection logs among access logs,
    or the reverse) is skipped with a warning."""
    from mtls_lint.cli.progress import Progress

    progress = Progress()
    try:
        yield from _each_log(given, log_format, shape, progress, groups)
    finally:
        progress.done()


#: A log that is not a file: what reports call it, and its lines.
Source = tuple[str, Iterator[str | None]]


def _each_log(
    given: str | list[str],
    log_format: str,
    shape: Shape,
    progress: Progress,
    groups: Iterable[Source] = (),
) -> Iterator[str | None]:
    from mtls_lint.logformats import Shape, messages

    files: Iterator[Source] = (
        (shown, _file_lines(path, within, shown, progress))
        for path, within in _log_paths(given)
        for shown in ["-" if path is None else str(path)]
    )
    for shown, raw in itertools.chain(files, groups):
        mine = Shape()
        lines = messages(raw, log_format, mine)
        head: list[str | None] = []
        for line in lines:  # up to the first record: then the kind of log is known
            if line is None or line.strip():
                head.append(line)
            if line is not None and line.strip():
                break
        if shape.name == "unknown":
            shape.name, shape.records = mine.name, mine.records
        elif mine.name != "unknown" and mine.records != shape.records:
            complain("warning", f"{shown}: a {mine.name} log among {shape.name} logs, skipped: "
                     "give each kind of log in a run of its own")  # fmt: skip
            continue
        yield from head
        yield from lines
        shape.skipped.update(mine.skipped)
        shape.joined += mine.joined


def _file_lines(
    path: Path | None, within: Path | None, shown: str, progress: Progress | None = None
) -> Iterator[str | None]:
    """The lines of one log, as text (None for one over :data:`MAX_LOG_LINE` bytes); a
    gzipped file (CloudWatch's S3 export, ALB's delivery) is read through, at most
    MAX_GUNZIPPED bytes of it."""
    from mtls_lint.files import UnsafePath, bounded_lines, open_confined, standard_input

    try:
        stream = standard_input() if path is None else open_confined(path, within)
    except UnsafePath as exc:
        raise UsageError(str(exc)) from None
    try:
        source = _gunzipped(stream, shown)
        lines = bounded_lines(source, MAX_LOG_LINE)
        if progress is not None and progress.enabled:
            lines = _counted(lines, progress, shown)
        for line in lines:
            yield None if line is None else line.decode("utf-8", "replace").rstrip("\r\n")
    except (OSError, EOFError) as exc:
        raise UsageError(f"{shown}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    finally:
        if path is not None:
            stream.close()


def _counted(
    lines: Iterator[bytes | None], progress: Progress, shown: str
) -> Iterator[bytes | None]:
    from mtls_lint.cli.progress import STRIDE

    for number, line in enumerate(lines, 1):
        if number % STRIDE == 0:
            progress.read(STRIDE, shown)
        yield line


#: Decompressed bytes read of one gzipped log: a small file can expand a thousandfold.
MAX_GUNZIPPED = 4 * 1024 * 1024 * 1024


def _gunzipped(stream: BinaryIO, shown: str) -> BinaryIO:
    peek = getattr(stream, "peek", None)
    if peek is None or peek(2)[:2] != b"\x1f\x8b":
        return stream
    import gzip

    unzipped = gzip.GzipFile(fileobj=stream)
    return _Capped(unzipped, MAX_GUNZIPPED, shown)  # type: ignore[arg-type, return-value]


class _Capped:
    """A binary stream that refuses to read past ``limit`` bytes (a decompression bomb)."""

    def __init__(self, stream: BinaryIO, limit: int, shown: str) -> None:
        self.stream, self.left, self.shown = stream, limit, shown

    def readline(self, size: int = -1) -> bytes:
        line = self.stream.readline(size)
        self.left -= len(line)
        if self.left < 0:
            raise UsageError(f"{self.shown}: decompresses to more than {MAX_GUNZIPPED:,} bytes")
        return line


def _window(args: argparse.Namespace, now: dt.datetime) -> Callable[[str | None], bool] | None:
    """Whether a request's time, as logged, lies within ``--since`` and ``--until``; a time
    that cannot be read lies outside any window."""
    from mtls_lint.logformats import log_time

    since, until = (_when(args, name, now) for name in ("since", "until"))
    if since is None and until is None:
        return None

    def keep(text: str | None) -> bool:
        moment = log_time(text)
        return (
            moment is not None
            and (since is None or moment >= since)
            and (until is None or moment <= until)
        )

    return keep


_RELATIVE = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _when(args: argparse.Namespace, name: str, now: dt.datetime) -> dt.datetime | None:
    text = getattr(args, name, None)
    if text is None:
        return None
    value = text.strip()
    if value[:-1].isdigit() and value[-1:] in _RELATIVE:
        return now - dt.timedelta(seconds=int(value[:-1]) * _RELATIVE[value[-1]])
    try:
        return parse_now(value)
    except UsageError:
        raise UsageError(f"--{name}: {text!r} is not ISO 8601 nor 30m, 12h or 7d") from None


def _run_connection_log(
    args: argparse.Namespace,
    lines: Iterator[str | None],
    keep: Callable[[str | None], bool] | None,
    kind: str,
    skipped: Counter[str],
    truststore: list[ParsedCertificate],
    skipped_entries: list[str],
    now: dt.datetime,
) -> int:
    """ALB or CloudFront connection logs: each client certificate's connections and failure
    codes, with what each code means, the fix in the service's terms, and what the truststore
    given can tell of them."""
    from mtls_lint.connection_check import crosscheck
    from mtls_lint.connectionlog import ALB, read_connection_log
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.connections import CONNECTION_FORMATS, Connections

    clients, counts = read_connection_log(lines, keep, kind)
    counts.export_skipped.update(skipped)
    service = "alb" if kind == ALB else "cloudfront"
    profile = PROFILES[args.profile if args.profile != "apigateway" else service]
    given = args.truststore is not None
    shown = display_path(Path(args.truststore)) if given else "-"
    notes = crosscheck(clients, truststore if given else None, shown, profile, now)
    report = Connections(clients, counts, profile, kind, notes + [
        f"truststore entry skipped (unreadable): {entry}" for entry in skipped_entries
    ])  # fmt: skip
    write_out(CONNECTION_FORMATS[args.format](report), KINDS[args.format])
    return EXIT_FINDINGS if any(c.failures for c in clients) else EXIT_OK


def _save(directory: Path, sha256: str, cert: ParsedCertificate) -> str:
    """Write ``cert`` to ``directory/<sha256 prefix>.pem`` (never through a symlink), and
    return the path the fixes name, so their openssl commands run as printed."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from mtls_lint.files import UnsafePath, write_confined

    path = directory / f"{sha256[:16]}.pem"
    try:
        _make_directory(directory)
        write_confined(path, cert.cert.public_bytes(Encoding.PEM).decode())
    except (OSError, UnsafePath) as exc:
        raise UsageError(f"--save-certs {directory}: {exc}") from None
    return str(path)


def _make_directory(directory: Path) -> None:
    """Create ``directory`` and its missing parents, refusing (before creating anything) when
    the deepest one that exists is reached through a symbolic link inside a repository: a pull
    request can add ``certs -> ~/.ssh``."""
    from mtls_lint.files import UnsafePath, named_repository

    existing = Path(os.path.abspath(directory))
    missing = []
    while not existing.exists():
        missing.append(existing)
        existing = existing.parent
    root = named_repository(existing)
    real = Path(os.path.realpath(existing))
    if root is not None and real != existing and not real.is_relative_to(os.path.realpath(root)):
        raise UnsafePath(f"{existing} is a symbolic link out of {root}; nothing written")
    for part in reversed(missing):
        os.mkdir(part)


def _disagreement(client: ClientSeen, verdict: Verdict) -> str | None:
    """What to say when AWS's logged reason and the verdict disagree: loudly, as it usually
    means the domain uses another truststore version, or the 403 is not about mutual TLS."""
    if not client.aws_reasons:
        return None
    logged = "; ".join(f"{n}x '{r}'" for r, n in client.aws_reasons.most_common())
    if verdict.allowed:
        return (
            f"DISAGREEMENT: AWS logged {logged} for this certificate, but the truststore given "
            "admits it: the custom domain may use another truststore version (update it), or "
            "those 403s are not about mutual TLS"
        )
    if not any(verdict.cause and verdict.cause in reason for reason in client.aws_reasons):
        return (
            f"DISAGREEMENT: AWS logged {logged}, mtls-lint finds '{verdict.reason}': the custom "
            "domain may use another truststore version"
        )
    return None


def _shown(given: str | list[str], groups: Iterable[str] = ()) -> str:
    names = [given] if isinstance(given, str) else list(given)
    return ", ".join([*names, *(f"log group {g}" for g in groups)])


def _groups(args: argparse.Namespace, now: dt.datetime) -> list[Source]:
    """The CloudWatch Logs groups ``--log-group`` names, read lazily, a page at a time, each
    event's message as the lines of a file (over :data:`MAX_LOG_LINE`: None)."""
    names = getattr(args, "log_group", None) or []
    if not names:
        return []
    from mtls_lint.deployed import INSTALL_HINT, AwsError, log_events, make_client

    try:
        client = make_client("logs", args.region, args.profile_name)
    except ImportError:
        raise UsageError(INSTALL_HINT.replace("aws needs", "logs --log-group needs")) from None
    except AwsError as exc:
        raise UsageError(str(exc)) from None
    since, until = (_when(args, name, now) for name in ("since", "until"))

    def lines(group: str) -> Iterator[str | None]:
        try:
            for message in log_events(client, group, since, until):
                for line in message.splitlines() or [""]:
                    yield None if len(line) > MAX_LOG_LINE else line
        except AwsError as exc:
            raise UsageError(str(exc)) from None

    return [(f"log group {name}", lines(name)) for name in names]


def _run_access_log(
    args: argparse.Namespace,
    truststore: list[ParsedCertificate],
    skipped: list[str],
    untrusted: list[ParsedCertificate],
    now: dt.datetime,
    revocations: list[ParsedList],
) -> int:
    """One verdict per distinct client of the log. The truststore is indexed once for all
    of them, and each client is parsed, judged and rendered in turn, so what stays in
    memory per client is its DER and its rendering."""
    from mtls_lint.accesslog import read_access_log
    from mtls_lint.admission import Names, Pool, verify
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.verify import VERIFY_FORMATS

    render = VERIFY_FORMATS[args.format]

    from mtls_lint.logformats import ACCESS, Shape, hint

    shape = Shape()
    found = _log_lines(args.access_log, args.log_format, shape, _groups(args, now))
    head = list(itertools.islice(found, 1))  # the first file's shape is known from its line
    lines = itertools.chain(head, found)
    keep = _window(args, now)
    if shape.records != ACCESS:
        return _run_connection_log(
            args, lines, keep, shape.records, shape.skipped, truststore, skipped, now
        )
    if args.truststore is None:
        shown = _shown(args.access_log, getattr(args, "log_group", ()))
        raise UsageError(f"{shown}: access logs are judged against a "
                         "truststore: give --truststore BUNDLE")  # fmt: skip
    seen, counts = read_access_log(lines, keep)
    counts.export_skipped.update(shape.skipped)
    if not seen and counts.too_long == counts.total > 0:
        shown = _shown(args.access_log, getattr(args, "log_group", ()))
        raise UsageError(f"{shown}: every line ({counts.total:,}) is longer than "
                         f"{MAX_LOG_LINE // 1024 // 1024} MiB, the most a log line may be; "
                         "none was read")  # fmt: skip
    if not seen and (shape.name == "unknown" or counts.not_json == counts.total > 0):
        empty = " (the input has no line)" if counts.total == 0 else ""
        shown = _shown(args.access_log, getattr(args, "log_group", ()))
        raise UsageError(f"{shown}: no line is in a log format mtls-lint reads"
                         f"{empty}; {hint()}")  # fmt: skip
    trusted, extra = Pool(truststore, "truststore"), Pool(untrusted, "untrusted")
    rendered: list[Any] = []
    allowed = True
    save = getattr(args, "save_certs", None)
    for client in seen:
        cert = client.parse()
        saved = _save(Path(save), client.sha256, cert) if save else None
        names = Names(args.truststore, saved or f"client-{client.sha256[:12]}.pem")
        verdict = verify(
            cert, truststore, now=now, profile=PROFILES[args.profile],
            names=names, untrusted=extra, pool=trusted, strict=args.strict,
            ignore_expiry=args.ignore_expiry, revocations=revocations,
        )  # fmt: skip
        if revocations and verdict.profile.revocation is None:
            verdict = replace(verdict, notes=(*verdict.notes, _no_revocation(verdict.profile)))
        disagreement = _disagreement(client, verdict)
        if disagreement:
            verdict = replace(verdict, notes=(disagreement, *verdict.notes))
        # a request AWS refused failed mutual TLS, whatever the truststore given says
        allowed = allowed and verdict.allowed and not client.aws_reasons
        rendered.append(render.client(client, cert, verdict))
    write_out(render.access_log(rendered, counts, skipped), KINDS[args.format])
    return EXIT_OK if allowed and not counts.unmatched_denials else EXIT_FINDINGS


def run_match(args: argparse.Namespace) -> int:
    password = _password(args.password_env)
    infos = []
    for path in args.files:
        try:
            infos.append(load_public_key(*_read(path, FileLimits()), password))
        except KeyFileError as exc:
            complain("error", str(exc))
            return EXIT_ERROR
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.verify import MATCH_FORMATS

    same = len({info.spki_sha256 for info in infos}) == 1
    write_out(MATCH_FORMATS[args.format](infos, same), KINDS[args.format])
    return EXIT_OK if same else EXIT_FINDINGS
