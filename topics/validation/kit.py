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
- ``code`` — the coding sample, ``n_coding`` units to label with the lexicon's themes or ``other``, drawn
  by a design with known inclusion probabilities (topics.validation.sample: ``random``, ``stratified``
  by the reference model's themes — the default —, ``active``, by its uncertainty, or ``learn``, which also
  serves a classifier's training), recorded in
  key/sample.tsv; ``add_units`` draws a further batch into the kit.

Intrusion tasks use only units with evidence (a word the model knows); no task uses headings, lines of
fewer than 40 Han characters or units whose text came before (a second edition of a report). The
kit folder holds coding.html (in English and Chinese, opening in ``language``), tasks.tsv and guide.md
(in ``language``) for the coders, and key/ (the answers, where each
task came from and the coding sample's design) for scoring only. One seed gives the same kit, byte for
byte."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..rules import Rule, check, choice, integer
from ..run_folder import Fit, RunFolder
from ..settings import MAX_SEED
from .coding_page import coding_page_html
from .guide import LANGUAGES, guide_html, guide_markdown
from .sample import (DESIGNS, LEARNING_DESIGNS, design_frame, draw, frame_fingerprint, probabilities, reweighted,
                     run_frame_rows)

MIN_THEME_P = 0.05  # a theme the model found in a unit, for theme intrusion
MAX_WORDS = 10  # top words a word-intrusion task shows at most
KEY_FOLDER = "key"
KEY_FILE = "key.json"
SAMPLE_FILE = "sample.tsv"  # the coding sample's design: each unit's stratum, batch and inclusion probability
KINDS = ("word", "theme", "code")
TASKS_FILE = "tasks.tsv"  # the tasks for coders who prefer a spreadsheet; filled in, `--score` reads it


@dataclass(frozen=True)
class KitSettings:
    coders: int = 2
    n_words: int = 5  # top words shown per word-intrusion task
    n_units: int = 10  # theme-intrusion tasks per model
    n_themes: int = 3  # themes shown besides the intruder
    n_coding: int = 60  # units in the coding sample
    seed: int = 1
    exclude_seed_words: bool = False
    design: str = "stratified"  # how the coding sample is drawn (topics.validation.sample)
    language: str = "en"  # of guide.md and of the coding page when it opens (it holds every language)

    def __post_init__(self) -> None:
        for name, rule in _RULES.items():
            check(getattr(self, name), rule, _FLAGS[name])


# what each setting may be, and the option of `topics validate` that sets it
_FLAGS = {"coders": "--coders", "n_words": "--n-words", "n_units": "--n-units", "n_themes": "--n-themes",
          "n_coding": "--size", "seed": "--seed", "design": "--design", "language": "--language"}
_RULES = {
    "coders": Rule(integer(1, 9).check, "an integer from 1 to 9 (one key each on the coding page)"),
    # one top word and an intruder are two words with nothing to tell which is the topic's; a task is read
    # whole, so many words are more reading than judging (Chang et al. show 5)
    "n_words": Rule(integer(2, MAX_WORDS).check, f"an integer from 2 to {MAX_WORDS} (with one top word nothing "
                    "tells the intruder from it)"),
    "n_units": integer(0), "n_themes": integer(1), "n_coding": integer(0), "seed": integer(0, MAX_SEED),
    "design": choice(*DESIGNS), "language": choice(*LANGUAGES),
}


def write_kit(run: RunFolder, kit_dir: str | Path, model: str | None = None,
              settings: KitSettings = KitSettings(), *, units: np.ndarray | None = None, where: str = "") -> Path:
    """Write the kit for every model's primary fit (or ``model``'s) into ``kit_dir`` (new or empty); with
    ``units`` (a mask over the run's units, the documents the condition ``where`` keeps) its theme-intrusion
    tasks and coding sample come from those units only, and the design records ``where``."""
    kit_dir = Path(kit_dir)
    if kit_dir.exists() and (not kit_dir.is_dir() or any(kit_dir.iterdir())):
        what = "is a folder that is not empty" if kit_dir.is_dir() else "is a file"
        raise InputError(f"{kit_dir}: {what}; give a new or empty folder as -o "
                         "(a kit is never overwritten: coders may hold answers to it)")
    blocking = next((parent for parent in kit_dir.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise InputError(f"{kit_dir}: {blocking} is a file, not a folder")
    themes = len(run.lexicon.names)  # a theme-intrusion task shows n_themes of them and one more, never other
    if settings.n_units and settings.n_themes >= themes:
        raise InputError(f"--n-themes {settings.n_themes}: a theme-intrusion task shows that many of the run's "
                         f"{themes} themes and one more as the intruder, so at most {themes - 1} "
                         "(or --n-units 0 for no theme-intrusion tasks)")
    fits = run.fits(model, primary_only=True)
    rng = np.random.default_rng(settings.seed)
    tasks = {kind: [] for kind in KINDS}
    notes = []
    codable = run_frame_rows(run)  # the units a coder can judge, read once for every fit and the design
    for fit in fits:
        words, themed = word_tasks(run, fit, settings, rng), theme_tasks(run, fit, settings, rng, codable, units)
        tasks["word"] += words
        tasks["theme"] += themed
        notes += _shortfalls(fit, settings, len(words), len(themed))
    design = None
    if settings.n_coding:
        frame = design_frame(run, fits[0], settings.design, codable, units)
        # a frame smaller than the sample asked for is coded whole (every probability 1)
        chosen = draw(frame, set(), min(settings.n_coding, len(frame.rows)), np.random.default_rng([settings.seed, 1]))
        tasks["code"] = coding_tasks(run, fits[0], chosen, batch=1)
        design = {"design": settings.design, "reference_fit": fits[0].folder.name, "frame": len(frame.rows),
                  "frame_fingerprint": frame_fingerprint(run.units.unit_ids, list(frame.rows)), "strata": frame.sizes(),
                  "weights": frame.weights, "bands": frame.bands,
                  "batches": [{"batch": 1, "size": len(chosen), "seed": settings.seed}]}
        if where:
            design["where"] = where
    ordered = []
    for kind in KINDS:  # one kind after the other, each in random order
        block = tasks[kind]
        for n, i in enumerate(rng.permutation(len(block)), start=1):
            ordered.append({**block[i], "task": f"{kind[0]}{n:03d}"})
    if not ordered:
        why = notes + ([] if settings.n_coding else ["--size 0 asks for no coding sample"])
        raise InputError(f"{run.path}: no task could be made: {'; '.join(why)}")

    labels = run.lexicon.labels_with_other
    kit_id = hashlib.sha256(json.dumps(_shown(ordered), ensure_ascii=False, sort_keys=True)
                            .encode("utf-8")).hexdigest()[:12]
    coders = [f"coder{i}" for i in range(1, settings.coders + 1)]
    meta = {"id": kit_id, "title": f"Validation kit {kit_id}", "coders": coders,
            "run": str(run.path), "models": [f.model for f in fits], "fits": [f.folder.name for f in fits],
            "labels": labels, "reference_model": fits[0].model, "settings": asdict(settings),
            "tasks": {kind: len(tasks[kind]) for kind in KINDS}, "design": design, "notes": notes}
    _write_folder(kit_dir, {"guide.md": guide_markdown(run.lexicon, settings.language),
                            **_kit_files(run, meta, ordered)})
    return kit_dir


def add_units(run: RunFolder, kit_dir: str | Path, n: int, seed: int | None = None,
              design: str | None = None, units: np.ndarray | None = None, uncertain: np.ndarray | None = None,
              learnt_from: str = "") -> list[dict]:
    """Draw ``n`` more units for the kit's coding sample from the frame's units not yet drawn (a new batch,
    shared among the strata by the kit's design; topics.validation.sample says why the combined sample
    keeps exact inclusion probabilities) and write them into the kit: new coding tasks after the old
    ones, the coding page and key/sample.tsv with every task. Coders keep their answers (the page keeps
    the kit's id). Returns the new tasks. InputError when the kit has no design, ``design`` is not the
    kit's, or the run is not the one the kit was drawn from. ``uncertain``: every run unit's uncertainty
    under a model trained since (``learnt_from`` names it), which then shares the batch among the kit's
    strata (active and learn designs: topics.validation.sample.reweighted), so the loop learns. ``units``:
    the mask of the kit's ``where``."""
    key = read_key(kit_dir)
    meta, tasks = key["kit"], key["tasks"]
    sampled = meta.get("design")
    if not sampled:
        raise InputError(f"{kit_dir}: its coding sample has no recorded design (a kit of an earlier version, or "
                         "one without coding tasks); write a new kit with --design")
    if design is not None and design != sampled["design"]:
        raise InputError(f"--design {design}: design mismatch: {kit_dir} was drawn by the {sampled['design']} design; "
                         "a further batch is drawn by the kit's own design (leave out --design)")
    check(n, integer(1), "--add")
    if seed is not None:
        check(seed, _RULES["seed"], "--seed")
    fit = next((f for f in run.fits(primary_only=True) if f.folder.name == sampled["reference_fit"]), None)
    if fit is None:
        raise InputError(f"{run.path}: design mismatch: the kit {kit_dir} was drawn from the themes of "
                         f"{sampled['reference_fit']}, which this run does not have")
    frame = design_frame(run, fit, sampled["design"], run_frame_rows(run), units)
    coded = [t for t in tasks if t["kind"] == "code"]
    strata_of = dict(zip(frame.rows.tolist(), frame.strata))
    row_of = {unit_id: i for i, unit_id in enumerate(run.units.unit_ids)}
    mismatch = f"{run.path}: design mismatch with the kit {kit_dir}:"
    if frame_fingerprint(run.units.unit_ids, list(frame.rows)) != sampled["frame_fingerprint"]:
        raise InputError(f"{mismatch} its units are not those the kit was drawn from")
    moved = [t for t in coded if strata_of.get(row_of.get(t["unit_id"], -1)) != t["stratum"]]
    if moved or frame.sizes() != sampled["strata"]:
        why = f"unit {moved[0]['unit_id']} is no longer in stratum {moved[0]['stratum']!r}" if moved else \
            "its strata have other sizes"
        raise InputError(f"{mismatch} {why} (was the run mapped again since the kit was drawn?)")
    batch = max(b["batch"] for b in sampled["batches"]) + 1
    seed = meta["settings"]["seed"] if seed is None else seed
    rng = np.random.default_rng([seed, batch])
    already = {row_of[t["unit_id"]] for t in coded}
    batch_record = {"batch": batch, "size": 0, "seed": seed}
    if uncertain is not None:
        if sampled["design"] not in LEARNING_DESIGNS:
            raise InputError(f"--learn-from {learnt_from}: the kit's {sampled['design']} design draws by no model's "
                             f"uncertainty; only {' and '.join(LEARNING_DESIGNS)} do")
        frame = reweighted(frame, uncertain, set(frame.rows.tolist()) - already)
        batch_record.update(weights=frame.weights, learnt_from=learnt_from)
    chosen = draw(frame, already, n, rng, option="--add")
    new = coding_tasks(run, fit, chosen, batch=batch)
    last = max(int(t["task"][1:]) for t in coded)
    new = [{**new[i], "task": f"c{last + number:03d}"} for number, i in enumerate(rng.permutation(len(new)), start=1)]
    sampled["batches"].append({**batch_record, "size": len(new)})
    meta["tasks"]["code"] += len(new)
    _replace_files(Path(kit_dir), _kit_files(run, meta, tasks + new))
    return new


def _shortfalls(fit: Fit, settings: KitSettings, words: int, themed: int) -> list[str]:
    """Why a model got fewer intrusion tasks than asked for, one line per kind (none when it got them all)."""
    notes = []
    if words < fit.result.k:
        seeds = " besides the lexicon's" if settings.exclude_seed_words else ""
        notes.append(f"{fit.model}: word intrusion for {words} of its {fit.result.k} topics; the others have fewer "
                     f"than {settings.n_words} words above a uniform share{seeds}, or no intruder (--n-words)")
    if themed < settings.n_units:
        notes.append(f"{fit.model}: {themed} of the {settings.n_units} theme-intrusion tasks asked for, as only "
                     f"{themed} units a coder can judge have {settings.n_themes} themes of probability {MIN_THEME_P} "
                     "or more and one below it (a lower --n-themes finds more)")
    return notes


# ---------------------------------------------------------------- word intrusion


def word_tasks(run: RunFolder, fit: Fit, settings: KitSettings, rng: np.random.Generator) -> list[dict]:
    """One word-intrusion task per topic that has enough words and an intruder."""
    result = fit.result
    excluded = run.lexicon.seed_terms(result.vocab) if settings.exclude_seed_words else set()
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


def theme_tasks(run: RunFolder, fit: Fit, settings: KitSettings, rng: np.random.Generator, codable: list[int],
                units: np.ndarray | None = None) -> list[dict]:
    """``n_units`` theme-intrusion tasks, the units (of ``units``, a mask, when given) taken in turn from each
    assigned theme, among the ``codable`` ones (the run's run_frame_rows) for which the model has evidence."""
    names, probs = fit.themes.names, fit.themes.probabilities  # as the run assigned them
    themes = [j for j, name in enumerate(names) if name in run.lexicon.names]  # never other
    if len(themes) < settings.n_themes + 1 or settings.n_units == 0:
        return []
    assigned = fit.themes.theme_names()
    eligible = [i for i in codable if fit.known[i] > 0 and (units is None or units[i])]
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
        unit = run.run_units.unit(i)
        tasks.append({"kind": "theme", "model": fit.model, "k": fit.k, "seed": fit.seed, "topic": "",
                      "theme": assigned[i], "doc_id": unit.doc_id, "unit_id": unit.unit_id, "heading": unit.heading,
                      "text": unit.text, "answer": names[intruder],
                      "options": [{"value": names[j], "label": _theme_label(run, names[j])} for j in shown],
                      "p": {names[j]: float(probs[i, j]) for j in shown}})
    return tasks


# ---------------------------------------------------------------- coding sample


def coding_tasks(run: RunFolder, fit: Fit, chosen: list[tuple[int, str]], batch: int) -> list[dict]:
    """A coding task for each drawn unit (corpus row, stratum), in corpus order; ``theme`` is the one
    ``fit`` (the reference model's primary fit) assigned."""
    assigned = fit.themes.theme_names()
    labels = run.lexicon.labels_with_other
    options = [{"value": label, "label": _theme_label(run, label)} for label in labels]
    return [{"kind": "code", "model": fit.model, "k": fit.k, "seed": fit.seed, "topic": "", "theme": assigned[i],
             "doc_id": unit.doc_id, "unit_id": unit.unit_id, "heading": unit.heading, "text": unit.text, "answer": "",
             "options": options, "p": {}, "stratum": stratum, "batch": batch}
            for i, stratum, unit in ((i, stratum, run.run_units.unit(i)) for i, stratum in sorted(chosen))]


def _take_in_turn(queues: list[list[int]], n: int) -> list[int]:
    """Up to n items, one from each queue in turn; an exhausted queue leaves its turns to the rest."""
    queues = [list(q) for q in queues]
    taken: list[int] = []
    while len(taken) < n and any(queues):
        for queue in queues:
            if queue and len(taken) < n:
                taken.append(int(queue.pop(0)))
    return taken


def _theme_label(run: RunFolder, theme: str) -> str:
    label = run.lexicon.label(theme)
    return f"{theme} {label}" if label else theme


# ---------------------------------------------------------------- files


def _shown(tasks: list[dict]) -> list[dict]:
    """The tasks as the coding page shows them: no model, no answer, no design."""
    return [{"id": t["task"], "kind": t["kind"], "heading": t["heading"], "text": t["text"], "options": t["options"]}
            for t in tasks]


def _kit_files(run: RunFolder, meta: dict, tasks: list[dict]) -> dict[str, str]:
    """Every file of the kit that depends on its tasks."""
    files = {
        # a kit written before the page had languages opens in English
        "coding.html": coding_page_html(meta, _shown(tasks), {name: guide_html(run.lexicon, name) for name in LANGUAGES},
                                        meta["settings"].get("language", "en")),
        TASKS_FILE: _tasks_tsv(meta, tasks),
        f"{KEY_FOLDER}/{KEY_FILE}": json.dumps({"kit": meta, "tasks": tasks}, ensure_ascii=False, indent=1) + "\n",
        f"{KEY_FOLDER}/key.tsv": _key_tsv(tasks),
    }
    if meta.get("design"):
        files[f"{KEY_FOLDER}/{SAMPLE_FILE}"] = _sample_tsv(meta["design"], tasks)
    return files


def _sample_tsv(design: dict, tasks: list[dict]) -> str:
    """key/sample.tsv: every unit of the coding sample with its stratum, the stratum's size, the units drawn
    from it over every batch so far and so its inclusion probability (drawn / stratum_units)."""
    coded = [t for t in tasks if t["kind"] == "code"]
    drawn: dict[str, int] = {}
    for task in coded:
        drawn[task["stratum"]] = drawn.get(task["stratum"], 0) + 1
    chance = probabilities(design["strata"], drawn)
    columns = ["task", "doc_id", "unit_id", "batch", "stratum", "stratum_units", "drawn", "inclusion_probability"]
    lines = ["\t".join(columns)]
    for task in sorted(coded, key=lambda t: t["task"]):
        h = task["stratum"]
        lines.append("\t".join(_cell(v) for v in (task["task"], task["doc_id"], task["unit_id"], task["batch"], h,
                                                   design["strata"][h], drawn[h], f"{chance[h]:.12g}")))
    return "\n".join(lines) + "\n"


def _replace_files(folder: Path, files: dict[str, str]) -> None:
    """Rewrite some files of a kit: a copy of the folder with the new files takes its place only when all
    are written, so an interrupted write leaves the kit as it was."""
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    try:
        shutil.copytree(folder, partial)
        for name, text in files.items():
            (partial / name).write_text(text, encoding="utf-8")
        folder.rename(old)
        partial.rename(folder)
    except OSError as err:
        if old.exists() and not folder.exists():
            old.rename(folder)
        raise InputError(f"{folder}: cannot write the kit there ({err.strerror or err})") from None
    finally:
        for leftover in (partial, old):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


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
    """The tasks as coders see them (no model, no answer), for those who prefer a spreadsheet: tab-separated,
    a field with a quote quoted as spreadsheets read it, so the answers read back row for row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["kit", "task", "kind", "heading", "text", "options", "answer", "note"])
    for task in tasks:
        options = " | ".join(option["value"] for option in task["options"])
        writer.writerow([_cell(v) for v in (meta["id"], task["task"], task["kind"], task["heading"], task["text"],
                                            options, "", "")])
    return out.getvalue()


def _key_tsv(tasks: list[dict]) -> str:
    columns = ["task", "kind", "model", "k", "seed", "topic", "theme", "doc_id", "unit_id", "answer", "stratum", "batch"]
    lines = ["\t".join(columns)] + ["\t".join(_cell(task.get(c, "")) for c in columns) for task in tasks]
    return "\n".join(lines) + "\n"


def read_key(kit_dir: str | Path) -> dict:
    """The kit's key (key/key.json); InputError naming the file when it is missing or damaged."""
    path = Path(kit_dir) / KEY_FOLDER / KEY_FILE
    if not Path(kit_dir).is_dir():
        what = "is a file, not a kit folder" if Path(kit_dir).exists() else "no such kit folder"
        raise InputError(f"{kit_dir}: {what}; give the folder `topics validate RUN_DIR -o KIT_DIR` wrote")
    if not path.is_file():
        raise InputError(f"{path}: missing; is {kit_dir} a kit written by `topics validate RUN_DIR -o KIT_DIR`?")
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
        key["kit"]["id"], key["tasks"][0]["task"]  # noqa: B018 — the fields scoring needs
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise InputError(f"{path}: damaged kit key ({type(err).__name__}: {err})") from None
    return key
