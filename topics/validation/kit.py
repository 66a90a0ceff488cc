"""The human-validation kit of a finished run: tasks for coders, an offline coding page, and an answer key.

Three kinds of task (after Chang et al. 2009, "Reading tea leaves", with themes in place of topics):

- ``word`` — word intrusion, one per topic of each model: the topic's ``n_words`` most probable words
  and one intruder: one of the ten top words of another topic, outside this topic's 50 most probable,
  drawn from the less probable half of such words in this topic. With ``exclude_seed_words`` the
  lexicon's words are left out of both, so coders judge what a seeded model learned, not the seeds it
  was given. Words a topic gives no more than a uniform share are never its top words;
- ``theme`` — theme intrusion, ``n_units`` units per model: the unit's text, the model's ``n_themes``
  most probable themes for it (each at least MIN_THEME_P) and one improbable theme (below MIN_THEME_P;
  ``other`` is never shown);
- ``code`` — the coding sample, ``n_coding`` units to label with the lexicon's themes or ``other``:
  equal numbers per theme assigned by the first model (a theme with too few units gives its share to
  the others), spread over documents (or years) by taking them in turn.

Only units with evidence (a word the model knows) and at least MIN_HAN Han characters are used:
headings and short lines are not coded. The kit folder holds coding.html, tasks.tsv and guide.md for
the coders, and key/ (the answers and where each task came from) for scoring only. One seed gives
the same kit, byte for byte; units whose text came before (a second edition of a report) are skipped."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..run_folder import Fit, RunFolder
from .coding_page import coding_page_html
from .guide import guide_html, guide_markdown

MIN_HAN = 40  # characters: shorter lines are not coded (the codebook's rule)
MIN_THEME_P = 0.05  # a theme the model found in a unit, for theme intrusion
KEY_FOLDER = "key"
KEY_FILE = "key.json"
KINDS = ("word", "theme", "code")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class KitSettings:
    coders: int = 2
    n_words: int = 5  # top words shown per word-intrusion task
    n_units: int = 10  # theme-intrusion tasks per model
    n_themes: int = 3  # themes shown besides the intruder
    n_coding: int = 60  # units in the coding sample
    seed: int = 1
    exclude_seed_words: bool = False
    stratify: str = "doc"  # spread the coding sample over "doc" or "year"

    def __post_init__(self) -> None:
        for name in ("coders", "n_words", "n_themes"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        for name in ("n_units", "n_coding"):
            if getattr(self, name) < 0:
                raise InputError(f"--{name.replace('_', '-')} must be at least 0, got {getattr(self, name)}")
        if self.coders > 9:
            raise InputError(f"--coders must be at most 9 (one key each on the coding page), got {self.coders}")
        if self.stratify not in ("doc", "year"):
            raise InputError(f"--stratify must be doc or year, got {self.stratify!r}")


def write_kit(run: RunFolder, kit_dir: str | Path, model: str | None = None,
              settings: KitSettings = KitSettings()) -> Path:
    """Write the kit for every model's primary fit (or ``model``'s) into ``kit_dir`` (new or empty)."""
    kit_dir = Path(kit_dir)
    if kit_dir.exists() and (not kit_dir.is_dir() or any(kit_dir.iterdir())):
        raise InputError(f"{kit_dir}: exists and is not an empty folder; choose another -o folder "
                         "(a kit is never overwritten: coders may hold answers to it)")
    blocking = next((parent for parent in kit_dir.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise InputError(f"{kit_dir}: {blocking} is a file, not a folder")
    fits = run.fits(model, primary_only=True)
    rng = np.random.default_rng(settings.seed)
    tasks = {kind: [] for kind in KINDS}
    for fit in fits:
        tasks["word"] += word_tasks(run, fit, settings, rng)
        tasks["theme"] += theme_tasks(run, fit, settings, rng)
    tasks["code"] = coding_tasks(run, fits[0], settings, rng)
    ordered = []
    for kind in KINDS:  # one kind after the other, each in random order
        block = tasks[kind]
        for n, i in enumerate(rng.permutation(len(block)), start=1):
            ordered.append({**block[i], "task": f"{kind[0]}{n:03d}"})
    if not ordered:
        raise InputError(f"{run.path}: no task could be made (too few topics, words or units)")

    labels = run.lexicon.labels_with_other
    shown = [{"id": t["task"], "kind": t["kind"], "heading": t["heading"], "text": t["text"], "options": t["options"]}
             for t in ordered]
    kit_id = hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:12]
    meta = {"id": kit_id, "title": f"Validation kit {kit_id}", "coders": [f"coder{i}" for i in range(1, settings.coders + 1)],
            "run": str(run.path), "models": [f.model for f in fits], "fits": [f.folder.name for f in fits],
            "labels": labels, "reference_model": fits[0].model, "settings": asdict(settings),
            "tasks": {kind: len(tasks[kind]) for kind in KINDS}}

    files = {
        "coding.html": coding_page_html(meta, shown, guide_html(run.lexicon)),
        "guide.md": guide_markdown(run.lexicon),
        "tasks.tsv": _tasks_tsv(meta, ordered),
        f"{KEY_FOLDER}/{KEY_FILE}": json.dumps({"kit": meta, "tasks": ordered}, ensure_ascii=False, indent=1) + "\n",
        f"{KEY_FOLDER}/key.tsv": _key_tsv(ordered),
    }
    _write_folder(kit_dir, files)
    return kit_dir


# ---------------------------------------------------------------- word intrusion


def word_tasks(run: RunFolder, fit: Fit, settings: KitSettings, rng: np.random.Generator) -> list[dict]:
    """One word-intrusion task per topic that has enough words and an intruder."""
    result = fit.result
    excluded = set(run.lexicon.words()) if settings.exclude_seed_words else set()
    allowed = np.array([word not in excluded for word in result.vocab])
    order = np.argsort(-result.topic_word, axis=1, kind="stable")
    # each topic's words, best first; words it gives no more than a uniform share say nothing about it
    # (a dictionary topic without its seed words has none left)
    topic_word = result.topic_word / np.maximum(result.topic_word.sum(axis=1, keepdims=True), 1e-300)
    uniform = 1.0 / max(len(result.vocab), 1)
    ranked = [[j for j in row if allowed[j] and topic_word[t, j] > uniform] for t, row in enumerate(order)]
    tasks = []
    for t in range(result.k):
        top = ranked[t][: settings.n_words]
        near = set(ranked[t][: max(50, 10 * settings.n_words)])  # words this topic uses often
        candidates = sorted({j for u in range(result.k) if u != t for j in ranked[u][:10] if j not in near})
        if len(top) < settings.n_words or not candidates:
            continue
        # the less probable half of the candidates in this topic (ties by term id, for the same kit each time)
        candidates = sorted(candidates, key=lambda j: (result.topic_word[t, j], j))[: max(1, len(candidates) // 2)]
        intruder = int(candidates[rng.integers(len(candidates))])
        words = [result.vocab[j] for j in top] + [result.vocab[intruder]]
        shown = [words[i] for i in rng.permutation(len(words))]
        tasks.append({"kind": "word", "model": fit.model, "k": fit.k, "seed": fit.seed,
                      "topic": f"T{result.topic_ids[t]}", "theme": result.topic_themes[t], "doc_id": "", "unit_id": "",
                      "heading": "", "text": "", "answer": result.vocab[intruder],
                      "options": [{"value": w, "label": w} for w in shown],
                      "p": {w: float(result.topic_word[t, result.vocab.index(w)]) for w in shown}})
    return tasks


# ---------------------------------------------------------------- theme intrusion


def theme_tasks(run: RunFolder, fit: Fit, settings: KitSettings, rng: np.random.Generator) -> list[dict]:
    """``n_units`` theme-intrusion tasks, the units taken in turn from each assigned theme."""
    names, probs = fit.themes.names, fit.themes.probabilities  # as the run assigned them
    themes = [j for j, name in enumerate(names) if name in run.lexicon.names]  # never other
    if len(themes) < settings.n_themes + 1 or settings.n_units == 0:
        return []
    assigned = fit.themes.theme_names()
    eligible = _eligible(run, fit)
    ranked = {i: sorted(themes, key=lambda j: (-probs[i, j], j)) for i in eligible}
    # units where the model found n_themes themes and left at least one theme improbable
    usable = [i for i in eligible if probs[i, ranked[i][settings.n_themes - 1]] >= MIN_THEME_P
              and probs[i, ranked[i][-1]] < MIN_THEME_P]
    groups = [[i for i in usable if assigned[i] == name] for name in names]
    tasks = []
    for i in _take_in_turn([list(rng.permutation(g)) for g in groups if g], settings.n_units):
        top = ranked[i][: settings.n_themes]
        rest = [j for j in ranked[i][settings.n_themes:] if probs[i, j] < MIN_THEME_P]
        intruder = rest[int(rng.integers(len(rest)))]
        shown = [(top + [intruder])[k] for k in rng.permutation(len(top) + 1)]
        unit = run.units[i]
        tasks.append({"kind": "theme", "model": fit.model, "k": fit.k, "seed": fit.seed, "topic": "",
                      "theme": assigned[i], "doc_id": unit.doc_id, "unit_id": unit.unit_id, "heading": unit.heading,
                      "text": unit.text, "answer": names[intruder],
                      "options": [{"value": names[j], "label": _theme_label(run, names[j])} for j in shown],
                      "p": {names[j]: float(probs[i, j]) for j in shown}})
    return tasks


# ---------------------------------------------------------------- coding sample


def coding_tasks(run: RunFolder, fit: Fit, settings: KitSettings, rng: np.random.Generator) -> list[dict]:
    """The stratified coding sample: equal numbers per theme of ``fit``, spread over documents or years."""
    assigned = fit.themes.theme_names()  # the strata are the themes the run assigned
    eligible = _eligible(run, fit)
    labels = run.lexicon.labels_with_other
    by_theme = [[i for i in eligible if assigned[i] == label] for label in labels]
    spread = [_spread(run, group, settings.stratify, rng) for group in by_theme]
    chosen = _take_in_turn([g for g in spread if g], settings.n_coding)
    options = [{"value": label, "label": _theme_label(run, label)} for label in labels]
    return [{"kind": "code", "model": fit.model, "k": fit.k, "seed": fit.seed, "topic": "", "theme": assigned[i],
             "doc_id": run.units[i].doc_id, "unit_id": run.units[i].unit_id, "heading": run.units[i].heading,
             "text": run.units[i].text, "answer": "", "options": options, "p": {}} for i in sorted(chosen)]


def _spread(run: RunFolder, group: list[int], stratify: str, rng: np.random.Generator) -> list[int]:
    """The units of one theme in an order that takes the documents (or years) in turn, each shuffled."""
    strata: dict = {}
    for i in group:
        unit = run.units[i]
        strata.setdefault(unit.doc_id if stratify == "doc" else unit.year, []).append(i)
    keys = sorted(strata, key=str)
    return _take_in_turn([list(rng.permutation(strata[keys[k]])) for k in rng.permutation(len(keys))], len(group))


def _take_in_turn(queues: list[list[int]], n: int) -> list[int]:
    """Up to n items, one from each queue in turn; an exhausted queue leaves its turns to the rest."""
    queues = [list(q) for q in queues]
    taken: list[int] = []
    while len(taken) < n and any(queues):
        for queue in queues:
            if queue and len(taken) < n:
                taken.append(int(queue.pop(0)))
    return taken


def _eligible(run: RunFolder, fit: Fit) -> list[int]:
    """Units a coder can judge: the model has evidence for them, they are long enough to code, and their
    text has not come before (a corpus holding two editions of a report has every paragraph twice)."""
    seen: set[str] = set()
    eligible = []
    for i, unit in enumerate(run.units):
        if fit.known[i] > 0 and unit.kind != "heading" and len(_HAN.findall(unit.text)) >= MIN_HAN \
                and unit.text not in seen:
            seen.add(unit.text)
            eligible.append(i)
    return eligible


def _theme_label(run: RunFolder, theme: str) -> str:
    label = run.lexicon.label(theme)
    return f"{theme} {label}" if label else theme


# ---------------------------------------------------------------- files


def _write_folder(folder: Path, files: dict[str, str]) -> None:
    """Write the files into a hidden folder beside ``folder``, then move it into place: an interrupted
    write never leaves half a kit."""
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = partial / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if folder.is_dir():
            folder.rmdir()  # empty (checked before): the finished kit takes its place
        partial.rename(folder)
    except OSError as err:
        raise InputError(f"{folder}: cannot write the kit there ({err.strerror or err})") from None
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)


def _cell(value) -> str:
    return re.sub(r"[\t\r\n]+", " ", "" if value is None else str(value))


def _tasks_tsv(meta: dict, tasks: list[dict]) -> str:
    """The tasks as coders see them (no model, no answer), for those who prefer a spreadsheet."""
    lines = ["\t".join(["kit", "task", "kind", "heading", "text", "options", "answer"])]
    for task in tasks:
        options = " | ".join(option["value"] for option in task["options"])
        lines.append("\t".join(_cell(v) for v in (meta["id"], task["task"], task["kind"], task["heading"], task["text"],
                                                   options, "")))
    return "\n".join(lines) + "\n"


def _key_tsv(tasks: list[dict]) -> str:
    columns = ["task", "kind", "model", "k", "seed", "topic", "theme", "doc_id", "unit_id", "answer"]
    lines = ["\t".join(columns)] + ["\t".join(_cell(task[c]) for c in columns) for task in tasks]
    return "\n".join(lines) + "\n"


def read_key(kit_dir: str | Path) -> dict:
    """The kit's key (key/key.json); InputError naming the file when it is missing or damaged."""
    path = Path(kit_dir) / KEY_FOLDER / KEY_FILE
    if not Path(kit_dir).is_dir():
        raise InputError(f"{kit_dir}: no such kit folder")
    if not path.is_file():
        raise InputError(f"{path}: missing; is {kit_dir} a kit written by `topics validate RUN_DIR -o KIT_DIR`?")
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
        key["kit"]["id"], key["tasks"][0]["task"]  # noqa: B018 — the fields scoring needs
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise InputError(f"{path}: damaged kit key ({type(err).__name__}: {err})") from None
    return key
