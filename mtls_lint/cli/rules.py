"""``mtls-lint rules`` and ``mtls-lint explain RULE``: the rule catalogue. Neither imports
cryptography: they run on every ``pre-commit`` install check and must start fast."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mtls_lint.cli.common import EXIT_OK, UsageError, write_out

if TYPE_CHECKING:
    from mtls_lint.cli.common import Commands


def add_parser(commands: Commands, name: str, summary: str) -> None:
    parser = commands.add_parser(name, help=summary)
    if name == "explain":
        parser.add_argument("rule", metavar="RULE")
        parser.set_defaults(run=run_explain)
    else:
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.set_defaults(run=run_rules)


def run_rules(args: argparse.Namespace) -> int:
    from mtls_lint.profiles import PROFILES
    from mtls_lint.rules import RULES

    if args.format == "json":
        from mtls_lint.jsonout import dumps

        catalogue = [
            {
                "id": rule.id,
                "summary": rule.summary,
                "severity": {
                    name: (s.label if (s := rule.severity[name]) is not None else None)
                    for name in PROFILES
                },
                "target": rule.target,
                "citation": rule.citation,
                "options": {name: kind.__name__ for name, kind in rule.options.items()},
            }
            for rule in RULES.values()
        ]
        write_out(dumps({"profiles": list(PROFILES), "rules": catalogue}) + "\n", "json")
        return EXIT_OK

    width = max(len(rule_id) for rule_id in RULES)
    columns = " ".join(f"{profile.column:<7}" for profile in PROFILES.values())
    lines = [f"{'RULE':<{width}}  {columns}  SUMMARY"]
    for rule in RULES.values():
        levels = " ".join(
            f"{(s.label if (s := rule.severity[name]) is not None else 'off'):<7}"
            for name in PROFILES
        )
        options = ""
        if rule.options:
            options = (
                " [options: "
                + ", ".join(f"{name}: {kind.__name__}" for name, kind in rule.options.items())
                + "]"
            )
        lines.append(f"{rule.id:<{width}}  {levels}  {rule.summary}{options}")
    write_out("\n".join(lines) + "\n", "text")
    return EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    from mtls_lint.profiles import PROFILES
    from mtls_lint.rules import RULES

    rule = RULES.get(args.rule)
    if rule is None:
        from mtls_lint.suggest import did_you_mean

        raise UsageError(f"unknown rule {args.rule!r}{did_you_mean(args.rule, RULES)} (see "
                         "`mtls-lint rules`)")  # fmt: skip
    levels = ", ".join(
        f"{profile}: {s.label if s is not None else 'off'}" for profile, s in rule.severity.items()
    )
    lines = [f"{rule.id}: {rule.summary}", "", f"Severity: {levels}"]
    for name, kind in rule.options.items():
        lines.append(f"Option: {name} ({kind.__name__}, default {rule.defaults.get(name)})")
    lines += [
        "",
        plain(rule.doc),
        "",
        f"Source: {rule.citation}",
        "",
        "Where each service's numbers come from:",
    ]
    for profile in PROFILES.values():
        lines.append(f"  {profile.name}: {profile.source}")
        lines += [
            f"    {profile.name} {name} = {_shown(getattr(profile, name))}: {source}"
            for name, source in profile.sources.items()
        ]
    write_out("\n".join(lines) + "\n", "text")
    return EXIT_OK


#: What a literal that is a command starts with: printed bare, to be copied and run.
_COMMANDS = ("openssl ", "mtls-lint ", "grep ", "aws ", "git ", "sed ", "awk ")


def plain(doc: str) -> str:
    """A rule's docstring as plain text: reST's ``literal`` becomes the command itself, or the
    words in single quotes (``explain`` is read in a terminal, not rendered)."""
    import re

    def literal(match: re.Match[str]) -> str:
        text = match[1]
        return text if text.startswith(_COMMANDS) else f"'{text}'"

    return re.sub(r"``(.+?)``", literal, doc, flags=re.S)


def _shown(value: object) -> str:
    """A number or list of the service model, as ``explain`` prints it."""
    if isinstance(value, frozenset):
        return ", ".join(sorted(map(str, value)))
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # Revocation
        return ", ".join(f"{k} {v}" for k, v in value._asdict().items())
    return str(value)
