"""Experiment configs: one TOML file holds everything a run depends on.

``load_config`` reads a file, rejects unknown keys and bad values naming the key, and
returns the resolved config (every default filled in) that the runner saves as run."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from .labels import OTHER
from .errors import InputError, existing_file
from .formula import check_formula
from .where import parse_where
from .lexicon import DEFAULT_LEXICON_PATH, Lexicon
from .mapping import MappingSettings
from .rules import Rule, boolean, check, check_all, integer
from .settings import MAX_SEED, table_defaults, table_rules
from .tomlfile import read_toml

# Every section and key a config may hold, with its default. None means "required".
DEFAULTS: dict[str, dict] = {
    "run": {
        "name": None,
        "output": "",  # run folder, relative to the config file; default runs/<name> in the current folder
        "seeds": [1, 2, 3, 4, 5],
        "progress": True,
        "scheduler": "serial",  # where fits and segmentation run: "serial", "local" (a Dask cluster here) or "tcp://host:port"
        "workers": 2,  # worker processes of a "local" cluster
    },
    "corpus": {
        "paths": None,  # files or folders, relative to the config file
        "strict": False,
        "dedupe": False,  # keep only the most complete of each group of near-duplicate documents (all are reported)
        "skip_kinds": ["heading"],  # unit kinds not fitted: a heading is repeated in its units' heading field
        **table_defaults("corpus"),  # how documents are cut into units
    },
    "tokenizer": {},  # passed to TokenizerSettings.from_dict, which validates its own keys
    "vocabulary": {
        **table_defaults("vocabulary"),
        "keep_lexicon": True,  # the theme lexicon's words stay in the vocabulary (for new text) even when rare or unused
    },
    "themes": {
        "lexicon": "",  # a theme lexicon TOML; "" means the package's own (the resolved config names the file)
        **table_defaults("themes"),  # theme mapping (topics.settings says what each does)
    },
    "models": {},  # name -> {k = int | [ints], <model parameters>}
    "evaluation": {
        "metrics": [],  # [] means every metric (the resolved config lists them)
        "heldout_fraction": 0.1,  # units held out of fitting, for held-out perplexity
        "labels": "weak",  # "weak" (labels from headings) or a gold TSV path
        "training": [],  # GOLD.tsv files of coded units a label-learning model also learns from, of any corpus
    },
    "effects": {
        "formula": "",  # e.g. "~ bs(year, df=4) + C(region)": a run then writes effects.csv and its report section
        **table_defaults("effects"),
    },
    "inference": {
        "column_types": {},  # metadata column -> "number" or "category" (default: inferred from the values)
        **table_defaults("inference"),  # the shares with intervals the run writes, and the effects' seed
    },
    "report": {
        "enabled": True,
    },
}

TOP_LEVEL_TABLES = tuple(DEFAULTS)


def load_config(path: str | Path, overrides: dict[str, object] | None = None) -> dict:
    """Read and validate a config file; relative paths are resolved against its folder. ``overrides``
    ({"table.key": value}, e.g. from `topics run --inference.draws 500`) replace the file's values and are
    checked like them."""
    path = Path(path)
    raw = read_toml(path, "config file")
    overrides = overrides or {}
    for name, value in overrides.items():
        *tables, key = name.split(".")
        target = raw
        for table in tables:
            target = target.setdefault(table, {})
            if not isinstance(target, dict):
                raise InputError(f"--{name}: {table} is not a table of the config")
        target[key] = value
    return resolve_config(raw, source=config_source(path, overrides), base_dir=path.parent)


def config_source(path: str | Path, overrides: dict[str, object] | None = None) -> str:
    """How messages name a config: its file, and the keys set on the command line (a value that came from
    --inference.draws is not in the file)."""
    return f"{path} with {', '.join(f'--{name}' for name in overrides)}" if overrides else str(path)


def resolve_config(raw: dict, *, source: str = "<config>", base_dir: Path | None = None) -> dict:
    """Check every key and value of ``raw`` and fill in the defaults."""
    base_dir = base_dir or Path.cwd()
    for key, value in raw.items():
        if key not in DEFAULTS:
            what = f"table [{key}]" if isinstance(value, dict) else f"top-level key {key}"
            raise InputError(f"{source}: unknown {what}; valid tables: {', '.join(TOP_LEVEL_TABLES)}")
    config: dict = {}
    for table, defaults in DEFAULTS.items():
        given = raw.get(table, {})
        if not isinstance(given, dict):
            raise InputError(f"{source}: [{table}] must be a table")
        if table in ("tokenizer", "models"):
            config[table] = dict(given)
            continue
        for key in given:
            if key not in defaults:
                raise InputError(f"{source}: unknown key {table}.{key}; valid keys: {', '.join(defaults)}")
        merged = {}
        for key, default in defaults.items():
            if key not in given and default is None:
                raise InputError(f"{source}: missing required key {table}.{key}")
            merged[key] = copy.deepcopy(given.get(key, default))  # never share a default list with DEFAULTS
        config[table] = merged

    _check_run(config["run"], source)
    if config["run"]["output"]:
        config["run"]["output"] = str(_resolve(config["run"]["output"], base_dir))
    _check_corpus(config["corpus"], source, base_dir)
    _check_vocabulary(config["vocabulary"], source)
    lexicon = _check_themes(config["themes"], source, base_dir)
    _check_models(config["models"], source, lexicon)
    config["tokenizer"] = _resolve_tokenizer(config["tokenizer"], source, base_dir)
    _check_evaluation(config["evaluation"], source, base_dir, lexicon)
    _check_labels_for_models(config, source)
    _check_inference(config["inference"], source)
    check_all(config["effects"], table_rules("effects"), source, prefix="effects.")
    _expect(isinstance(config["effects"]["formula"], str), source, "effects.formula",
            'a formula such as "~ year + C(region)", or ""', config["effects"]["formula"])
    if config["effects"]["formula"]:  # its column names are checked when the run's documents are known
        check_formula(config["effects"]["formula"], f"{source}: effects.formula")
    if isinstance(config["inference"].get("where"), str) and config["inference"]["where"].strip():
        parse_where(config["inference"]["where"], f"{source}: inference.where")  # its columns: the same
    _expect(isinstance(config["report"]["enabled"], bool), source, "report.enabled", "true or false", config["report"]["enabled"])
    return config


def _check_labels_for_models(config: dict, source: str) -> None:
    """A model that learns from labels needs hand-coded ones: labels read from headings never say 'other',
    and a classifier trained on them learns the headings, not the codebook."""
    from .models import MODELS

    needing = [name for name in config["models"] if MODELS[name].needs_labels]
    if needing and config["evaluation"]["labels"] == "weak" and not config["evaluation"]["training"]:
        raise InputError(f"{source}: models.{needing[0]} learns from hand-coded labels: set evaluation.labels or "
                         "evaluation.training to a GOLD.tsv (labels from headings never say 'other'), or use "
                         "models.pretrained, which needs none")


def _check_inference(inference: dict, source: str) -> None:
    check_all(inference, table_rules("inference"), source, prefix="inference.")
    types = inference["column_types"]
    _expect(isinstance(types, dict) and all(v in ("number", "category") for v in types.values()), source,
            "inference.column_types", 'a table of column = "number" or "category"', types)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _expect(ok: bool, source: str, key: str, allowed: str, given) -> None:
    """A check that ties values together or reads files, with the message every rule gives (topics.rules)."""
    check(given, Rule(lambda _: ok, allowed), key, source)


def _file_setting(path: Path, given: str, key: str, what: str) -> None:
    """A config key naming a file: InputError naming the key and what was given when it is not a file."""
    try:
        existing_file(path, what)
    except InputError as err:
        looked = "" if given == str(path) else f" (looked for {path})"
        raise InputError(f"{key}: {given}: {str(err).removeprefix(f'{path}: ')}{looked}") from None


def _resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (base_dir / candidate).resolve()


# a run name becomes a folder name under runs/: no separators, no "..", no control characters
_RUN_NAME = re.compile(r"[^/\\\x00-\x1f]+")
# where fits and segmentation run (topics.execution): here, a Dask cluster started for the run, or a running one
SCHEDULERS = ("serial", "local")
# tcp only: a tls:// scheduler needs certificates, which a config does not carry
_SCHEDULER_ADDRESS = re.compile(r"tcp://\S+:\d+")
SCHEDULER = Rule(lambda v: isinstance(v, str) and (v in SCHEDULERS or bool(_SCHEDULER_ADDRESS.fullmatch(v))),
                 '"serial", "local" or the address of a running Dask scheduler ("tcp://host:port"; tls:// '
                 "needs certificates, which the package does not take)")
WORKERS = integer(1, 1024)


def _check_run(run: dict, source: str) -> None:
    name = run["name"]
    _expect(isinstance(name, str) and name.strip() != "", source, "run.name", "a non-empty string", name)
    _expect(bool(_RUN_NAME.fullmatch(name)) and name.strip() not in (".", ".."), source, "run.name",
            "a name without path separators or '..' (it names the folder runs/<name>)", name)
    seeds = run["seeds"]
    _expect(
        isinstance(seeds, list) and seeds and all(_is_int(s) and 0 <= s <= MAX_SEED for s in seeds),
        source, "run.seeds", f"a non-empty list of integers from 0 to {MAX_SEED}", seeds,
    )
    _expect(len(set(seeds)) == len(seeds), source, "run.seeds", "a list without repeats", seeds)
    _expect(isinstance(run["output"], str), source, "run.output", "a folder path", run["output"])
    _expect(isinstance(run["progress"], bool), source, "run.progress", "true or false", run["progress"])
    check_all(run, {"scheduler": SCHEDULER, "workers": WORKERS}, source, prefix="run.")


def _check_corpus(corpus: dict, source: str, base_dir: Path) -> None:
    paths = corpus["paths"]
    if isinstance(paths, str):
        paths = [paths]
    _expect(isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths),
            source, "corpus.paths", "a list of files or folders", paths)
    corpus["paths"] = [str(_resolve(p, base_dir)) for p in paths]
    for given, resolved in zip(paths, corpus["paths"]):
        if not Path(resolved).exists():
            looked = "" if given == resolved else f" (looked for {resolved})"
            raise InputError(f"{source}: corpus.paths: {given}: no such file or folder{looked}")
    check_all(corpus, {"strict": boolean(), "dedupe": boolean(), **table_rules("corpus")}, source, prefix="corpus.")
    kinds = corpus["skip_kinds"]
    _expect(isinstance(kinds, list) and all(k in UNIT_KINDS for k in kinds), source, "corpus.skip_kinds",
            f"a list of unit kinds ({', '.join(UNIT_KINDS)})", kinds)


# the kinds of unit reading gives (topics.structure): a misspelt kind would skip nothing without a word
UNIT_KINDS = ("paragraph", "point", "section", "heading")
# tokenizer settings that name files: resolved against the config's folder like corpus.paths
_TOKENIZER_PATH_LISTS = ("user_dictionaries", "stopword_lists", "slogan_lists")


def _resolve_tokenizer(given: dict, source: str, base_dir: Path) -> dict:
    """Every tokenizer setting with its default filled in (no hidden defaults in a saved run)."""
    from .tokenize import TokenizerSettings

    given = dict(given)
    for key in _TOKENIZER_PATH_LISTS:
        if isinstance(given.get(key), list):
            given[key] = [str(_resolve(p, base_dir)) if isinstance(p, str) else p for p in given[key]]
    return TokenizerSettings.from_dict(given, where=f"{source}: tokenizer").to_dict()


def _check_vocabulary(vocabulary: dict, source: str) -> None:
    check_all(vocabulary, {**table_rules("vocabulary"), "keep_lexicon": boolean()}, source, prefix="vocabulary.")


def _check_themes(themes: dict, source: str, base_dir: Path) -> Lexicon:
    """Resolve and read the theme lexicon now, so a bad file stops the run before any work; the
    resolved config names the file used."""
    lexicon = themes["lexicon"]
    _expect(isinstance(lexicon, str), source, "themes.lexicon", "a file path", lexicon)
    path = _resolve(lexicon, base_dir) if lexicon else DEFAULT_LEXICON_PATH
    if lexicon:
        _file_setting(path, lexicon, f"{source}: themes.lexicon", "file")
    themes["lexicon"] = str(path)
    try:
        MappingSettings.from_config({"themes": themes})
    except InputError as err:
        raise InputError(f"{source}: {err}") from None
    return Lexicon.load(path)


def _check_models(models: dict, source: str, lexicon: Lexicon) -> None:
    """Check model names, topic counts and parameter values; fill in every parameter's default."""
    from .models import MODEL_NAMES, MODELS, model_params

    if not models:
        raise InputError(f"{source}: [models] is empty; add at least one of: {', '.join(MODEL_NAMES)}")
    for name, params in models.items():
        if name not in MODEL_NAMES:
            raise InputError(f"{source}: unknown model models.{name}; valid models: {', '.join(MODEL_NAMES)}")
        if not isinstance(params, dict):
            raise InputError(f"{source}: models.{name} must be a table")
        model = MODELS[name]
        try:
            model.check_lexicon(lexicon)
        except InputError as err:
            raise InputError(f"{source}: models.{name}: {str(err).removeprefix(name + ': ')}") from None
        defaults = model_params(name)
        unknown = [key for key in params if key not in defaults or key == "random_state"]
        if unknown:
            allowed = [key for key in defaults if key != "random_state"]
            hint = {"random_state": " (seeds come from run.seeds)",
                    "min_lift": " (theme mapping is set in [themes] min_lift)",
                    "k": f" ({name} has one topic per theme, plus '{OTHER}')"}.get(unknown[0], "")
            raise InputError(f"{source}: unknown parameter models.{name}.{unknown[0]}{hint}; "
                             f"valid parameters: {', '.join(allowed)}")
        resolved = {}
        if model.has_k():
            merged = {**defaults, **params}
            needed = model.smallest_k(lexicon, merged)
            if "k" not in params and not model.seeded:
                raise InputError(f"{source}: missing required key models.{name}.k (an integer >= 2 or a list of them)")
            # a seeded model's k defaults to its seeded topics (the themes, facets and other): no free topic
            ks = params.get("k", needed)
            ks = [ks] if _is_int(ks) else ks
            key = f"models.{name}.k"
            _expect(isinstance(ks, list) and ks and all(_is_int(k) for k in ks),
                    source, key, "an integer >= 2 or a list of them", params.get("k"))
            _expect(len(set(ks)) == len(ks), source, key, "a list without repeats", ks)
            _expect(min(ks) >= needed, source, key, f">= {needed}, {model.k_requirement(lexicon, merged)}", ks)
            resolved["k"] = list(ks)
        resolved.update({key: value for key, value in defaults.items() if key not in ("k", "random_state")})
        resolved.update({key: value for key, value in params.items() if key != "k"})
        check_all({key: value for key, value in resolved.items() if key != "k"}, model.param_rules, source,
                  prefix=f"models.{name}.")
        _check_combination(name, resolved, source)
        models[name] = resolved


def _check_combination(name: str, params: dict, source: str) -> None:
    """Rules that tie parameters together (e.g. NMF's loss and solver), as the model checks them at fit."""
    from .models import make_model

    fixed = {key: (value[0] if key == "k" else value) for key, value in params.items()}
    try:
        make_model(name, **fixed)._check_params()
    except InputError as err:
        raise InputError(f"{source}: models.{name}: {str(err).removeprefix(name + ': ')}") from None


def default_metric_names(lexicon: Lexicon) -> list[str]:
    """Every metric, with a per-label F1 for each theme of the lexicon and for 'other'."""
    from .metrics import METRICS

    names = [name for name in METRICS if not name.startswith("label_f1_")]
    return names + [f"label_f1_{label}" for label in lexicon.labels_with_other]


def _check_evaluation(evaluation: dict, source: str, base_dir: Path, lexicon: Lexicon) -> None:
    from .metrics import METRICS, get_metric

    names = evaluation["metrics"]
    _expect(isinstance(names, list) and all(isinstance(n, str) for n in names), source, "evaluation.metrics",
            "a list of metric names", names)
    for name in names:
        try:
            get_metric(name)
        except InputError:
            raise InputError(f"{source}: unknown metric {name!r} in evaluation.metrics; valid metrics: "
                             f"{', '.join(METRICS)}, label_f1_<theme>") from None
    _expect(len(set(names)) == len(names), source, "evaluation.metrics", "a list without repeats", names)
    evaluation["metrics"] = list(names) or default_metric_names(lexicon)
    fraction = evaluation["heldout_fraction"]
    _expect(_is_number(fraction) and 0 <= fraction < 0.5, source, "evaluation.heldout_fraction",
            "a fraction in [0, 0.5)", fraction)
    labels = evaluation["labels"]
    _expect(isinstance(labels, str) and labels != "", source, "evaluation.labels", '"weak" or a gold TSV path', labels)
    if labels != "weak":
        evaluation["labels"] = str(_resolve(labels, base_dir))
        _file_setting(Path(evaluation["labels"]), labels, f"{source}: evaluation.labels", "gold file")
    training = evaluation["training"]
    training = [training] if isinstance(training, str) else training
    _expect(isinstance(training, list) and all(isinstance(p, str) and p for p in training), source,
            "evaluation.training", "a list of GOLD.tsv files", evaluation["training"])
    evaluation["training"] = [str(_resolve(p, base_dir)) for p in training]
    for given, resolved in zip(training, evaluation["training"]):
        _file_setting(Path(resolved), given, f"{source}: evaluation.training", "gold file")
    _expect(len(set(evaluation["training"])) == len(training), source, "evaluation.training", "a list without repeats",
            training)
