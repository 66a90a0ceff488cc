"""The first stages of a run: ingest, tokenize, label, hold units out, and build the one vocabulary every
model uses."""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from ..errors import InputError
from ..evaluation import gold_labels_for
from ..execution import SerialExecutor
from ..ingest import ingest_paths
from ..lexicon import Lexicon
from ..token_table import TokenTable, TokenTableBuilder
from ..tokenize import Tokenizer, TokenizerSettings
from ..vectorize import build_corpus
from .stopwatch import Stopwatch


@dataclass
class PreparedCorpus:
    """Everything the fits share: units, their tokens, the held-out split and the vocabulary."""

    units: list
    token_lists: TokenTable
    labels: list[str]  # one per unit: its weak or gold label, "" when it has none
    train_index: list[int]  # indices into units of the units the models are fitted on
    heldout_index: list[int]  # indices into units held out of fitting
    corpus: object  # topics.vectorize.Corpus built from the training units
    summary: dict

    @property
    def other_index(self) -> list[int]:
        """Units not fitted on: held out, empty after tokenizing, or without a vocabulary word."""
        fitted = set(self.train_index)
        return [i for i in range(len(self.units)) if i not in fitted]

    def fingerprint(self, lexicon: dict) -> str:
        """Hash of everything a fit depends on besides its config: units, tokens, labels, split, lexicon."""
        digest = hashlib.sha256()
        for part in (lexicon, self.train_index, self.heldout_index, self.corpus.vocab, self.labels):
            digest.update(json.dumps(part, ensure_ascii=False).encode("utf-8"))
        for unit, tokens in zip(self.units, self.token_lists):
            digest.update(json.dumps([unit.unit_id, tokens], ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()


def prepare_corpus(config: dict, lexicon: Lexicon, *, progress: bool = False,
                   clock: Stopwatch | None = None, executor=None) -> PreparedCorpus:
    """Ingest, tokenize, label, split off the held-out units and build the one vocabulary every model
    uses (with the lexicon's words kept in it unless vocabulary.keep_lexicon is off). ``executor``: a
    topics.execution executor whose workers segment large corpora chunk by chunk."""
    clock = clock or Stopwatch()
    with clock("ingest"):
        ingested = ingest_paths(config["corpus"]["paths"], strict=config["corpus"]["strict"], progress=progress,
                                themes=lexicon, dedupe=config["corpus"]["dedupe"])
    skip = set(config["corpus"]["skip_kinds"])
    units = [unit for unit in ingested.units if unit.kind not in skip]
    if ingested.units and not units:
        kinds = sorted({unit.kind for unit in ingested.units})
        raise InputError(f"corpus.skip_kinds {sorted(skip)}: skips all {len(ingested.units)} units read (of kind "
                         f"{', '.join(kinds)}); leave some kind to fit")
    if not units:
        raise InputError(f"corpus.paths: no units could be read from {', '.join(config['corpus']['paths'])}")
    with clock("tokenize"):
        tokenizer = Tokenizer(TokenizerSettings.from_dict(config["tokenizer"]), lexicon_words=lexicon.words(),
                              executor=None if isinstance(executor, SerialExecutor) else executor)
        token_lists = _tokenize_units(tokenizer, [unit.text for unit in units], progress)
        unsplittable = tokenizer.unsplittable(lexicon.words())
    if unsplittable:
        shown = "; ".join(f"{word} ({why})" for word, why in list(unsplittable.items())[:10])
        more = f" … and {len(unsplittable) - 10} more" if len(unsplittable) > 10 else ""
        tqdm.write(f"warning: {len(unsplittable)} lexicon word(s) cannot occur as one token, so they match "
                   f"nothing: {shown}{more} (all in corpus_summary.json)", file=sys.stderr)

    source = config["evaluation"]["labels"]
    labels = [unit.weak_label for unit in units] if source == "weak" else gold_labels_for(
        units, source, lexicon.labels_with_other)

    fraction = config["evaluation"]["heldout_fraction"]
    lengths = token_lists.lengths()
    heldout = [i for i, unit in enumerate(units) if lengths[i] and _heldout(unit.unit_id, fraction)]
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
        "documents": len(ingested.documents),
        "units": len(units),
        "units_skipped_by_kind": len(ingested.units) - len(units),
        "units_fitted": len(train),
        "units_heldout": len(heldout),
        "units_empty": int(np.sum(lengths == 0)),
        "units_excluded_by_vocabulary": len(units) - len(train) - len(heldout) - int(np.sum(lengths == 0)),
        "units_labelled": sum(1 for label in labels if label),
        "labels": source,
        "vocabulary": len(corpus.vocab),
        "vocabulary_lexicon_only": corpus.unseen,
        "vocabulary_warnings": vocabulary_warnings,
        "tokens": int(lengths.sum()),
        "files_skipped": [s.to_json() for s in ingested.skipped],
        "warnings": list(ingested.warnings),
        "duplicates": ingested.summary.get("duplicates", []),
        "document_checks": ingested.summary.get("document_checks", []),
        "tokenizer": tokenizer.fingerprint(),
        "lexicon_words_unsplittable": unsplittable,
    }
    return PreparedCorpus(units, token_lists, labels, train, heldout, corpus, summary)


TOKENIZE_BATCH = 20_000  # units per tokenizer call: bounds what one call holds besides the tokens kept


def _tokenize_units(tokenizer: Tokenizer, texts: list[str], progress: bool) -> TokenTable:
    """Every text's tokens, as a table of token ids (4 bytes a token), filled batch by batch so that only
    one batch's token lists are alive at a time."""
    if tokenizer.settings.phrases:  # collocations are learned from the texts of one call: all of them
        return TokenTable.build(tokenizer.tokenize(texts, progress=progress))
    one_call = len(texts) <= TOKENIZE_BATCH  # then the tokenizer's own bar shows the progress
    table = TokenTableBuilder()
    with tqdm(total=len(texts), desc="tokenizing", unit="unit", disable=not progress or one_call) as bar:
        for start in range(0, len(texts), TOKENIZE_BATCH):
            batch = tokenizer.tokenize(texts[start:start + TOKENIZE_BATCH], progress=progress and one_call)
            table.extend(batch)
            bar.update(len(batch))
    return table.table()


def _heldout(unit_id: str, fraction: float) -> bool:
    """A fixed, seed-independent split: the same units are held out in every run of a corpus."""
    digest = hashlib.sha1(unit_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction
