"""comparison.md: mean ± sd of every metric per model and k, the parameters and the metrics' citations."""

from __future__ import annotations

import json

import pandas as pd

from .labels import OTHER, UNMAPPED
from .metrics import METRICS, higher_is_better
from .run_folder import RunFolder


def comparison_markdown(run: RunFolder, metrics: pd.DataFrame, flags: pd.DataFrame | None = None) -> str:
    """Mean ± sd of every metric per model and k, the best of each column in bold, every parameter stated;
    ``flags``: the validity flags to list (each model's primary fit)."""
    config, summary, themes = run.config, run.summary, run.lexicon.names
    capabilities = {fit.model: fit.capabilities for fit in run.fits()}
    columns = [c for c in metrics.columns if c not in ("model", "k", "seed")]
    directions = {name: higher_is_better(name) for name in columns}
    numeric = metrics[columns].apply(pd.to_numeric, errors="coerce")  # None (undefined) -> NaN
    grouped = numeric.groupby([metrics["model"], metrics["k"]], sort=False)
    means, sds = grouped.mean(), grouped.std()
    counts = grouped.size()
    best = {}
    for column in columns:
        if column in METRICS and not METRICS[column].reliable:
            continue  # reported for the literature, not to choose by: never marked best
        values = means[column].dropna()
        if len(values) > 1:
            best[column] = values.idxmax() if directions[column] else values.idxmin()

    labels = config["evaluation"]["labels"]
    lines = [f"# Model comparison: {config['run']['name']}", ""]
    lines.append(
        f"Corpus: {summary['documents']} documents, {summary['units']} units — {summary['units_fitted']} fitted, "
        f"{summary['units_heldout']} held out, {summary['units_empty']} empty after filtering, "
        f"{summary['units_excluded_by_vocabulary']} without a vocabulary word; "
        f"vocabulary {summary['vocabulary']} terms, {summary.get('vocabulary_lexicon_only', 0)} of them lexicon words "
        f"the corpus does not use, kept for new text "
        f"(no_below={config['vocabulary']['no_below']}, no_above={config['vocabulary']['no_above']}, "
        f"keep_n={config['vocabulary']['keep_n']}). Seeds: {', '.join(map(str, config['run']['seeds']))}. "
        f"Themes: {', '.join(themes)} (lexicon: {config['themes']['lexicon'] or 'the package default'})."
    )
    lines.append("")
    skipped = summary.get("files_skipped") or []
    if skipped:
        lines.append(f"Files skipped while reading the corpus ({len(skipped)}): " + "; ".join(
            f"{entry['path']} ({entry['reason']})" for entry in skipped[:10]) + (" …" if len(skipped) > 10 else "")
            + " — in full in corpus_summary.json.")
        lines.append("")
    lines.append("Each cell is mean ± sd over seeds; the best value of each column is in **bold** "
                 "(↑ higher is better, ↓ lower is better; metrics marked unreliable are never bold).")
    lines.append("")
    if labels == "weak":
        lines.append(
            f"Label scores compare each fitted unit's theme with the theme its heading names (weak labels; "
            f"{summary['units_labelled']} of {summary['units']} units have one). The headings are matched with the "
            "same theme lexicon that the dictionary baseline and the seeded models use, so those models are "
            "favoured: read their label scores as agreement with the lexicon, not as accuracy. The heading bonus "
            f"(themes.heading_bonus = {config['themes'].get('heading_bonus', 0)}) adds weight to the theme a unit's "
            "heading names, which favours every model on these labels further.")
    else:
        lines.append(f"Label scores compare each fitted unit's theme with its hand-coded label in {labels} "
                     f"({summary['units_labelled']} of {summary['units']} units labelled).")
    from .report.page import model_note  # here: the report package draws with matplotlib

    for name in config["models"]:
        has_k, deterministic = capabilities[name]["has_k"], capabilities[name]["deterministic"]
        if model_note(capabilities[name]):
            lines += ["", f"`{name}` is {model_note(capabilities[name])}."]
        if not has_k or deterministic:
            lines.append("")
            what = (f"`{name}` has no k parameter: its k is its number of topics, one per theme plus '{OTHER}' "
                    f"({len(themes) + 1}). " if not has_k else f"`{name}` ")
            lines.append(what + ("It has no randomness, so it is fitted once (first seed)." if deterministic else ""))
    lines.append("")
    header = ["model", "k", "seeds"] + [f"{c} {'↑' if directions[c] else '↓'}" for c in columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for key in means.index:
        cells = [key[0], str(key[1]), str(counts[key])]
        for column in columns:
            mean, sd = means.at[key, column], sds.at[key, column]
            if pd.isna(mean):
                cells.append("n/a")
                continue
            text = f"{mean:.3f}" if pd.isna(sd) else f"{mean:.3f} ± {sd:.3f}"
            cells.append(f"**{text}**" if best.get(column) == key else text)
        lines.append("| " + " | ".join(cells) + " |")
    if flags is not None and not flags.empty:
        lines += ["", "## Validity flags", "",
                  "Topics of each model's first fit whose theme a reviewer should check (the report's Validity flags "
                  "section explains each flag and gives every fit):", ""]
        for row in flags.itertuples():
            words = f" — {row.words}" if row.words else ""
            lines.append(f"- `{row.model}` {row.topic or '(no topic)'} ({row.theme}): **{row.flag}**{words}")
    lines += ["", "## Parameters", ""]
    for name, params in config["models"].items():
        shown = ", ".join(f"{key}={value}" for key, value in params.items()) or "no parameters"
        lines.append(f"- `{name}`: {shown}")
    lines.append(f"- tokenizer ({summary['tokenizer']}): {json.dumps(config['tokenizer'], ensure_ascii=False)}")
    lines.append(f"- theme mapping: min_lift={config['themes']['min_lift']}, "
                 f"min_margin={config['themes'].get('min_margin', 1.0)} (free topics below min_lift are '{OTHER}', "
                 f"those that clear it without the margin over their rivals are '{UNMAPPED}'; `topics remap` maps "
                 "again without refitting)")
    lines.append(f"- evaluation: heldout_fraction={config['evaluation']['heldout_fraction']}, labels={labels}")
    lines += ["", "## Metrics", ""]
    for name in columns:
        if name in METRICS:
            metric = METRICS[name]
            caveat = "" if metric.reliable else " (unreliable: for comparison with the literature, not to choose by)"
            lines.append(f"- `{name}` {json.dumps(metric.params, ensure_ascii=False)}: {metric.citation}{caveat}")
    lines.append("- `topic_jaccard`, `assignment_ari`: stability across seeds (topics matched by Hungarian assignment; "
                 "mean top-10 Jaccard; ARI of the units' most probable topics), n/a with one seed.")
    lines.append("- `fit_seconds`, `peak_mb`: wall time and peak extra resident memory of the fit alone.")
    lines.append("- `heldout_perplexity` is defined for the LDA family only, on held-out units; gensim's and "
                 "scikit-learn's figures are computed differently and are not comparable with each other.")
    lines.append("- Why a score is n/a, or what a metric left out, is in `fits/<model>-k<k>-s<seed>/metric_notes.json`.")
    return "\n".join(lines) + "\n"
