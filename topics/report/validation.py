"""Report sections of validation: representative units and validity flags, per model.

Each function takes the run folder and returns an HTML fragment for the report page (no script: the
page allows none) from the tables the run's validation stage wrote (examples.csv, flags.csv,
topic_evidence.csv). Everything from the run is escaped. A run without them (an older folder) gives a
one-line note instead of breaking the report."""

from __future__ import annotations

import html

import pandas as pd

from ..errors import InputError
from ..mapping import MappingSettings
from ..run_folder import RunFolder
from ..run_files import EXAMPLES, FLAGS, TOPIC_EVIDENCE
from ..validation.examples import EXAMPLE_COLUMNS
from ..validation.flags import FLAG_COLUMNS, FlagSettings

TEXT_SHOWN = 160  # characters of a unit's text in the report (the examples command gives all of it)
_NOT_WRITTEN = "this run folder has no {name}; run its config again (or `topics remap` it) to write it"


def examples_section(run: RunFolder) -> str:
    """Per model (primary fit), a collapsed block with the units that express each topic and each theme
    most, as examples.csv holds them."""
    table = run.table(EXAMPLES, tuple(EXAMPLE_COLUMNS))
    if table is None:
        return f"<p>Representative units are not available: {_esc(_NOT_WRITTEN.format(name=EXAMPLES))}</p>"
    n = int(table["rank"].max()) if len(table) else 0
    parts = [f"<p>For each topic and each theme of every model (first K, first seed), the {n} units with the "
             "highest share of it (θ for a topic, the theme's probability for a theme, as the unit was assigned); "
             "units the model has no evidence for are left out. <code>topics examples RUN_DIR</code> gives more, "
             "or the most typical units among those assigned (<code>--typical</code>).</p>"]
    for model, rows in table.groupby("model", sort=False):
        first = rows.iloc[0]
        blocks = []
        for (kind, target), group in rows.groupby(["kind", "target"], sort=False):
            title = f"{target} ({group.iloc[0]['theme']})" if kind == "topic" else f"theme {target}"
            shown = pd.DataFrame({
                "p": [f"{p:.3f}" for p in group["probability"]],
                "document": group["doc_id"], "year": group["year"].map(lambda y: "" if pd.isna(y) else int(y)),
                "region": group["region"].fillna(""), "heading": group["heading"],
                "text": [t if len(t) <= TEXT_SHOWN else t[: TEXT_SHOWN - 1] + "…" for t in group["text"]],
            })
            blocks.append(f"<h4>{_esc(title)}</h4>{_table(shown, 'words')}")
        parts.append(f"<details><summary>{_esc(model)} (K={int(first['k'])}, seed {int(first['seed'])}): "
                     f"{rows['target'].nunique()} topics and themes</summary>{''.join(blocks)}</details>")
    return "\n".join(parts)


def flags_section(run: RunFolder, settings: FlagSettings = FlagSettings()) -> str:
    """Per model: the validity flags of every fit, and the mapping evidence of its primary fit's topics."""
    flags = run.table(FLAGS, tuple(FLAG_COLUMNS))
    evidence = run.table(TOPIC_EVIDENCE)
    if flags is None or evidence is None:
        name = FLAGS if flags is None else TOPIC_EVIDENCE
        return f"<p>Validity flags are not available: {_esc(_NOT_WRITTEN.format(name=name))}</p>"
    try:
        fits = run.fits()
    except InputError as err:
        return f"<p>Validity flags are not available: {_esc(err)}</p>"
    min_lift = MappingSettings.from_config(run.config).min_lift
    parts = [f"<p>Flags mark topics whose theme a reviewer should check. They look at the probability mass of a "
             f"topic's {settings.n_words} most probable words and at which list names each word (a theme of the "
             "lexicon, the [other] words, or none), and, for topics without seeds, at the lifts their theme comes "
             f"from: <b>another_theme</b> (another theme's words outweigh its own, at least "
             f"{settings.min_share:.0%}), <b>other_words</b> (the [other] words do), <b>unlisted_words</b> (words of "
             "no list hold most of the mass, its own under half), <b>thin_margin</b> (best lift less than "
             f"{settings.min_margin:g} times the larger of the runner-up and min_lift; under the mapping's own "
             "min_margin a topic is left unmapped), <b>near_min_lift</b> (best lift less than "
             f"{settings.lift_slack:g} above min_lift = {min_lift:g}), <b>theme_without_topic</b> (no topic "
             "stands for a theme, so it is never assigned). A flag asks for a look, not a verdict.</p>"]
    for model in run.models:
        mine = [fit for fit in fits if fit.model == model]
        primary = next(fit for fit in mine if fit.primary)
        model_flags = flags[flags["model"] == model]
        topics = evidence[evidence["model"] == model]
        seeded = int(topics["seeded"].astype(str).eq("True").sum())
        parts.append(f"<h3>{_esc(model)}</h3>")
        if seeded:
            rest = "; the rest are mapped by lift" if seeded < primary.k else ""
            parts.append(f"<p>Its first {seeded} topics stand for the theme they were seeded with "
                         f"(or, for a lexicon baseline, are built from it){rest}.</p>")
        else:
            parts.append("<p>This model has no seeds: the theme of each of its topics comes from mapping by lift "
                         "(the evidence is below), not from the model.</p>")
        fits_text = f"{len(mine)} fit{'s' * (len(mine) > 1)}"
        if model_flags.empty:
            parts.append(f"<p>No flags in its {fits_text}.</p>")
        else:
            shown = model_flags[["k", "seed", "topic", "theme", "flag", "words", "detail"]]
            parts.append(f"<p>{len(model_flags)} flag{'s' * (len(model_flags) > 1)} in {fits_text}:</p>")
            parts.append(_table(shown, "words"))
        lift_columns = [c for c in topics.columns if c.startswith("lift_")]
        shown = topics[["topic", "theme", *lift_columns, "runner_up", "margin", "own_share", "unlisted_share",
                        "flags", "top_words"]].copy()
        for column in ("own_share", "unlisted_share"):
            shown[column] = [f"{v:.0%}" for v in shown[column]]
        parts.append(f"<details><summary>Mapping evidence of {_esc(primary.label())}: lift of each topic for each "
                     "theme and for the [other] words, margin (best lift ÷ the larger of the runner-up and min_lift), "
                     "share of the top-word mass of its own list and of no list</summary>"
                     f"{_table(shown, 'words')}</details>")
    return "\n".join(parts)


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _table(table: pd.DataFrame, classes: str) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    return (f'<div class="wide"><table class="{_esc(classes)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.3g}"
    return "" if value is None else str(value)
