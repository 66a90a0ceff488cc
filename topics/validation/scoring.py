"""Scoring coders' answers to a validation kit.

- word intrusion: *model precision* per topic (Chang et al. 2009) — the share of coders who picked the
  intruder — and its mean per model;
- theme intrusion: accuracy per model (share of answers that picked the intruder) and the mean *theme
  log odds*, log p(intruder) − log p(chosen) (0 when the intruder was found, more negative the more
  probable the wrongly chosen theme was);
- per coder: tasks answered and accuracy on each kind of intrusion task;
- agreement between coders on every kind of task: Cohen's κ for each pair (scikit-learn) and
  Krippendorff's α (nominal) over all coders (the ``krippendorff`` package). Both need two coders who
  answered the same tasks: with one coder's answers (or coders who share no task) there is no
  agreement.csv — an empty table would read as a file that failed — and ``Scores.agreement_note`` says
  why in one line (an agreement.csv left from an earlier scoring into the same folder is removed, as it
  no longer belongs to these answers);
- the coding sample as GOLD.tsv for ``topics evaluate`` and the corrected estimators: each unit with the
  label most coders gave it (more than half of those who coded it); units without such a majority go to
  disagreements.tsv. When the kit's sample was drawn by a design, GOLD.tsv also holds each unit's
  inclusion probability, stratum, batch, the design and the kit's id (topics.validation.gold). A drawn
  unit that got no majority label (or no answer) counts as not drawn: its stratum's probability becomes
  the units with a label over the stratum's units, which assumes those units are like the rest of their
  stratum (missing at random within it) — settle the disagreements and score again to need no such
  assumption.

Answers files are CSV with the columns kit, coder, task and answer (the coding page writes kind too),
or the kit's tasks.tsv filled in (tab-separated, UTF-8 or a spreadsheet's UTF-16 "Unicode text", the
option's value in its answer column): its coder is its ``coder`` column when it has one, else the file's
name (ann.tsv is coder ann), and a file still called tasks.tsv is refused, as it names no coder; a row
whose fields run over several lines (a stray quote) is an error, never a row swallowed. An empty
answer is a task not answered. The answer ``unsure`` (the page's "Unsure" button) is kept and counted per
coder (``unsure`` in coders.csv), and left out of every figure that needs a judgement: intrusion
accuracy and precision, agreement, and GOLD.tsv's labels — an unsure coder still counts among a coding
unit's coders, so "industry" and "unsure" is no majority, and the unit goes to disagreements.tsv. An
optional ``note`` column holds the coder's note on a task; every note (with or without an answer) goes
to notes.csv with its task's unit. A coder's answers may come in several files (one per batch of a
kit); a task answered twice by one coder is an error."""

from __future__ import annotations

import csv
import io
import itertools
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, clipped, existing_file, listed
from ..outputs import open_output
from .coding_page import UNSURE
from .gold import DESIGN_COLUMNS
from .kit import TASKS_FILE, read_key
from .sample import probabilities

ANSWER_COLUMNS = ("kit", "coder", "task", "answer")
TSV_ANSWER_COLUMNS = ("kit", "task", "answer")  # a filled-in tasks.tsv; its coder is a column or the file's name
AGREEMENT_FILE = "agreement.csv"
NOTES_FILE = "notes.csv"
NOTE_COLUMNS = ["coder", "task", "kind", "doc", "unit", "answer", "note"]
GOLD_HEADER = ("doc", "unit", "label", "heading", "text", "coders", "agreement")


@dataclass
class Scores:
    word_topics: pd.DataFrame  # model, k, seed, topic, theme, coders, found, precision
    word_models: pd.DataFrame  # model, topics, precision
    theme_models: pd.DataFrame  # model, tasks, answers, accuracy, log_odds
    coders: pd.DataFrame  # coder, word_answers, word_accuracy, theme_answers, theme_accuracy, code_answers, unsure, notes
    agreement: pd.DataFrame  # kind, measure, coders, units, value
    gold: pd.DataFrame  # GOLD_HEADER, then DESIGN_COLUMNS when the kit's sample has a design
    disagreements: pd.DataFrame  # doc, unit, heading, text, one column per coder
    design: dict | None = None  # design, drawn (units of the sample), coded (with a majority label), empty strata
    agreement_note: str = ""  # why ``agreement`` is empty (one coder, or no task two coders share)
    notes: pd.DataFrame | None = None  # NOTE_COLUMNS: every note a coder wrote on a task


def read_answers(paths: list[str | Path], key: dict) -> pd.DataFrame:
    """Every answer of every file (coder, task, answer), checked against the kit's key; each file the coding
    page's CSV or the kit's tasks.tsv filled in (module docstring)."""
    tasks = {task["task"]: task for task in key["tasks"]}
    kit_id = key["kit"]["id"]
    rows, answered, read = [], {}, {}
    for path in paths:
        path = existing_file(path, "answers file")
        if path.resolve() in read:  # its coder would count twice, and agree with themselves
            raise InputError(f"{path}: given twice (also as {read[path.resolve()]}); give each coder's answers once")
        read[path.resolve()] = path
        rows_before = len(rows)
        seen = set()
        for line, values in _answer_records(path):
            if values["kit"] != kit_id:
                raise InputError(f"{path}:{line}: answers to kit {clipped(values['kit'])!r}, "
                                 f"this kit is {kit_id!r}")
            task = tasks.get(values["task"])
            if task is None:
                raise InputError(f"{path}:{line}: unknown task {clipped(values['task'])!r}")
            coder = values["coder"]
            if not coder:
                raise InputError(f"{path}:{line}: empty coder")
            if (coder, values["task"]) in seen:
                raise InputError(f"{path}:{line}: task {values['task']} answered twice by {clipped(coder)!r}")
            if (coder, values["task"]) in answered:
                raise InputError(f"{path}:{line}: task {values['task']} is also answered by {clipped(coder)!r} "
                                 f"in {answered[coder, values['task']]}; give each coder's answers once (the "
                                 "coding page's last saved file holds all of a coder's answers)")
            seen.add((coder, values["task"]))
            answered[coder, values["task"]] = path
            if not values["answer"] and not values["note"]:
                continue  # not answered
            allowed = [option["value"] for option in task["options"]]
            if values["answer"] not in [*allowed, UNSURE, ""]:
                raise InputError(f"{path}:{line}: answer {clipped(values['answer'])!r} is not an option of "
                                 f"task {values['task']} ({listed(allowed)}, or {UNSURE})")
            rows.append({"coder": coder, "task": values["task"], "kind": task["kind"], "answer": values["answer"],
                         "note": values["note"]})
        if len(rows) == rows_before:  # a coder left out of the scores without a word would change them
            raise InputError(f"{path}: no task is answered in it (saved before coding?); leave it out, or export "
                             "the coder's answers again from the coding page (or fill the answer column of "
                             f"{TASKS_FILE})")
    if not rows:
        raise InputError(f"{listed(paths)}: no answers")
    return pd.DataFrame(rows, columns=["coder", "task", "kind", "answer", "note"])


def _answer_records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, {kit, coder, task, answer, note}) of each row of an answers file: the coding page's CSV, or a
    tasks.tsv (tab-separated) whose coder is its coder column or else the file's name."""
    data = path.read_bytes()
    try:  # spreadsheets save "Unicode text" as UTF-16 with a byte-order mark
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: answers file is not UTF-8 text") from None
    tabbed = "\t" in text.split("\n", 1)[0]
    needed = TSV_ANSWER_COLUMNS if tabbed else ANSWER_COLUMNS
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if tabbed else ",")
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in needed if c not in header]
        if missing:
            what = f"a filled-in {TASKS_FILE} needs" if tabbed else "need"
            raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; {what} {', '.join(needed)}")
        reader.fieldnames = header
        coder = None
        if "coder" not in header:  # a tasks.tsv as the kit wrote it: the coder is the file's name
            coder = path.stem.strip()
            if path.name == TASKS_FILE:
                raise InputError(f"{path}: a {TASKS_FILE} names no coder; save each coder's copy under the coder's "
                                 "name (e.g. ann.tsv) or add a coder column")
        records = []
        for record in reader:
            line = reader.line_num
            # no field of tasks.tsv holds a line break: a stray quote joined lines into one field
            if tabbed and any(isinstance(v, str) and "\n" in v for v in record.values()):
                raise InputError(f'{path}:{line}: a field runs over several lines up to this one (a " opening a '
                                 "field?); remove the quote or save the file again as tab-separated text")
            values = {c: (record.get(c) or "").strip() for c in ("kit", "coder", "task", "answer", "note")}
            if coder is not None:
                values["coder"] = coder
            records.append((line, values))
    except csv.Error as err:
        raise InputError(f"{path}: not a readable {'TSV' if tabbed else 'CSV'} file ({err})") from None
    return records


def score_answers(key: dict, answers: pd.DataFrame) -> Scores:
    """The figures of the answers (see the module docstring); ``answers`` as read_answers gives them (an
    empty answer: a note only)."""
    if "note" not in answers:
        answers = answers.assign(note="")
    tasks = pd.DataFrame(key["tasks"]).rename(columns={"answer": "key"}).drop(columns=["kind"])
    given = answers[answers["answer"] != ""].merge(tasks, on="task", how="left")
    given["correct"] = given["answer"] == given["key"]
    table = given[given["answer"] != UNSURE]  # answers that judge: unsure ones are counted, not scored
    coders = sorted(answers["coder"].unique())
    gold, disputed = _gold(given[given["kind"] == "code"])
    design = key["kit"].get("design")
    summary = None
    if design:
        gold, summary = _with_design(gold, key)
    agreed = agreement(table[["coder", "task", "kind", "answer"]], coders)
    return Scores(word_topics=_word_topics(table), word_models=_word_models(table), theme_models=_theme_models(table),
                  coders=_coder_table(table, answers, coders), agreement=agreed, gold=gold,
                  disagreements=disputed, design=summary, agreement_note=_agreement_note(agreed, coders),
                  notes=_notes(answers, tasks))


def _notes(answers: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    """Every note with its coder, task and the task's unit (empty for word tasks)."""
    noted = answers[answers["note"] != ""].merge(tasks[["task", "doc_id", "unit_id"]], on="task", how="left")
    noted = noted.rename(columns={"doc_id": "doc", "unit_id": "unit"})
    return noted.sort_values(["task", "coder"], kind="stable")[NOTE_COLUMNS].reset_index(drop=True)


def _agreement_note(agreed: pd.DataFrame, coders: list[str]) -> str:
    """Why there is no agreement table ("" when there is one)."""
    if not agreed.empty:
        return ""
    need = "Cohen's κ and Krippendorff's α need two coders who answered the same tasks"
    if len(coders) == 1:
        return f"no agreement between coders: these are the answers of one coder ({coders[0]}); {need}"
    return f"no agreement between coders: no task was answered by two of the {len(coders)} coders; {need}"


def _with_design(gold: pd.DataFrame, key: dict) -> tuple[pd.DataFrame, dict]:
    """GOLD.tsv's design columns: each coded unit's stratum and batch, and its stratum's inclusion
    probability counting only the units with a majority label (module docstring)."""
    design = key["kit"]["design"]
    drawn = {t["unit_id"]: t for t in key["tasks"] if t["kind"] == "code"}
    strata = [drawn[unit]["stratum"] for unit in gold["unit"]]
    coded = {h: strata.count(h) for h in dict.fromkeys(strata)}
    chance = probabilities(design["strata"], coded)
    gold = gold.assign(inclusion_probability=[float(f"{chance[h]:.12g}") for h in strata], stratum=strata,
                       batch=[drawn[unit]["batch"] for unit in gold["unit"]], design=design["design"],
                       kit=key["kit"]["id"])
    drawn_strata = {t["stratum"] for t in drawn.values()}
    summary = {"design": design["design"], "drawn": len(drawn), "coded": len(gold),
               "batches": len(design["batches"]), "empty_strata": sorted(drawn_strata - set(coded))}
    return gold[[*GOLD_HEADER, *DESIGN_COLUMNS]], summary


def score_kit(kit_dir: str | Path, answer_paths: list[str | Path]) -> Scores:
    key = read_key(kit_dir)
    return score_answers(key, read_answers(answer_paths, key))


def _word_topics(table: pd.DataFrame) -> pd.DataFrame:
    words = table[table["kind"] == "word"]
    columns = ["model", "k", "seed", "topic", "theme", "coders", "found", "precision"]
    if words.empty:
        return pd.DataFrame(columns=columns)
    grouped = words.groupby(["model", "k", "seed", "topic", "theme"], sort=False)["correct"]
    frame = grouped.agg(coders="size", found="sum").reset_index()
    frame["precision"] = frame["found"] / frame["coders"]
    return frame[columns]


def _word_models(table: pd.DataFrame) -> pd.DataFrame:
    topics = _word_topics(table)
    if topics.empty:
        return pd.DataFrame(columns=["model", "topics", "precision"])
    grouped = topics.groupby("model", sort=False)["precision"]
    return grouped.agg(topics="size", precision="mean").reset_index()


def _theme_models(table: pd.DataFrame) -> pd.DataFrame:
    themes = table[table["kind"] == "theme"]
    columns = ["model", "tasks", "answers", "accuracy", "log_odds"]
    if themes.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for model, group in themes.groupby("model", sort=False):
        odds = [math.log(max(p[key], 1e-12)) - math.log(max(p[answer], 1e-12))
                for p, key, answer in zip(group["p"], group["key"], group["answer"])]
        rows.append({"model": model, "tasks": group["task"].nunique(), "answers": len(group),
                     "accuracy": float(group["correct"].mean()), "log_odds": float(np.mean(odds))})
    return pd.DataFrame(rows, columns=columns)


def _coder_table(table: pd.DataFrame, answers: pd.DataFrame, coders: list[str]) -> pd.DataFrame:
    """Per coder: answers and accuracy per kind (unsure answers left out), then the unsure answers and the
    notes."""
    rows = []
    for coder in coders:
        mine = table[table["coder"] == coder]
        given = answers[answers["coder"] == coder]
        row = {"coder": coder}
        for kind in ("word", "theme"):
            answered = mine[mine["kind"] == kind]
            row[f"{kind}_answers"] = len(answered)
            row[f"{kind}_accuracy"] = float(answered["correct"].mean()) if len(answered) else float("nan")
        row["code_answers"] = int((mine["kind"] == "code").sum())
        row["unsure"] = int((given["answer"] == UNSURE).sum())
        row["notes"] = int((given["note"] != "").sum())
        rows.append(row)
    return pd.DataFrame(rows)


def agreement(answers: pd.DataFrame, coders: list[str]) -> pd.DataFrame:
    """Per kind of task: percent agreement and Cohen's κ for each pair of coders (on the tasks both
    answered), Krippendorff's α (nominal) over all coders (every task at least two coders answered)."""
    rows = []
    for kind in ("word", "theme", "code"):
        wide = answers[answers["kind"] == kind].pivot(index="task", columns="coder", values="answer")
        for a, b in itertools.combinations([c for c in coders if c in wide.columns], 2):
            both = wide[[a, b]].dropna()
            if both.empty:
                continue
            rows.append({"kind": kind, "measure": "percent_agreement", "coders": f"{a} {b}", "units": len(both),
                         "value": float((both[a] == both[b]).mean())})
            rows.append({"kind": kind, "measure": "cohen_kappa", "coders": f"{a} {b}", "units": len(both),
                         "value": cohen_kappa(both[a].tolist(), both[b].tolist())})
        if wide.shape[1] >= 2:
            paired = wide[wide.notna().sum(axis=1) >= 2]
            if len(paired):
                rows.append({"kind": kind, "measure": "krippendorff_alpha", "coders": " ".join(wide.columns),
                             "units": len(paired), "value": krippendorff_alpha(paired)})
    return pd.DataFrame(rows, columns=["kind", "measure", "coders", "units", "value"])


def cohen_kappa(a: list[str], b: list[str]) -> float:
    """Cohen's κ of two coders' labels; NaN when it is undefined (both gave one and the same label throughout)."""
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined κ warns and returns NaN: NaN says it
        return float(cohen_kappa_score(a, b))


def krippendorff_alpha(wide: pd.DataFrame) -> float:
    """Krippendorff's α (nominal) of a task × coder table of answers (missing: not answered)."""
    import krippendorff

    values = sorted({v for v in wide.to_numpy().ravel() if isinstance(v, str)})
    codes = {value: i for i, value in enumerate(values)}
    data = np.array([[codes[v] if isinstance(v, str) else np.nan for v in wide[c]] for c in wide.columns], dtype=float)
    if len(values) < 2:
        return 1.0 if len(values) == 1 else float("nan")  # every coder gave the same single answer
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _gold(coded: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coding tasks' majority labels, and the units without one; an unsure coder counts among a unit's
    coders but gives it no label."""
    gold, disputed = [], []
    for task, group in coded.groupby("task", sort=True):
        first = group.iloc[0]
        counts = group.loc[group["answer"] != UNSURE, "answer"].value_counts()
        label, votes = (counts.index[0], int(counts.iloc[0])) if len(counts) else ("", 0)
        unit = first["unit_id"]
        if votes * 2 > len(group):
            gold.append({"doc": first["doc_id"], "unit": unit, "label": label, "heading": first["heading"],
                         "text": first["text"], "coders": len(group), "agreement": round(votes / len(group), 3)})
        else:
            disputed.append({"task": task, "doc": first["doc_id"], "unit": unit, "heading": first["heading"],
                             "text": first["text"], **dict(zip(group["coder"], group["answer"]))})
    base = ["task", "doc", "unit", "heading", "text"]
    return pd.DataFrame(gold, columns=list(GOLD_HEADER)), pd.DataFrame(disputed, columns=base if not disputed else None)


def write_scores(scores: Scores, out_dir: str | Path) -> dict[str, Path]:
    """The tables as CSV, GOLD.tsv and disagreements.tsv in ``out_dir``; returns name → path."""
    out_dir = Path(out_dir)
    written = {}
    for name in ("word_topics", "word_models", "theme_models", "coders"):
        written[name] = _write_text(getattr(scores, name).to_csv(index=False), out_dir / f"{name}.csv")
    if scores.agreement.empty:  # the module docstring says why no empty table
        (out_dir / AGREEMENT_FILE).unlink(missing_ok=True)
    else:
        written["agreement"] = _write_text(scores.agreement.to_csv(index=False), out_dir / AGREEMENT_FILE)
    written["gold"] = _write_tsv(scores.gold, out_dir / "GOLD.tsv")
    if scores.notes is None or scores.notes.empty:  # none written: no file, and none left from earlier answers
        (out_dir / NOTES_FILE).unlink(missing_ok=True)
    else:
        written["notes"] = _write_text(scores.notes.to_csv(index=False), out_dir / NOTES_FILE)
    written["disagreements"] = _write_tsv(scores.disagreements, out_dir / "disagreements.tsv")
    return written


def _write_text(text: str, path: Path) -> Path:
    with open_output(path, newline="") as out:  # whole or not at all; a bad path is a one-line error
        out.write(text)
    return path


def _write_tsv(table: pd.DataFrame, path: Path) -> Path:
    """Tab-separated, one unit a line: tabs and line breaks inside a field become spaces (GOLD.tsv is
    read without quoting)."""
    def cell(value) -> str:
        return " ".join(str("" if value is None or (isinstance(value, float) and math.isnan(value)) else value).split())

    lines = ["\t".join(table.columns)] + ["\t".join(cell(v) for v in row) for row in table.itertuples(index=False)]
    return _write_text("\n".join(lines) + "\n", path)
