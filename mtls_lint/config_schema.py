"""What a valid ``.mtls-lint.yaml`` holds: each value checked, each mistake at its line.

Values come from a pull request, so messages quote them only in bounded form
(:func:`shown`), and every number has a ceiling.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mtls_lint.config import CEILING, CEILINGS, Config, ConfigError, Waiver
from mtls_lint.findings import FAIL_ON, Severity
from mtls_lint.profiles import PROFILES
from mtls_lint.rules import RULES
from mtls_lint.suggest import did_you_mean

LIMITS = (
    "certificates",
    "certificate-bytes",
    "bundle-bytes",
    "ca-subject-bytes",
    "chain-depth",
    "crl-bytes",
    "crl-entries",
    "crl-lists",
    "file-bytes",
    "file-certificates",
)
TOP_LEVEL = (
    "profile", "include", "exclude", "revocation-lists", "fail-on", "expiry-days", "limits",
    "rules", "waivers",
)  # fmt: skip
_SHA256 = re.compile(r"[0-9a-f]{64}")

Path_ = tuple[str | int, ...]


class Validator:
    """Turns a composed YAML document and its loaded data into a :class:`Config`."""

    def __init__(self, shown: str, node: yaml.Node | None) -> None:
        self.shown = shown
        self.node = node
        if node is not None:
            self._check_duplicates(node)

    # -- positions -------------------------------------------------------------------------

    def line(self, where: Path_, *, key: bool = False) -> int:
        """1-based line of the value at ``where`` (or of its key, with ``key=True``).

        Stops at the deepest node that exists, so a missing key points at its mapping.
        """
        node = self.node
        line: int = node.start_mark.line + 1 if node is not None else 1
        for depth, step in enumerate(where, 1):
            if isinstance(node, yaml.MappingNode):
                pair = next((p for p in node.value if p[0].value == step), None)
                if pair is None:
                    break
                if key and depth == len(where):
                    return int(pair[0].start_mark.line) + 1
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    break
                node = node.value[step]
            else:
                break
            line = int(node.start_mark.line) + 1
        return line

    def error(self, where: Path_, message: str, *, key: bool = False) -> ConfigError:
        label = ""
        for step in where:  # ("waivers", 0, "until") -> waivers[0].until
            if isinstance(step, int):
                label += f"[{step}]"
            else:
                name = str(step)[:MAX_SHOWN]
                label += f".{name}" if label else name
        prefix = f"{label}: " if where else ""
        return ConfigError(f"{self.shown}:{self.line(where, key=key)}: {prefix}{message}")

    def _check_duplicates(self, root: yaml.Node) -> None:
        """Refuse duplicate keys anywhere. Each node is visited once: YAML aliases share
        nodes, and nine aliases nested 24 deep would otherwise be 9**24 visits."""
        visited: set[int] = set()
        pending = [root]
        while pending:
            node = pending.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, value_node in node.value:
                    if key_node.value in seen:
                        line = key_node.start_mark.line + 1
                        raise ConfigError(
                            f"{self.shown}:{line}: duplicate key {shown(key_node.value)}"
                        )
                    seen.add(key_node.value)
                    pending.append(value_node)
            elif isinstance(node, yaml.SequenceNode):
                pending.extend(node.value)

    # -- values ----------------------------------------------------------------------------

    def config(self, path: Path, data: object) -> Config:
        if data is None:
            return Config(path=path)
        if not isinstance(data, dict):
            raise self.error((), f"the config must be a mapping, not {_kind(data)}")
        for key in data:
            if key not in TOP_LEVEL:
                raise self.error(
                    (str(key),),
                    f"unknown key (expected one of {', '.join(TOP_LEVEL)})"
                    f"{did_you_mean(key, TOP_LEVEL)}",
                    key=True,
                )
        profile = data.get("profile")
        if profile is not None and (not isinstance(profile, str) or profile not in PROFILES):
            raise self.error(("profile",), f"must be one of {', '.join(sorted(PROFILES))}"
                             f"{did_you_mean(profile, PROFILES)}")  # fmt: skip
        fail_on = data.get("fail-on")
        if fail_on is not None and (not isinstance(fail_on, str) or fail_on not in FAIL_ON):
            raise self.error(("fail-on",), f"must be one of {', '.join(FAIL_ON)}")
        include = self.globs(data, "include")
        severities, options = self.rules(data.get("rules"))
        lines = {str(key): self.line((str(key),), key=True) for key in data}
        for section in ("rules", "limits"):
            if isinstance(data.get(section), dict):
                lines.update(
                    (f"{section}.{key}", self.line((section, key), key=True))
                    for key in data[section]
                )
        return Config(
            lines=lines,
            path=path,
            profile=profile,
            include=include,
            exclude=self.globs(data, "exclude") or (),
            revocation_lists=self.globs(data, "revocation-lists") or (),
            fail_on=fail_on,
            expiry_days=self.count(
                data.get("expiry-days"),
                ("expiry-days",),
                minimum=0,
                maximum=CEILINGS["expiry-days"],
            ),
            limits=self.limits(data.get("limits")),
            severities=severities,
            options=options,
            waivers=self.waivers(data.get("waivers")),
        )

    def count(
        self, value: object, where: Path_, *, minimum: int, maximum: int = CEILING
    ) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(where, f"must be a whole number >= {minimum}, not {shown(value)}")
        if value > maximum:
            raise self.error(where, f"must be at most {maximum}, not {shown(value)}")
        return value

    def globs(self, data: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error((key,), "must be a list of glob patterns")
        return tuple(value)

    def limits(self, value: object) -> dict[str, int | None]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(("limits",), f"must be a mapping, not {_kind(value)}")
        result: dict[str, int | None] = {}
        for key, amount in value.items():
            if not isinstance(key, str) or key not in LIMITS:
                raise self.error(
                    ("limits", key), f"unknown limit (expected {', '.join(LIMITS)})", key=True
                )
            result[key] = self.count(
                amount, ("limits", key), minimum=1, maximum=CEILINGS.get(key, CEILING)
            )
        return result

    def rules(self, value: object) -> tuple[dict[str, Severity | None], dict[str, dict[str, Any]]]:
        severities: dict[str, Severity | None] = {}
        options: dict[str, dict[str, Any]] = {}
        if value is None:
            return severities, options
        if not isinstance(value, dict):
            raise self.error(("rules",), f"must be a mapping of rule ids, not {_kind(value)}")
        for rule_id, setting in value.items():
            where: Path_ = ("rules", rule_id)
            rule = RULES.get(rule_id) if isinstance(rule_id, str) else None
            if rule is None:
                raise self.error(where, f"unknown rule id{did_you_mean(rule_id, RULES)} (see "
                                 "`mtls-lint rules`)", key=True)  # fmt: skip
            if isinstance(setting, dict):
                severity_value = setting.get("severity", True)
                rule_options = {k: v for k, v in setting.items() if k != "severity"}
            else:
                severity_value, rule_options = setting, {}
            if severity_value is not True:  # True: on, at the rule's default severity
                at = (*where, "severity") if isinstance(setting, dict) else where
                severities[rule_id] = self.severity(severity_value, at)
            for name, option in rule_options.items():
                kind = rule.options.get(name)
                if kind is None:
                    known = ", ".join(rule.options) or "none"
                    raise self.error(
                        (*where, name), f"unknown option (options of {rule_id}: {known})", key=True
                    )
                if isinstance(option, bool) != (kind is bool) or not isinstance(option, kind):
                    raise self.error(
                        (*where, name), f"must be {kind.__name__}, not {shown(option)}"
                    )
            options[rule_id] = rule_options
        return severities, options

    def severity(self, value: object, where: Path_) -> Severity | None:
        if value is False or value == "off":
            return None
        if isinstance(value, str):
            try:
                return Severity.parse(value)
            except ValueError:
                pass
        raise self.error(where, f"must be off, error, warning or notice, not {shown(value)}")

    def waivers(self, value: object) -> tuple[Waiver, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(("waivers",), f"must be a list, not {_kind(value)}")
        return tuple(self.waiver(item, ("waivers", i)) for i, item in enumerate(value))

    def waiver(self, item: object, where: Path_) -> Waiver:
        if not isinstance(item, dict):
            raise self.error(where, f"a waiver must be a mapping, not {_kind(item)}")
        for key in item:
            if key not in ("sha256", "rules", "reason", "until"):
                raise self.error((*where, key), "unknown key (sha256, rules, reason, until)",
                                 key=True)  # fmt: skip
        for required in ("sha256", "rules", "reason"):
            if required not in item:
                raise self.error(where, f"{required} is required")
        sha256 = item["sha256"]
        normal = sha256.replace(":", "").lower() if isinstance(sha256, str) else ""
        if not _SHA256.fullmatch(normal):
            raise self.error(
                (*where, "sha256"), "must be the certificate's SHA-256: 64 hexadecimal characters"
            )
        rules = item["rules"]
        if not isinstance(rules, list) or not rules:
            raise self.error((*where, "rules"), "must be a non-empty list of rule ids")
        for i, rule_id in enumerate(rules):
            if not isinstance(rule_id, str) or rule_id not in RULES:
                raise self.error((*where, "rules", i), f"unknown rule id {shown(rule_id)}"
                                 f"{did_you_mean(rule_id, RULES)}")  # fmt: skip
        reason = item["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise self.error((*where, "reason"), "must say why the finding is accepted")
        return Waiver(
            sha256=normal,
            rules=frozenset(rules),
            reason=reason,
            until=self.date(item.get("until"), (*where, "until")),
            path=self.shown,
            line=self.line(where),
        )

    def date(self, value: object, where: Path_) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(where, f"must be a date (YYYY-MM-DD), not {shown(value)}")


#: Characters of a config value quoted in a message.
MAX_SHOWN = 60


def shown(value: object) -> str:
    """A bounded ``repr`` for messages: a config's values come from a pull request, and
    nine YAML aliases nested 24 deep make a list whose full repr would never end."""
    import reprlib

    limited = reprlib.Repr()
    limited.maxlevel, limited.maxlist, limited.maxdict = 2, 4, 4
    limited.maxstring = limited.maxother = MAX_SHOWN
    text = limited.repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)
