"""The Python API: the pipeline for notebook users, with pandas DataFrames in and out.

    import topics
    units = topics.read_corpus("corpora/xining_chengxi_2024.txt")   # or a DataFrame of documents
    fitted = topics.fit(units, "seeded-lda", seed=1)
    fitted.topics(); fitted.assignments(); fitted.shares(by="doc_id")
    fitted.save("my_model"); topics.load("my_model").assign(["新的一段政府工作报告文字……"])
    run = topics.run("experiments/compare_models.toml")               # a whole experiment; run.metrics …

Every function is a thin layer over the stages (reading, layout, structure, tokenize, vectorize,
models, mapping, assignment) and the runner; see docs/api.md for a walk-through."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .labels import OTHER, UNMAPPED
from .assignment import assignment_table, fit_themes
from .documents import Document, Unit
from .errors import InputError
from .ingest import ingest_paths
from .ingest.layout import repair_layout
from .lexicon import Lexicon
from .mapping import MappingSettings, apply_mapping
from .models import TopicModel, load_model, load_pretrained, make_model
from .models.pretrained import NAME as PRETRAINED
from .run_folder import RunFolder
from .settings import default, resolve
from .run_files import ASSIGNMENTS, COMPARISON, METRICS, THEME_SHARES
from .ingest.structure import split_units
from .tokenize import Tokenizer, TokenizerSettings, settings_for_new_text
from .vectorize import build_corpus

UNIT_COLUMNS = ["doc_id", "unit_id", "kind", "heading", "text", "weak_label", "year", "region"]
SECTION_COLUMN = "section"  # the unit's enclosing section headings: they count for its theme as in a run


def read_corpus(source, *, lexicon: Lexicon | str | Path | None = None, text_column: str = "text",
                id_column: str = "doc_id", skip_headings: bool = True) -> pd.DataFrame:
    """Read documents and cut them into units: one row per unit (doc_id, unit_id, kind, heading, text,
    weak_label, year, region, section (its enclosing section headings, a list), then any metadata columns
    of the documents).

    ``source``: a file or folder path, a list of them, or a DataFrame with one document per row (a
    ``text_column``, an optional ``id_column`` and any metadata columns, e.g. year, region, province).
    Heading units are left out as ``topics run`` leaves them out (``skip_headings=False`` keeps them)."""
    lexicon = _lexicon(lexicon)
    if isinstance(source, pd.DataFrame):
        units, metadata = _units_of_frame(source, lexicon, text_column, id_column)
    else:
        paths = [source] if isinstance(source, (str, Path)) else list(source)
        units, metadata = ingest_paths([str(p) for p in paths], themes=lexicon).units, {}
    if skip_headings:
        units = [unit for unit in units if unit.kind != "heading"]
    frame = pd.DataFrame([{**{column: getattr(unit, column) for column in UNIT_COLUMNS},
                           # each row its own list: a unit's section list is shared with its section's other units
                           SECTION_COLUMN: list(unit.meta["section"]) if "section" in unit.meta else None}
                          for unit in units],
                         columns=[*UNIT_COLUMNS, SECTION_COLUMN])
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    extra = pd.DataFrame([metadata.get(unit.doc_id.split("#")[0], {}) for unit in units], index=frame.index)
    return pd.concat([frame, extra.drop(columns=[c for c in extra.columns if c in frame.columns])], axis=1)


def fit(units: pd.DataFrame, model: str = "seeded-lda", *, k: int | None = None, seed: int = 1,
        lexicon: Lexicon | str | Path | None = None, min_lift: float = default("themes.min_lift"),
        min_margin: float = default("themes.min_margin"), section_weight: float = default("themes.section_weight"),
        heading_bonus: float = default("themes.heading_bonus"), tokenizer: dict | None = None,
        no_below: int = default("vocabulary.no_below"), no_above: float = default("vocabulary.no_above"),
        keep_n: int | None = default("vocabulary.keep_n"), labels: str | None = None, **params) -> "FittedModel":
    """Fit one model on units (a DataFrame from ``read_corpus``) and map its topics to themes.

    ``k``: number of topics (default: the model's own; seeded models need the lexicon's themes +
    facets + 1); ``seed``: the random seed; ``tokenizer``: TokenizerSettings keys (topics.tokenize);
    ``no_below``/``no_above``/``keep_n``: the vocabulary filters; ``labels``: for a model that learns from hand
    coding (supervised), the column of ``units`` holding each unit's label; other keyword arguments are
    model parameters."""
    lexicon = _lexicon(lexicon)
    _check_units(units)
    settings = TokenizerSettings.from_dict(tokenizer or {})
    token_lists = Tokenizer(settings, lexicon_words=lexicon.words()).tokenize(units["text"].tolist())
    corpus = build_corpus(token_lists, no_below=no_below, no_above=no_above, keep_n=keep_n, keep_words=lexicon.words())
    estimator = make_model(model, **params)
    if estimator.has_k() and k is not None:
        estimator.set_params(k=k)
    if "random_state" in estimator.param_rules:
        estimator.set_params(random_state=seed)
    if estimator.needs_labels:  # a model that learns from hand coding: the units' ``labels`` column
        if labels not in units.columns:
            raise InputError(f"{model} learns from hand-coded labels: give labels='COLUMN', a column of the units "
                             "with one of the six labels (or '') per unit")
        given = units[labels].fillna("").astype(str).tolist()
        estimator.fit(corpus, lexicon, labels=[given[i] for i in corpus.kept])
    else:
        estimator.fit(corpus, lexicon)
    apply_mapping(estimator.result_, lexicon, MappingSettings(min_lift=min_lift, min_margin=min_margin,
                                                              section_weight=section_weight, heading_bonus=heading_bonus))
    estimator.tokenizer_settings_ = settings.to_dict()
    return FittedModel(estimator, units.reset_index(drop=True), token_lists, corpus.kept)


def load(folder: str | Path) -> "FittedModel":
    """A model saved with ``FittedModel.save`` or by ``topics run`` (RUN_DIR/models/<model>), to assign new text;
    ``"pretrained"``: the classifier shipped with the package (a folder of that name: ``"./pretrained"``)."""
    if isinstance(folder, str) and folder == PRETRAINED:
        return FittedModel(load_pretrained())
    return FittedModel(load_model(folder))


def run(config: str | Path, run_dir: str | Path | None = None, *, progress: bool = False) -> "RunTables":
    """Run an experiment config (see README) and return its tables."""
    from .running import run_experiment

    return RunTables.read(run_experiment(config, run_dir, progress=progress))


def shares(run_dir: str | Path, by: str | list[str] | None = None, *, weight: str | None = None,
           draws: int | None = None, seed: int | None = None, level: float | None = None,
           model: str | None = None, gold: str | Path | None = None, predictions: str | None = None,
           tuning: str | None = None, min_documents: int | None = None, where: str | None = None,
           bins: dict[str, float] | None = None) -> pd.DataFrame:
    """Theme shares of a finished run per document (``by`` None) or per group of any metadata column(s),
    with cluster-bootstrap intervals pooled over seeds (see topics.inference.shares). ``weight``, ``draws``,
    ``seed``, ``level``, ``min_documents`` (groups of fewer documents are flagged ``few_documents``) and
    ``where`` (only the documents a condition such as ``"year >= 1980"`` keeps; topics.where) default to the
    run's [inference] settings (topics.settings); what ``where`` kept and left out is said in a warning.
    ``bins`` ({"year": 10}) groups a number column of ``by`` into periods (``year_period`` says which).

    With ``gold`` (a GOLD.tsv of units drawn with known inclusion probabilities, as `topics validate
    --score` writes it): the shares of the units a coder can judge (all of them with ``by`` None) by the
    model alone and corrected by the coded sample, and the model's bias, one row per estimator
    (topics.inference.corrected); ``predictions`` and ``tuning`` default to the run's [inference] settings.
    Groups with too few coded units for an interval are named in a warning."""
    from .inference import shares as shares_with_intervals
    from .inference import study_data

    _refuse_where_with_gold(where, gold)
    run = RunFolder.open(run_dir)
    chosen = {key: resolve(f"inference.{key}", value, run.config)
              for key, value in (("weight", weight), ("draws", draws), ("seed", seed), ("level", level))}
    data = study_data(run, run.config["inference"]["column_types"])
    if gold is None:
        data = _subset(data, where, run)
        return shares_with_intervals(data, by, model=model, bins=bins,
                                     min_documents=resolve("inference.min_documents", min_documents, run.config),
                                     **chosen)
    from .inference.corrected import coded_sample, corrected_shares

    table, notes = corrected_shares(data, coded_sample(run, data, gold), by, model=model,
                                    predictions=resolve("inference.predictions", predictions, run.config),
                                    tuning=resolve("inference.tuning", tuning, run.config), **chosen)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return table


def effects(run_dir: str | Path, formula: str, *, model: str | None = None, draws: int | None = None,
            seed: int | None = None, uncertainty: str | None = None, gold: str | Path | None = None,
            predictions: str | None = None, where: str | None = None):
    """Effects of document metadata on every theme's share (``formula`` such as ``"~ year + C(region)"``),
    with intervals: an Effects object with ``.table`` (term, theme, estimate, interval) and the expected
    shares over each numeric covariate (see topics.inference.effects). ``draws`` and ``uncertainty`` default
    to the run's [effects] settings, ``seed`` and ``where`` (see ``shares``) to its [inference] ones.

    With ``gold`` (see ``shares``): the effects on the shares of the units a coder can judge by the model
    alone and corrected by the coded sample (DSL pseudo-outcomes), an ``estimator`` column telling them
    apart in ``.table`` and ``.expected``."""
    from .inference import Effects
    from .inference import effects as estimate_effects
    from .inference import study_data

    _refuse_where_with_gold(where, gold)
    run = RunFolder.open(run_dir)
    data = study_data(run, run.config["inference"]["column_types"])
    chosen = dict(model=model, draws=resolve("effects.draws", draws, run.config),
                  seed=resolve("inference.seed", seed, run.config),
                  uncertainty=resolve("effects.uncertainty", uncertainty, run.config), source="topics.effects formula")
    if gold is None:
        return estimate_effects(_subset(data, where, run), formula, **chosen)
    from .inference.corrected import coded_sample, corrected_effects

    table, expected, skipped = corrected_effects(data, coded_sample(run, data, gold), formula,
                                                 predictions=resolve("inference.predictions", predictions, run.config),
                                                 **chosen)
    return Effects(formula, table, expected, skipped)


def _refuse_where_with_gold(where: str | None, gold) -> None:
    if where and gold is not None:
        raise InputError("where: not with gold: the coded sample was drawn from every document of the run, so its "
                         "inclusion probabilities do not hold for a subset")


def _subset(data, where: str | None, run: RunFolder):
    """The study data of the documents ``where`` (else the run's [inference] where) keeps, said in a warning."""
    from .where import parse_where

    text = resolve("inference.where", where, run.config)
    if not text:
        return data
    data, line = data.subset(parse_where(text, "where" if where is not None else "the run's inference.where"))
    warnings.warn(line, stacklevel=3)
    return data


@dataclass
class RunTables:
    """The tables of a finished run folder, as DataFrames, and the folder itself (``run``) for the rest."""

    path: Path
    metrics: pd.DataFrame
    assignments: pd.DataFrame
    shares: pd.DataFrame
    comparison: str
    run: RunFolder

    @classmethod
    def read(cls, run_dir: str | Path) -> "RunTables":
        run = RunFolder.open(run_dir)
        return cls(run.path, run.table(METRICS), run.table(ASSIGNMENTS), run.table(THEME_SHARES),
                   run.file(COMPARISON).read_text(encoding="utf-8"), run)


class FittedModel:
    """A fitted model with its topics mapped to themes; its methods return DataFrames."""

    def __init__(self, model: TopicModel, units: pd.DataFrame | None = None, token_lists=None, kept=None):
        self.model = model
        self.units = units
        self._token_lists = token_lists
        self._kept = kept

    @property
    def lexicon(self) -> Lexicon:
        return self.model.lexicon_

    def topics(self, n_words: int = 10) -> pd.DataFrame:
        """One row per topic: topic id, theme, share of all tokens, top words."""
        result = self.model.result_
        weights = result.doc_topic * result.doc_lengths[:, None]
        share = weights.sum(axis=0) / max(weights.sum(), 1e-300)
        return pd.DataFrame({"topic": result.topic_ids, "theme": result.topic_themes, "share": share,
                             "top_words": [" ".join(words) for words in result.top_words(n_words)]})

    def assignments(self) -> pd.DataFrame:
        """One row per unit fitted on: its metadata, theme, p, runner_up and the probability of every theme."""
        if self.units is None:
            raise InputError("a loaded model has no training units: use assign(texts) for new text")
        return self._table(self.units, self._unit_doc_topic(), None)

    def shares(self, by: str | list[str] = "doc_id") -> pd.DataFrame:
        """Share of units per theme within each group of ``by`` (any unit column: doc_id, year, region,
        a metadata column …), with the group's number of units."""
        table = self.assignments()
        by = [by] if isinstance(by, str) else list(by)
        missing = [column for column in by if column not in table.columns]
        if missing:
            raise InputError(f"no column {', '.join(missing)} in the units; columns: {', '.join(table.columns)}")
        counts = table.groupby(by + ["theme"], dropna=False).size().rename("units").reset_index()
        themes = [*self.lexicon.names, UNMAPPED, OTHER]
        full = counts.pivot_table(index=by, columns="theme", values="units", fill_value=0).reindex(columns=themes,
                                                                                                     fill_value=0)
        long = full.astype(int).stack().rename("units").reset_index()
        long["share"] = long["units"] / long.groupby(by)["units"].transform("sum")
        return long

    def assign(self, texts) -> pd.DataFrame:
        """Themes of new text: a list of strings (one unit each) or a DataFrame of units (``read_corpus``)."""
        units = texts if isinstance(texts, pd.DataFrame) else pd.DataFrame(
            {"doc_id": [f"text{i}" for i in range(len(texts))], "unit_id": [f"text{i}:u000" for i in range(len(texts))],
             "text": list(texts)})
        _check_units(units)
        settings = settings_for_new_text(self.model.tokenizer_settings_, "model tokenizer")
        token_lists = Tokenizer(settings, lexicon_words=self.lexicon.words()).tokenize(units["text"].tolist())
        doc_topic = self.model.transform(token_lists)
        return self._table(units.reset_index(drop=True), doc_topic, self.model.known_tokens(token_lists))

    def save(self, folder: str | Path) -> Path:
        """Save the model (with its lexicon, topic themes and tokenizer settings) for ``load``."""
        return self.model.save(folder, tokenizer_settings=self.model.tokenizer_settings_)

    # ---- internals

    def _unit_doc_topic(self) -> np.ndarray:
        """Topic shares of every training unit: the fitted rows, new inference for units the
        vocabulary left out (they get 'other' with p 0 when they have no known word)."""
        result = self.model.result_
        doc_topic = self.model.transform(self._token_lists)
        doc_topic[np.asarray(self._kept, dtype=int)] = result.doc_topic
        return doc_topic

    def _table(self, units: pd.DataFrame, doc_topic: np.ndarray, known) -> pd.DataFrame:
        records = [_unit(row) for row in units.to_dict("records")]
        if known is None:
            known = self.model.known_tokens(self._token_lists)
        themes = fit_themes(self.model.result_, records, doc_topic, known)  # p is the assigned theme's p_<theme>
        table = assignment_table(records, themes, self.model.result_.model_name)
        for column, name in enumerate(themes.names):
            table[f"p_{name}"] = themes.probabilities[:, column]
        extra = units.drop(columns=[c for c in units.columns if c in table.columns])
        return pd.concat([table.drop(columns=["model", "label"]), extra], axis=1)


def _lexicon(lexicon) -> Lexicon:
    return lexicon if isinstance(lexicon, Lexicon) else Lexicon.load(lexicon)


def _check_units(units) -> None:
    if not isinstance(units, pd.DataFrame) or "text" not in units.columns:
        raise InputError("units: need a DataFrame with a text column (see topics.read_corpus)")
    if units.empty:
        raise InputError("units: no units given")


def _unit(row: dict) -> Unit:
    year = row.get("year")
    section = row.get(SECTION_COLUMN)
    return Unit(doc_id=str(row.get("doc_id", "")), unit_id=str(row.get("unit_id", "")), kind=str(row.get("kind", "")),
                heading=str(row.get("heading", "") or ""), text=str(row["text"]),
                weak_label=str(row.get("weak_label", "") or ""),
                year=None if year is None or pd.isna(year) else int(year), region=str(row.get("region", "") or ""),
                meta={"section": list(section)} if isinstance(section, (list, tuple)) else {})


def _units_of_frame(frame: pd.DataFrame, lexicon: Lexicon, text_column: str, id_column: str):
    """Units of a DataFrame of documents, and each document's metadata columns by doc_id."""
    if text_column not in frame.columns:
        raise InputError(f"documents: no column {text_column!r}; columns: {', '.join(map(str, frame.columns))}")
    units, metadata = [], {}
    for number, row in enumerate(frame.to_dict("records")):
        doc_id = str(row.get(id_column) or f"doc{number}")
        if doc_id in metadata:
            raise InputError(f"documents: {id_column} {doc_id!r} appears twice")
        text = row[text_column]
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"documents: row {number} ({doc_id}) has no text")
        year = row.get("year")
        document = Document(doc_id=doc_id, text=text, source=f"<DataFrame row {number}>",
                            year=None if year is None or pd.isna(year) else int(year),
                            region=str(row.get("region") or ""))
        metadata[doc_id] = {key: value for key, value in row.items() if key not in (text_column, id_column)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for clean in repair_layout(document):
                units += split_units(clean, lexicon)
    return units, metadata
