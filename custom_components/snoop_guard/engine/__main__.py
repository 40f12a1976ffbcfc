"""Command line for users and support: classify names, explain a decision, check a list.

``python -m custom_components.snoop_guard.engine classify`` reads DNS names,
one a line, on standard input and writes one JSON object a line::

    {"domain": ..., "tracker": bool, "company": ..., "category": ..., "rule": ...,
     "source": ..., "allowed_by": ...}

``company``/``category``/``rule``/``source`` describe the most specific
tracker rule that matched (null when none did), also when an allow rule won;
then ``tracker`` is false and ``allowed_by`` is the winning allow rule's id.
Optional keys: ``normalized`` (when it differs from the input), ``allow_reason``,
``overridden`` (allow rules you chose not to honour) and ``error`` (why an
invalid name was refused; ``tracker`` is then false), and for a name no rule
or allow rule knows but that looks like telemetry (or that a list names but
that was held back as a device function), ``suspected`` (true),
``suspected_category`` and ``evidence`` (``tracker`` stays false). This output
is a stable interface: keys are only ever added.

``... explain DOMAIN`` prints the decision in words with citations;
``... check-list FILE`` prints the parse report of a list file as JSON.
Options: ``--list FILE`` (repeatable; a list in any supported format),
``--no-bundled``, ``--override ID_OR_DOMAIN`` (repeatable; an allow rule not to
honour), ``--cache-dir DIR``, ``--lists-dir DIR`` (already-fetched copies of the
default subscriptions of :mod:`.vendorlists`, named ``<id>.txt``).
Exit status: 0, or 2 for a usage error or a rejected list.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .compiled import ListSource, build_matcher
from .lists import parse_list
from .trackers import TrackerMatcher
from .vendorlists import load_dir

_EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--list",
        dest="lists",
        action="append",
        default=[],
        metavar="FILE",
        help="extra list file (plain domains, hosts, adblock or wildcard syntax)",
    )
    common.add_argument("--no-bundled", action="store_true", help="leave out the bundled knowledge")
    common.add_argument(
        "--override",
        dest="overrides",
        action="append",
        default=[],
        metavar="ID_OR_DOMAIN",
        help="allow rule not to honour (block anyway)",
    )
    common.add_argument("--cache-dir", metavar="DIR", help="use and refresh a compiled cache here")
    common.add_argument(
        "--lists-dir",
        metavar="DIR",
        help="already-fetched copies of the default subscriptions, named <id>.txt",
    )
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.snoop_guard.engine",
        description="Snoop Guard tracker knowledge base.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "classify", parents=[common], help="classify names read on stdin, one JSON object a line"
    )
    explain = commands.add_parser("explain", parents=[common], help="explain one decision")
    explain.add_argument("domain")
    check = commands.add_parser("check-list", help="print the parse report of list files")
    check.add_argument("files", nargs="+", metavar="FILE")
    return parser


def _matcher(args: argparse.Namespace) -> TrackerMatcher | None:
    sources: list[ListSource] = []
    if args.lists_dir is not None:
        found, missing = load_dir(args.lists_dir)
        sources.extend(found)
        for ident in missing:
            print(f"note: no copy of default list {ident} in {args.lists_dir}", file=sys.stderr)
    for path in args.lists:
        try:
            sources.append(ListSource.from_file(path))
        except OSError as err:
            print(f"error: cannot read {path}: {err.strerror or err}", file=sys.stderr)
            return None
    matcher = build_matcher(
        sources,
        bundled=not args.no_bundled,
        cache_dir=args.cache_dir,
        overrides=args.overrides,
    )
    failed = False
    for report in matcher.reports:
        if not report.accepted:
            print(f"error: list {report.summary()}", file=sys.stderr)
            failed = True
    for note in matcher.notes:
        print(f"note: {note}", file=sys.stderr)
    for unknown in matcher.unknown_overrides:
        print(f"warning: no allow rule {unknown!r} to override", file=sys.stderr)
    return None if failed else matcher


def _classify(matcher: TrackerMatcher) -> None:
    write = sys.stdout.write
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", "surrogateescape").strip()
        verdict = matcher.classify(line)
        write(json.dumps(verdict.to_json(), ensure_ascii=True) + "\n")
    sys.stdout.flush()


def _check_lists(files: Sequence[str]) -> int:
    status = 0
    for path in files:
        try:
            source = ListSource.from_file(path)
        except OSError as err:
            print(f"error: cannot read {path}: {err.strerror or err}", file=sys.stderr)
            status = _EXIT_USAGE
            continue
        report = parse_list(source.text, source.name).report
        print(json.dumps(report.to_dict(), ensure_ascii=True, indent=2))
        if not report.accepted:
            status = _EXIT_USAGE
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "check-list":
        return _check_lists(args.files)
    matcher = _matcher(args)
    if matcher is None:
        return _EXIT_USAGE
    if args.command == "classify":
        _classify(matcher)
        return 0
    print(matcher.explain(args.domain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
