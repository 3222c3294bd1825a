"""Merge the config file and the command line into the settings of one ``check`` run.

Command-line options override the file; the file overrides the defaults.
"""

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from mtls_lint.config import Config, Waiver
from mtls_lint.discover import DEFAULT_INCLUDE
from mtls_lint.lint_settings import DEFAULT_EXPIRY_DAYS, LintSettings, enabled_rules
from mtls_lint.profiles import DEFAULT_PROFILE, PROFILES, Profile

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
#: Bounds a hostile file's parsing time and memory: a run at this many stays near 130 MB.
DEFAULT_MAX_FILE_CERTIFICATES = 10_000


class FileLimits(NamedTuple):
    """Caps on one input file: over either, the file is refused (exit 2), not linted."""

    max_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_certificates: int = DEFAULT_MAX_FILE_CERTIFICATES

    @classmethod
    def chosen(
        cls, max_bytes: int | None, max_certificates: int | None, config: Config | None = None
    ) -> "FileLimits":
        """The command line's value, else the config's ``limits``, else the default."""
        limits = config.limits if config is not None else {}

        def pick(given: int | None, key: str, default: int) -> int:
            return given if given is not None else limits.get(key) or default

        return cls(
            pick(max_bytes, "file-bytes", DEFAULT_MAX_FILE_BYTES),
            pick(max_certificates, "file-certificates", DEFAULT_MAX_FILE_CERTIFICATES),
        )


class CheckOptions(NamedTuple):
    """What the command line said; None means "not given"."""

    profile: str | None = None
    select: Sequence[str] | None = None
    ignore: Sequence[str] = ()
    fail_on: str | None = None
    now: dt.datetime | None = None
    expiry_days: int | None = None
    max_file_bytes: int | None = None
    max_file_certificates: int | None = None
    #: Collect every certificate's description (for the step summary).
    inventory: bool = False


class RunSettings(NamedTuple):
    lint: LintSettings
    fail_on: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    #: Globs of files that must be revocation lists (config ``revocation-lists``).
    revocation_lists: tuple[str, ...]
    #: Directory the globs are relative to: the config file's, else the working directory.
    base: Path
    file_limits: FileLimits
    waivers: tuple[Waiver, ...]


def with_limits(profile: Profile, config: Config) -> Profile:
    """The profile with the config's ``limits`` (a raised quota; ``null`` removes a limit)."""
    limits = config.limits
    revocation = profile.revocation
    if revocation is not None:
        revocation = revocation._replace(
            max_list_bytes=limits.get("crl-bytes") or revocation.max_list_bytes,
            max_entries=limits.get("crl-entries") or revocation.max_entries,
            max_lists=limits.get("crl-lists") or revocation.max_lists,
        )
    return profile._replace(
        revocation=revocation,
        max_certificates=limits.get("certificates", profile.max_certificates),
        max_certificate_bytes=limits.get("certificate-bytes", profile.max_certificate_bytes),
        max_bundle_bytes=limits.get("bundle-bytes", profile.max_bundle_bytes),
        max_ca_subject_bytes=limits.get("ca-subject-bytes", profile.max_ca_subject_bytes),
        max_chain_cas=limits.get("chain-depth") or profile.max_chain_cas,
    )


def resolve(options: CheckOptions, config: Config) -> RunSettings:
    profile = with_limits(PROFILES[options.profile or config.profile or DEFAULT_PROFILE], config)
    rule_options = {rule_id: dict(values) for rule_id, values in config.options.items()}
    if options.expiry_days is not None:
        # the command line wins over a `days` option in the file, too
        rule_options.setdefault("expires-soon", {})["days"] = options.expiry_days
    expiry_days = options.expiry_days
    if expiry_days is None:
        expiry_days = config.expiry_days if config.expiry_days is not None else DEFAULT_EXPIRY_DAYS
    return RunSettings(
        lint=LintSettings(
            profile=profile,
            now=options.now or dt.datetime.now(dt.timezone.utc),
            rules=enabled_rules(
                profile,
                select=options.select,
                ignore=options.ignore,
                severities=config.severities,
                options=rule_options,
            ),
            expiry_days=expiry_days,
            inventory=options.inventory,
        ),
        fail_on=options.fail_on or config.fail_on or "error",
        include=config.include or DEFAULT_INCLUDE,
        exclude=config.exclude,
        revocation_lists=config.revocation_lists,
        base=config.root or Path.cwd(),
        file_limits=FileLimits.chosen(
            options.max_file_bytes, options.max_file_certificates, config
        ),
        waivers=config.waivers,
    )
