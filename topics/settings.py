"""One declaration per setting that more than one entry point takes: its config key, type rule, default and
help. The config's defaults and checks, the command-line flags and the Python API's keywords are made from
these (tests/test_settings.py fails when any of them states another default).

A command-line flag overrides its config key: ``topics shares RUN --draws 500`` uses 500 draws whatever the
run's ``[inference] draws`` says, and without the flag the run's own setting holds; ``topics run CONFIG
--inference.draws 500`` changes any config key for one run without editing the file."""

from __future__ import annotations

from dataclasses import dataclass

from .rules import Rule, boolean, check, choice, integer, number

MAX_SEED = 2**32 - 1  # numpy's and gensim's random states take seeds below 2**32
MAX_DRAWS = 100_000  # bootstrap draws of shares: a billion asked for 45 GB at once
MAX_EFFECT_DRAWS = 10_000  # draws of the effects, each a refit of every theme's regression, held per document


@dataclass(frozen=True)
class Setting:
    table: str
    key: str
    default: object
    rule: Rule
    help: str
    flag: str | None = None  # the command-line option of the commands that take it

    @property
    def name(self) -> str:
        return f"{self.table}.{self.key}"

    def option_help(self) -> str:
        """The flag's help: what it sets, its default, and that it overrides the run's config."""
        return f"{self.help} (default: the run's [{self.table}] {self.key}, else {self.default!r})"


_DECLARED = [
    # theme mapping (topics.mapping)
    Setting("themes", "min_lift", 2.0, number(0),
            "a free topic whose lift for its best theme is below this is 'other'", "--min-lift"),
    Setting("themes", "min_margin", 1.25, number(1),
            "a free topic is named after its theme only when its lift clears min_lift, its other themes and the "
            "[other] words by this factor; otherwise it is 'unmapped'", "--min-margin"),
    Setting("themes", "section_weight", 0.2, number(0, 1, high_open=True),
            "a unit's theme probabilities are mixed with its section's by this weight"),
    Setting("themes", "heading_bonus", 0.2, number(0),
            "the theme a unit's heading names gets this much more probability"),
    # cutting documents into units (topics.ingest.structure)
    Setting("corpus", "max_unit_chars", 400, integer(100),
            "a unit longer than this many characters is cut at sentence ends into parts no longer, each ending where "
            "its sentences turn to another theme or at an even share (each keeps its heading and section)",
            "--max-unit-chars"),
    # the vocabulary (topics.vectorize)
    Setting("vocabulary", "no_below", 2, integer(1), "keep words found in at least this many units"),
    Setting("vocabulary", "no_above", 0.5, number(0, 1, low_open=True),
            "drop words found in more than this fraction of units"),
    Setting("vocabulary", "keep_n", 20000, integer(1, optional=True), "then keep at most this many most frequent words"),
    # shares with intervals (topics.inference.shares)
    Setting("inference", "draws", 1000, Rule(integer(2, MAX_DRAWS).check, f"an integer from 2 to {MAX_DRAWS} (an "
                                             "interval's ends settle long before; more draws only fill memory)"),
            "bootstrap draws of the shares' intervals", "--draws"),
    Setting("inference", "seed", 0, integer(0, MAX_SEED),
            "random seed of the bootstrap: the same seed gives the same table", "--seed"),
    Setting("inference", "level", 0.95, number(0, 1, low_open=True, high_open=True), "interval level", "--level"),
    Setting("inference", "weight", "units", choice("units", "length", "soft"),
            "how a unit counts: once for its theme (units), by its characters (length), or spread over the "
            "themes by its probabilities (soft)", "--weight"),
    Setting("inference", "predictions", "soft", choice("soft", "hard"),
            "estimates corrected with a coded sample (--gold) start from each unit's theme probabilities (soft) or "
            "its assigned theme (hard)", "--predictions"),
    Setting("inference", "tuning", "none", choice("none", "power"),
            "shares corrected with a coded sample (--gold): none: PPI/DSL, the predictions' mean plus the coded "
            "units' mean error; power: PPI++, the weight on the predictions that gives the narrowest interval, "
            "per group and theme (narrower, but it undercovers rare themes)", "--tuning"),
    Setting("inference", "min_documents", 5, integer(1),
            "a group of fewer documents than this is flagged (few_documents) and warned about: its interval rests "
            "on too few documents to say much about documents like them", "--min-documents"),
    Setting("inference", "min_units", 20, integer(1),
            "a document of fewer units than this is warned about: one unit moves its shares by 100/min_units points "
            "or more, and a long unit on several subjects counts for one"),
    Setting("inference", "where", "", Rule(lambda v: isinstance(v, str), 'an expression such as "year >= 1980", or '
                                           '"" for every document'),
            "only the documents this condition keeps, e.g. \"year >= 1980 and edition == 'hprc'\" (document columns, "
            "numbers, 'strings', == != < <= > >=, in [...], and, or, not; never run as code); the documents and units "
            "kept and left out are said", "--where"),
    Setting("inference", "unit_probabilities", True, boolean(),
            "write every unit's theme probabilities for every fit (unit_probabilities.csv)"),
    # covariate effects (topics.inference.effects)
    Setting("effects", "draws", 200, Rule(integer(2, MAX_EFFECT_DRAWS).check, f"an integer from 2 to "
                                         f"{MAX_EFFECT_DRAWS} (each draw refits every theme's regression)"),
            "draws for the effects' intervals", "--draws"),
    Setting("effects", "uncertainty", "composition", choice("composition", "documents"),
            "composition: units resampled within documents, seeds pooled, coefficients drawn from each refit "
            "(as stm's estimateEffect; errs on the wide side); documents: documents resampled, seeds pooled",
            "--uncertainty"),
]

SETTINGS: dict[str, Setting] = {setting.name: setting for setting in _DECLARED}


def default(name: str):
    """The declared default of ``table.key``."""
    return SETTINGS[name].default


def table_defaults(table: str) -> dict:
    """Every declared key of a config table with its default."""
    return {s.key: s.default for s in _DECLARED if s.table == table}


def table_rules(table: str) -> dict[str, Rule]:
    return {s.key: s.rule for s in _DECLARED if s.table == table}


def add_flag(parser, name: str) -> None:
    """The command-line option of a setting; its value is None unless given, so the run's config holds."""
    setting = SETTINGS[name]
    kind = {bool: None, int: int, float: float}.get(type(setting.default), str)
    parser.add_argument(setting.flag, dest=setting.key, default=None, type=kind, help=setting.option_help())


def resolve(name: str, given, config: dict | None = None):
    """A setting's value: ``given`` (a flag or keyword, checked against the setting's rule), else the run
    config's, else the declared default."""
    setting = SETTINGS[name]
    if given is not None:
        check(given, setting.rule, setting.flag or setting.name)
        return given
    return (config or {}).get(setting.table, {}).get(setting.key, setting.default)


def settings_markdown() -> str:
    """docs/settings.md: every declared setting, made from the declarations (a test checks the file)."""
    lines = ["# Settings that more than one entry point takes", "",
             "Made from `topics/settings.py` by `python -m topics.settings > docs/settings.md`; a test fails when the",
             "two differ. Each is a key of a run config; where a command has the flag, the flag overrides the run's",
             "config for that command, and the Python API's keyword of the same name does the same.", "",
             "| config key | default | allowed | flag | what it does |", "|---|---|---|---|---|"]
    for s in _DECLARED:
        lines.append(f"| `[{s.table}] {s.key}` | `{s.default!r}` | {s.rule.allowed} | "
                     f"{f'`{s.flag}`' if s.flag else ''} | {s.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")
