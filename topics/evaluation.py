"""Scores every saved model of a finished run against hand-coded units (a gold TSV)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from . import OTHER
from .documents import Unit
from .errors import InputError
from .metrics import label_agreement
from .models import load_model
from .themes import assignments
from .tokenize import Tokenizer, TokenizerSettings

GOLD_COLUMNS = ("doc", "unit", "label", "heading", "text")


def read_gold(path: str | Path, allowed_labels: list[str]) -> list[tuple[Unit, str]]:
    """Read GOLD.tsv into (unit, label) pairs; errors name the file and line at fault."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such gold file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = [c for c in GOLD_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; need {', '.join(GOLD_COLUMNS)}")
            rows = []
            for line, record in enumerate(reader, start=2):
                label = (record["label"] or "").strip()
                if label not in allowed_labels:
                    raise InputError(f"{path}:{line}: unknown label {label!r}; valid labels: {', '.join(allowed_labels)}")
                text = (record["text"] or "").strip()
                if not text:
                    raise InputError(f"{path}:{line}: empty text")
                unit = Unit(doc_id=record["doc"], unit_id=f"{record['doc']}:{record['unit']}", kind="gold",
                            heading=record["heading"] or "", text=text)
                rows.append((unit, label))
    except UnicodeDecodeError:
        raise InputError(f"{path}: gold file is not UTF-8 text") from None
    if not rows:
        raise InputError(f"{path}: no labelled units")
    return rows


def evaluate_run(run_dir: str | Path, gold_path: str | Path) -> pd.DataFrame:
    run_dir = Path(run_dir)
    if not (run_dir / "DONE").exists():
        raise InputError(f"{run_dir}: not a finished run folder (no DONE marker); run `topics run` first")
    model_dirs = sorted(p for p in (run_dir / "models").iterdir() if p.is_dir()) if (run_dir / "models").is_dir() else []
    if not model_dirs:
        raise InputError(f"{run_dir}: no saved models under models/")
    rows = []
    for model_dir in model_dirs:
        model = load_model(model_dir)
        themes = list(model.themes_)
        gold = read_gold(gold_path, themes + [OTHER])
        units = [unit for unit, _ in gold]
        tokenizer = Tokenizer(TokenizerSettings.from_dict(model.tokenizer_settings_))
        doc_topic = model.transform(tokenizer.tokenize([unit.text for unit in units]))
        predicted = assignments(model.result_, units, doc_topic=doc_topic)["theme"].tolist()
        scores = label_agreement([label for _, label in gold], predicted, themes + [OTHER])
        scores.pop("confusion", None)
        rows.append({"model": model_dir.name, "units": len(units), **scores})
    return pd.DataFrame(rows)
