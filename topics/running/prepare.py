"""The first stages of a run: ingest, tokenize, label, hold units out, and build the one vocabulary every
model uses."""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from ..errors import InputError, clipped
from ..evaluation import GoldUnit, flat_text, gold_match_for, match_gold, read_gold
from ..execution import SerialExecutor
from ..ingest import ingest_paths
from ..lexicon import Lexicon
from ..models import ExtraUnits
from ..token_table import TokenTable, TokenTableBuilder
from ..tokenize import Tokenizer, TokenizerSettings
from ..vectorize import build_corpus
from .stopwatch import Stopwatch
from .unit_spool import UnitSpool


@dataclass
class Training:
    """What a label-learning model learns from: the coded units of the run (from [evaluation] labels when it is
    a GOLD.tsv, and from the [evaluation] training files), and the coded units of the training files that are
    no unit of the run (units of other corpora), with their tokens."""

    labels: list[str]  # one per unit of the run: its coded label, "" when it has none
    outside_tokens: list[list[str]]
    outside_labels: list[str]

    def fingerprint(self) -> list:
        return [self.labels, self.outside_tokens, self.outside_labels]


@dataclass
class PreparedCorpus:
    """Everything the fits share: units, their tokens, the held-out split and the vocabulary."""

    units: UnitSpool  # on disk: read them in order, or one by index
    token_lists: TokenTable
    labels: list[str]  # one per unit: its weak or gold label, "" when it has none (what label scores compare with)
    train_index: list[int]  # indices into units of the units the models are fitted on
    heldout_index: list[int]  # indices into units held out of fitting
    corpus: object  # topics.vectorize.Corpus built from the training units
    summary: dict
    training: Training | None = None  # what label-learning models learn from (None: ``labels``, when gold)
    # the coded units learnt from besides the fitted ones (held out, of other corpora), those with a vocabulary word
    extra: ExtraUnits | None = None

    @property
    def training_labels(self) -> list[str]:
        """One per unit: the coded label a label-learning model learns it as ("" for none; labels read from
        headings are never learnt from)."""
        if self.training:
            return self.training.labels
        return [""] * len(self.units) if self.summary["labels"] == "weak" else self.labels

    @property
    def other_index(self) -> list[int]:
        """Units not fitted on: held out, empty after tokenizing, or without a vocabulary word."""
        fitted = set(self.train_index)
        return [i for i in range(len(self.units)) if i not in fitted]

    def fingerprint(self, lexicon: dict) -> str:
        """Hash of everything a fit depends on besides its config: units, tokens, labels, split, lexicon."""
        digest = hashlib.sha256()
        training = self.training.fingerprint() if self.training else None
        for part in (lexicon, self.train_index, self.heldout_index, self.corpus.vocab, self.labels, training):
            digest.update(json.dumps(part, ensure_ascii=False).encode("utf-8"))
        for unit_id, tokens in zip(self.units.unit_ids, self.token_lists):
            digest.update(json.dumps([unit_id, tokens], ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()


def prepare_corpus(config: dict, lexicon: Lexicon, *, progress: bool = False,
                   clock: Stopwatch | None = None, executor=None) -> PreparedCorpus:
    """Ingest, tokenize, label, split off the held-out units and build the one vocabulary every model
    uses (with the lexicon's words kept in it unless vocabulary.keep_lexicon is off). ``executor``: a
    topics.execution executor whose workers segment large corpora chunk by chunk."""
    clock = clock or Stopwatch()
    skip = set(config["corpus"]["skip_kinds"])
    units = UnitSpool()  # on disk as they are cut: no stage before fitting holds them all

    def keep(unit) -> None:
        if unit.kind not in skip:
            units.append(unit)

    with clock("ingest"):
        ingested = ingest_paths(config["corpus"]["paths"], strict=config["corpus"]["strict"], progress=progress,
                                themes=lexicon, dedupe=config["corpus"]["dedupe"],
                                max_unit_chars=config["corpus"]["max_unit_chars"], keep_text=False, unit_sink=keep)
    units_read = ingested.summary["units"]
    if units_read and not units:
        kinds = sorted(ingested.summary["units_by_kind"])
        raise InputError(f"corpus.skip_kinds {sorted(skip)}: skips all {units_read} units read (of kind "
                         f"{', '.join(kinds)}); leave some kind to fit")
    if not units:
        raise InputError(f"corpus.paths: no units could be read from {', '.join(config['corpus']['paths'])}")
    read = {"documents": ingested.summary["documents_kept"], "units": units_read,
            "units_cut": ingested.summary["units_cut"], "files_skipped": [s.to_json() for s in ingested.skipped],
            "warnings": list(ingested.warnings),
            "duplicates": ingested.summary.get("duplicates", []),
            "document_checks": ingested.summary.get("document_checks", [])}
    del ingested  # the units carry what the run needs from here on
    with clock("tokenize"):
        tokenizer = Tokenizer(TokenizerSettings.from_dict(config["tokenizer"]), lexicon_words=lexicon.words(),
                              executor=None if isinstance(executor, SerialExecutor) else executor)
        token_lists = _tokenize_units(tokenizer, units.texts(), len(units), progress)
        unsplittable = tokenizer.unsplittable(lexicon.words())
    if unsplittable:
        shown = "; ".join(f"{word} ({why})" for word, why in list(unsplittable.items())[:10])
        more = f" … and {len(unsplittable) - 10} more" if len(unsplittable) > 10 else ""
        tqdm.write(f"warning: {len(unsplittable)} lexicon word(s) cannot occur as one token, so they match "
                   f"nothing: {shown}{more} (all in corpus_summary.json)", file=sys.stderr)

    source = config["evaluation"]["labels"]
    gold = None if source == "weak" else gold_match_for(units, source, lexicon.labels_with_other, units.unit_ids)
    labels = list(units.weak_labels) if gold is None else gold.labels
    if gold is not None and gold.outside:
        tqdm.write(f"warning: {source}: {len(gold.outside)} of its units are no unit of the corpus (by id or by text) "
                   "and are not scored; to learn from them, list the file under [evaluation] training", file=sys.stderr)
    training = None
    if config["evaluation"]["training"]:
        with clock("tokenize"):
            training = coded_training(units, gold.labels if gold else None, config["evaluation"]["training"],
                                      lexicon.labels_with_other, tokenizer)

    fraction = config["evaluation"]["heldout_fraction"]
    lengths = token_lists.lengths()
    heldout = [i for i, unit_id in enumerate(units.unit_ids) if lengths[i] and _heldout(unit_id, fraction)]
    heldout_set = set(heldout)
    train = [i for i in range(len(units)) if i not in heldout_set]
    with clock("vocabulary"):
        filters = {key: value for key, value in config["vocabulary"].items() if key != "keep_lexicon"}
        keep = lexicon.words() if config["vocabulary"]["keep_lexicon"] else ()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corpus = build_corpus(token_lists.take(train), **filters, keep_words=keep)
    vocabulary_warnings = [str(w.message) for w in caught]
    for message in vocabulary_warnings:
        tqdm.write(f"warning: {message}", file=sys.stderr)
    train = [train[j] for j in corpus.kept]
    summary = {
        "documents": read["documents"],
        "units": len(units),
        "units_skipped_by_kind": read["units"] - len(units),
        "units_cut": read["units_cut"],  # long units cut at [corpus] max_unit_chars
        "units_fitted": len(train),
        "units_heldout": len(heldout),
        "units_empty": int(np.sum(lengths == 0)),
        "units_excluded_by_vocabulary": len(units) - len(train) - len(heldout) - int(np.sum(lengths == 0)),
        "units_labelled": sum(1 for label in labels if label),
        "labels": source,
        "labels_outside_corpus": len(gold.outside) if gold else 0,
        "labels_attached_by_text": gold.by_text if gold else 0,
        "training": config["evaluation"]["training"],
        "units_coded_for_training": sum(1 for label in (training.labels if training else gold.labels if gold else [])
                                        if label),
        "units_coded_outside_corpus": len(training.outside_labels) if training else 0,
        "vocabulary": len(corpus.vocab),
        "vocabulary_lexicon_only": corpus.unseen,
        "vocabulary_warnings": vocabulary_warnings,
        "tokens": int(lengths.sum()),
        "files_skipped": read["files_skipped"],
        "warnings": read["warnings"],
        "duplicates": read["duplicates"],
        "document_checks": read["document_checks"],
        "tokenizer": tokenizer.fingerprint(),
        "lexicon_words_unsplittable": unsplittable,
    }
    prepared = PreparedCorpus(units, token_lists, labels, train, heldout, corpus, summary, training)
    prepared.extra, unusable = _extra_units(prepared)
    summary["units_coded_without_vocabulary_word"] = unusable
    if unusable:
        tqdm.write(f"warning: {unusable} coded unit(s) not fitted on have no word of the vocabulary, so no model "
                   "learns from them (units_coded_without_vocabulary_word in corpus_summary.json)", file=sys.stderr)
    return prepared


def _extra_units(prepared: PreparedCorpus) -> tuple[ExtraUnits | None, int]:
    """Every coded unit a label-learning model learns from besides the fitted ones: those of the run not fitted on
    (held out, empty, excluded) and those of other corpora; and how many of them have no vocabulary word, and
    so teach nothing."""
    labels = prepared.training_labels
    fitted = set(prepared.train_index)
    unfitted = [i for i, label in enumerate(labels) if label and i not in fitted]
    tokens = [prepared.token_lists[i] for i in unfitted]
    extra_labels = [labels[i] for i in unfitted]
    if prepared.training:
        tokens += prepared.training.outside_tokens
        extra_labels += prepared.training.outside_labels
    if not extra_labels:
        return None, 0
    counts = prepared.corpus.vectorize(tokens)
    usable = np.flatnonzero(counts.getnnz(axis=1))
    extra = ExtraUnits(counts[usable], [extra_labels[i] for i in usable]) if len(usable) else None
    return extra, len(extra_labels) - len(usable)


def coded_training(units: UnitSpool, gold_labels: list[str] | None, paths: list[str], allowed: list[str],
                   tokenizer: Tokenizer) -> Training:
    """The coded units a label-learning model learns from: the run's gold labels, then every row of the
    ``paths`` (GOLD.tsv files) — on the unit of the run it is (by id and text check), or, when it is none, as
    a unit of its own, tokenized like the run's. A unit coded twice must have one label."""
    labels = list(gold_labels) if gold_labels else [""] * len(units)
    # (id, flat text) → (row, file): a unit listed in two files is learnt from once; two units of one text
    # (a paragraph a report repeats) are two coded units, even when their coders disagreed
    outside: dict[tuple[str, str], tuple[GoldUnit, str]] = {}
    for path in paths:
        rows = read_gold(path, allowed)
        match = match_gold(units, rows, path, units.unit_ids)
        for i, label in enumerate(match.labels):
            if label and labels[i] and labels[i] != label:
                raise InputError(f"{path}: labels unit {clipped(units.unit_ids[i])} {label!r}; an earlier gold file "
                                 f"labels it {labels[i]!r}")
            labels[i] = label or labels[i]
        for row in match.outside:
            if not row.unit.text:
                raise InputError(f"{path}:{row.line}: no text, only its text_sha1, and no unit of the corpus has it: "
                                 "a coded unit of another corpus is learnt from its text")
            key = (row.unit.unit_id, flat_text(row.unit.text))
            if key in outside and outside[key][0].label != row.label:
                first, where = outside[key]
                raise InputError(f"{path}:{row.line}: labels unit {clipped(row.unit.unit_id)} {row.label!r}; "
                                 f"{where}:{first.line} labels it {first.label!r}")
            outside.setdefault(key, (row, path))
    rows = [row for row, _ in outside.values()]
    tokens = tokenizer.tokenize([row.unit.text for row in rows]) if rows else []
    return Training(labels, tokens, [row.label for row in rows])


TOKENIZE_BATCH = 20_000  # units per tokenizer call: bounds what one call holds besides the tokens kept


def _tokenize_units(tokenizer: Tokenizer, texts: Iterator[str], count: int, progress: bool) -> TokenTable:
    """The tokens of each of the ``count`` texts, as a table of token ids (4 bytes a token), filled batch by
    batch so that only one batch's texts and token lists are alive at a time."""
    if tokenizer.settings.phrases:  # collocations are learned from the texts of one call: all of them
        return TokenTable.build(tokenizer.tokenize(list(texts), progress=progress))
    one_call = count <= TOKENIZE_BATCH  # then the tokenizer's own bar shows the progress
    table = TokenTableBuilder()
    with tqdm(total=count, desc="tokenizing", unit="unit", disable=not progress or one_call) as bar:
        while batch := list(itertools.islice(texts, TOKENIZE_BATCH)):
            table.extend(tokenizer.tokenize(batch, progress=progress and one_call))
            bar.update(len(batch))
    return table.table()


def _heldout(unit_id: str, fraction: float) -> bool:
    """A fixed, seed-independent split: the same units are held out in every run of a corpus."""
    digest = hashlib.sha1(unit_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction
