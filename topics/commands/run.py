"""topics run CONFIG.toml [-o RUN_DIR] [--no-progress] [--scheduler serial|local|tcp://host:port] [--workers N]
[--TABLE.KEY VALUE ...]: any config key can be set for one run without editing the file, e.g.
``--inference.draws 500`` or ``--models.lda.k "[5, 10]"`` (the value is read as a TOML value, else as text)."""

from __future__ import annotations

from pathlib import Path


def configure(parser) -> None:
    parser.add_argument("config", type=Path, help="experiment config (TOML), e.g. experiments/compare_models.toml")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="run folder (default: run.output of the config, else runs/<run.name>); "
                             "a folder of an unfinished run of the same config is resumed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (overrides run.progress)")
    parser.add_argument("--scheduler", default=None, metavar="WHERE",
                        help='where fits and segmentation run: "serial" (this process), "local" (a Dask cluster of '
                             '--workers processes on this machine) or the address of a running Dask scheduler, '
                             '"tcp://host:port" (overrides run.scheduler; results are the same on each)')
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes of a local Dask cluster (overrides run.workers)")
    parser.set_defaults(overrides=[])  # --TABLE.KEY VALUE pairs: filled by topics.cli from the arguments left over


def run(args) -> int:
    from ..config import SCHEDULER, WORKERS
    from ..ingest import format_skipped
    from ..rules import check
    from ..run_folder import RunFolder
    from ..run_files import COMPARISON, REPORT
    from ..running import run_experiment

    for option, value, rule in (("--scheduler", args.scheduler, SCHEDULER), ("--workers", args.workers, WORKERS)):
        if value is not None:
            check(value, rule, option)
    overrides = parse_overrides(args.overrides)
    run = RunFolder.open(run_experiment(args.config, args.output, progress=False if args.no_progress else None,
                                        scheduler=args.scheduler, workers=args.workers, overrides=overrides))
    # what reading the corpus passed over, said on the terminal as `topics ingest` says it: a skipped file
    # must not go unnoticed in a finished run
    summary = run.summary
    skipped = [item for item in summary.get("files_skipped") or [] if isinstance(item, dict)]
    for line in format_skipped({"skipped": skipped, "warnings": summary.get("warnings") or []}):
        print(line)
    print(f"run folder: {run.path}")
    print(f"comparison: {run.file(COMPARISON)}")
    if run.file(REPORT).exists():
        print(f"report: {run.file(REPORT)}")
    return 0


def parse_overrides(arguments: list[str]) -> dict[str, object]:
    """``--table.key value`` (or ``--table.key=value``) pairs → {"table.key": value}; a value is read as
    TOML (numbers, true/false, lists, quoted strings), else kept as the text given."""
    import tomllib

    from ..errors import InputError

    overrides, rest = {}, list(arguments)
    while rest:
        option = rest.pop(0)
        name, equals, value = option.partition("=")
        if not name.startswith("--") or "." not in name:
            raise InputError(f"{option}: unknown option; a config key is set with --TABLE.KEY VALUE, "
                             "e.g. --inference.draws 500")
        if not equals:
            if not rest:
                raise InputError(f"{name}: give a value, e.g. {name} 500")
            value = rest.pop(0)
        try:
            overrides[name[2:]] = tomllib.loads(f"value = {value}")["value"]
        except tomllib.TOMLDecodeError:
            overrides[name[2:]] = value
    return overrides
