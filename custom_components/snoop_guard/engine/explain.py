"""A tracker verdict in words: the rules that match, the winner and why."""

from __future__ import annotations

from .model import AllowInfo, TrackerInfo, Verdict

__all__ = ["explain_verdict"]


def _describe_rule(info: TrackerInfo) -> str:
    scope = "this name only" if info.kind == "exact" else "the name and its subdomains"
    text = (
        f"tracker rule {info.rule} ({scope}): {info.company}, category {info.category}, "
        f"source {info.source}, confidence {info.confidence}"
    )
    if info.citation:
        text += f"\n      citation: {info.citation}"
    return text


def _describe_allow(allow: AllowInfo) -> str:
    scope = "this name only" if allow.kind == "exact" else "the name and its subdomains"
    text = f"allow rule {allow.id} = {allow.rule} ({scope}), {allow.source}: {allow.reason}"
    if allow.citation:
        text += f"\n      citation: {allow.citation}"
    return text


def explain_verdict(verdict: Verdict) -> str:
    """Render a :class:`Verdict` in words."""
    lines = [f"{verdict.domain!r}"]
    if verdict.error is not None or verdict.normalized is None:
        lines.append(f"  not a valid DNS name: {verdict.error}; it is never a tracker.")
        return "\n".join(lines)
    if verdict.normalized != verdict.domain:
        lines.append(f"  normalised to {verdict.normalized}")
    if not verdict.block_matches:
        known = "not a known tracker" if verdict.suspected else "not a tracker"
        lines.append(f"  no tracker rule matches: {known}.")
    else:
        lines.append(f"  {len(verdict.block_matches)} tracker rule(s) match, most specific first:")
        lines.extend(f"    - {_describe_rule(info)}" for info in verdict.block_matches)
    if verdict.allow_matches:
        lines.append(f"  {len(verdict.allow_matches)} allow rule(s) match:")
        lines.extend(f"    - {_describe_allow(allow)}" for allow in verdict.allow_matches)
    if verdict.overridden:
        lines.append("  allow rule(s) that match but that you chose not to honour:")
        lines.extend(f"    - {_describe_allow(allow)}" for allow in verdict.overridden)
    if verdict.tracker and verdict.info is not None:
        info = verdict.info
        why = "the most specific tracker rule wins"
        if verdict.allow_matches:
            why += "; the matching allow rules are list exceptions that do not beat $important"
        elif verdict.overridden:
            why += "; the allow rule that would have won is overridden by you"
        lines.append(
            f"  DECISION: tracker ({info.company}, {info.category}) by rule {info.rule} "
            f"from {info.source}: {why}."
        )
    elif verdict.allowed_by is not None:
        lines.append(
            f"  DECISION: allowed by {verdict.allowed_by.id} ({verdict.allowed_by.rule}): "
            "an allow rule wins over tracker rules, so the device keeps working."
        )
    elif verdict.allow_matches:
        first = verdict.allow_matches[0]
        lines.append(
            f"  DECISION: not a tracker; allow rule {first.id} would also win over any "
            "tracker rule a list adds for it."
        )
    elif verdict.suspected:
        lines.append(f"  suspected ({verdict.suspected_category}), by:")
        lines.extend(f"    - {item}" for item in verdict.evidence)
        lines.append(
            "  DECISION: suspected tracker: shown and counted apart from known trackers, "
            "never blocked unless you mark it as a tracker."
        )
    else:
        lines.append("  DECISION: not a tracker.")
    return "\n".join(lines)
