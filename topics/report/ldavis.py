"""Offline LDAvis pages: one self-contained HTML file per topic model.

Stock pyLDAvis pages fail researchers in three ways, each handled here:

- offline they are blank (d3 and LDAvis come from a CDN): d3, the LDAvis script and its CSS
  are read from the installed pyLDAvis package and inlined, so the page fetches nothing;
- topics are renumbered: ``prepare`` runs with ``sort_topics=False``, so LDAvis position p is
  the model's topic row p-1, and the page labels every circle with the model's own topic id and
  its theme ("T3 ecology") and the bar-chart title and the "Selected Topic" field with id and theme
  ("T3 · ecology 生态"). LDAvis itself still counts positions 1..K internally (its topic
  input, the URL fragment); the numeric input box is hidden so only the model's ids show;
- its data JSON is pasted unescaped into a script block: here the data sits in a
  ``<script type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and U+2029
  written as ``\\uXXXX`` escapes, so no vocabulary term can end the block; LDAvis writes terms
  with d3 ``.text()`` (never as HTML), and the two places where it read a term back through
  ``innerHTML`` are patched to ``textContent``.

Three smaller fixes: the map keeps every circle inside its square (stock LDAvis cut off large circles
at its edge), term bars start at 0 tokens (stock LDAvis starts them at 1, so a term expected
less than once in a topic drew a negative width), and the selection is kept in a fragment-only URL.

NMF topics and weights hold exact zeros, which pyLDAvis turns into log(0) = -inf relevance
values; both distributions are floored at ``PROBABILITY_FLOOR`` and renormalised first.

Speed: ``prepare`` runs with ``n_jobs=1`` (a worker pool takes seconds to start) and with a
numpy version of its top-term search (``fast_relevance``), which gives identical data.
"""

from __future__ import annotations

import html
import json
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import open_output
from ..result import TopicResult
from ..labels import UNMAPPED
from ..lexicon import Lexicon

PROBABILITY_FLOOR = 1e-12  # replaces exact zeros; far below any probability a model really estimates
TERMS_SHOWN = 30  # bars in the term chart (LDAvis shows at most 30)
LAMBDA_STEP = 0.01

# Fonts that hold Chinese glyphs, tried in order, before the browser's generic sans-serif.
CJK_FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
                  '"PingFang SC", "Hiragino Sans GB", "SimHei", sans-serif')

# Changes to pyLDAvis' LDAvis script: (why, text in the script, replacement, times it must occur).
# If pyLDAvis ships a different script, a missing text stops the page instead of silently
# showing renumbered topics.
_SCRIPT_PATCHES = [
    ("circle labels show the model's topic ids",
     '.style("fontWeight", 100)\n            .text(function(d) {\n                return d.topics;\n            });',
     '.style("fontWeight", 100)\n            .text(function(d) {\n                return ldavisTopicLabel(d.topics, false);\n            });',
     1),
    ("bar-chart title names the topic by id and theme",
     '" Most Relevant Terms for Topic " + topics + " ("',
     '" Most Relevant Terms for " + ldavisTopicLabel(topics, true) + " ("',
     1),
    ("the Selected Topic field shows the topic's id and theme",
     "circle.style.fill = color2;",
     'circle.style.fill = color2;\n            d3.select("#" + topicID + "-value").text(ldavisTopicLabel(topics, true));',
     1),
    ("the Selected Topic field clears with the selection",
     "circle.style.fill = color1;",
     'circle.style.fill = color1;\n            d3.select("#" + topicID + "-value").text("");',
     1),
    # The stock map pads only 5% of the topics' spread, so a large circle at its edge (and its label) was
    # cut off by the page or ran under the bar chart; the map now keeps every circle's radius (and room for
    # a label) inside its square.
    ("circles and their labels stay inside the map",
     "        // create linear scaling to pixels (and add some padding on outer region of scatterplot)\n",
     "        var circlePad = Math.max(40, 2 + d3.max(mdsData, function(d) {\n"
     "            return Math.sqrt((d.Freq/100)*mdswidth*mdsheight*circle_prop/Math.PI);\n"
     "        }));\n",
     1),
    ("the map's x axis leaves room for the circles", ".range([0, mdswidth])", ".range([circlePad, mdswidth - circlePad])", 2),
    ("the map's y axis leaves room for the circles", ".range([mdsheight, 0])", ".range([mdsheight - circlePad, circlePad])", 2),
    # The stock bar scale starts at 1 token, so a term expected less than once in a topic (common
    # in small corpora) got a negative bar width and a console error; bars now start at 0.
    ("term bars are drawn from 0 tokens",
     ".domain([1, d3.max(",
     ".domain([0, d3.max(",
     4),
    ("terms are read back as text, never as HTML",
     "term.innerHTML",
     "term.textContent",
     2),
    # The stock state URL starts with location.origin, which some browsers (Firefox) give as
    # "null" for a file opened from disk, so history.replaceState fails on every click there;
    # a fragment-only URL works in every browser, from disk or from a server.
    ("the selection is kept in the URL fragment only",
     'return location.origin + location.pathname + "#topic=" + vis_state.topic +\n'
     '                "&lambda=" + vis_state.lambda + "&term=" + vis_state.term;',
     'return "#topic=" + vis_state.topic + "&lambda=" + vis_state.lambda +\n'
     '                "&term=" + encodeURIComponent(vis_state.term);',
     1),
    ("a term in the URL fragment is decoded, a broken fragment ignored",
     'vis_state.term = params[2].split("=")[1];',
     'vis_state.term = (function (part) {\n'
     '                try { return decodeURIComponent((part || "").split("=")[1] || ""); } catch (e) { return ""; }\n'
     '            })(params[2]);',
     1),
]


def write_ldavis(result: TopicResult, path: str | Path, *, theme_names: dict[str, str] | None = None,
                 back_link: str | None = None, evidence: pd.DataFrame | None = None, description: str = "") -> Path:
    """Write an offline LDAvis page for ``result`` to ``path`` and return the path.

    ``theme_names`` maps a theme to the name shown (default: the name plus its Chinese label
    from the package's theme lexicon, e.g. "ecology 生态"); ``back_link`` is a relative link
    shown at the top (the report page links its LDAvis pages back to itself); ``evidence``: the mapping
    evidence of each topic (topics.mapping.mapping_evidence), shown in a table under the chart; ``description``:
    what the model is, shown under the title (a classifier's topics are its labels, not topics found in the corpus).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prepared = prepare_ldavis(result)
    labels = topic_labels(result, theme_names if theme_names is not None else theme_display_names())
    with open_output(path) as out:
        out.write(ldavis_html(result, prepared.to_dict(), labels, back_link=back_link, evidence=evidence,
                              description=description))
    return path


def page_inputs(result: TopicResult) -> tuple:
    """What of ``result`` its page is drawn from (its other fields, such as the mapping's settings, change nothing
    on it): the inputs the report's manifest keeps a page by (topics.report.drawn)."""
    return (result.model_name, result.vocab, result.topic_word, result.doc_topic, result.doc_lengths,
            result.term_frequency, result.topic_ids, result.topic_themes)


def prepare_ldavis(result: TopicResult):
    """pyLDAvis' prepared data, topics in the model's own order (position p = topic row p-1)."""
    import pyLDAvis  # imported here: it pulls in joblib and scikit-learn's manifold module

    doc_lengths = np.nan_to_num(result.doc_lengths.astype(float))
    if doc_lengths.sum() <= 0:
        doc_lengths = np.ones_like(doc_lengths)
    with fast_relevance():
        return pyLDAvis.prepare(
            topic_term_dists=floored(result.topic_word),
            doc_topic_dists=floored(result.doc_topic),
            doc_lengths=doc_lengths,
            vocab=list(result.vocab),
            term_frequency=np.nan_to_num(result.term_frequency.astype(float)),
            R=TERMS_SHOWN,
            lambda_step=LAMBDA_STEP,
            mds=topic_coordinates,
            n_jobs=1,  # a worker pool costs seconds to start and gains nothing on pages this size
            sort_topics=False,
            start_index=1,
        )


@contextmanager
def fast_relevance():
    """Run pyLDAvis.prepare with a numpy version of its per-λ top-term search.

    pyLDAvis finds each topic's R most relevant terms at each of the 101 λ values with a pandas
    ``nlargest`` per topic and λ, which is 95% of its time (about 1 s for K=10). The numpy version
    returns the same terms in the same order (ties to the lower term id, as ``nlargest`` keeps
    the first); test_ldavis checks that both give identical data. Left as is when pyLDAvis has
    no such function."""
    from pyLDAvis import _prepare

    original = getattr(_prepare, "_find_relevance", None)
    if original is None:
        yield
        return
    _prepare._find_relevance = _top_relevant_terms
    try:
        yield
    finally:
        _prepare._find_relevance = original


def _top_relevant_terms(log_ttd, log_lift, R, lambda_):
    relevance = lambda_ * log_ttd.to_numpy() + (1 - lambda_) * log_lift.to_numpy()
    if relevance.shape[1] <= R or np.isnan(relevance).any():
        top = np.argsort(-relevance, axis=1, kind="stable")[:, :R]
    else:
        top = np.stack([_top_of_row(row, R) for row in relevance])
    return pd.DataFrame(log_ttd.columns.to_numpy()[top].T, columns=log_ttd.index)


def _top_of_row(row: np.ndarray, R: int) -> np.ndarray:
    """The ids of the R largest values of ``row``, largest first, ties to the lower id: a stable sort of the
    whole row cut to R, without sorting the whole vocabulary (101 λ values × K topics)."""
    cut = np.partition(row, row.size - R)[row.size - R]  # the R-th largest value
    candidates = np.flatnonzero(row >= cut)  # in id order; every value tied with the R-th largest is in
    return candidates[np.argsort(-row[candidates], kind="stable")[:R]]


def floored(distributions: np.ndarray) -> np.ndarray:
    """Rows as probability distributions with no exact zeros (an all-zero row becomes uniform)."""
    values = np.maximum(np.nan_to_num(np.asarray(distributions, dtype=float)), PROBABILITY_FLOOR)
    return values / values.sum(axis=1, keepdims=True)


def topic_coordinates(topic_word) -> np.ndarray:
    """Topic positions on the map: Jensen–Shannon distances scaled to 2-D by principal coordinates.

    Principal coordinate analysis (LDAvis' own default) is deterministic and fast; a model
    with a single topic gets the origin.
    """
    from pyLDAvis import js_PCoA

    matrix = np.asarray(topic_word, dtype=float)
    if matrix.shape[0] < 2:
        return np.zeros((matrix.shape[0], 2))
    return np.real(js_PCoA(matrix))


def theme_display_names(lexicon: Lexicon | None = None) -> dict[str, str]:
    """Theme → "name label" (e.g. "ecology 生态") from the lexicon's optional labels (default: the package's)."""
    lexicon = lexicon or Lexicon.load()
    return {theme: f"{theme} {label}" if label else theme for theme, label in lexicon.labels.items()}


def topic_labels(result: TopicResult, theme_names: dict[str, str]) -> list[dict[str, str]]:
    """Per LDAvis position: a short label for its circle (the model's id and theme, "T3 ecology") and a long one
    ("T3 · ecology 生态")."""
    themes = result.topic_themes or [""] * result.k
    labels = []
    for topic_id, theme in zip(result.topic_ids, themes):
        short = f"T{topic_id}"
        name = theme_names.get(theme, theme) if theme else ""
        if theme == UNMAPPED:  # named by its words: it stands for no theme
            name = f"{UNMAPPED}: " + " ".join(result.top_words(4)[result.topic_ids.index(topic_id)])
        labels.append({"short": f"{short} {theme}" if theme else short, "long": f"{short} · {name}" if name else short})
    return labels


def script_json(value) -> str:
    """JSON safe inside an HTML script block: nothing in it can close the block or break a JS string."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=_plain)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def inline_script(code: str) -> str:
    """Library code made safe to paste into a script element."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def ldavis_script() -> str:
    """pyLDAvis' LDAvis script with the label, escaping and offline-URL patches applied."""
    import pyLDAvis
    from pyLDAvis import urls

    script = Path(urls.LDAVIS_LOCAL).read_text(encoding="utf-8")
    for why, old, new, times in _SCRIPT_PATCHES:
        found = script.count(old)
        if found != times:
            raise RuntimeError(
                f"pyLDAvis {pyLDAvis.__version__}: its LDAvis script ({urls.LDAVIS_LOCAL}) differs from the one "
                f"this package was written for; cannot apply the change '{why}' (found {found} times, expected {times})")
        script = script.replace(old, new)
    return script


def ldavis_html(result: TopicResult, data: dict, labels: list[dict[str, str]], *, back_link: str | None = None,
                evidence: pd.DataFrame | None = None, description: str = "") -> str:
    from pyLDAvis import urls

    d3 = Path(urls.D3_LOCAL).read_text(encoding="utf-8")
    css = Path(urls.LDAVIS_CSS_LOCAL).read_text(encoding="utf-8")
    title = f"LDAvis · {result.model_name} · K={result.k}"
    themes = ", ".join(f"{label['long']}" for label in labels)
    back = f'<a href="{html.escape(back_link, quote=True)}">← report</a> · ' if back_link else ""
    about = f'<p class="model">{html.escape(description)}</p>' if description else ""
    payload = script_json({"ldavis": data, "labels": labels})
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{html.escape(title)}</title>
<style>{inline_script(css)}</style>
<style>
body {{ font-family: {CJK_FONT_STACK}; margin: 1em; }}
#ldavis text {{ font-family: {CJK_FONT_STACK}; }}
#ldavis-topic {{ display: none; }}  /* LDAvis' numeric position box: the model's ids show instead */
#ldavis-topic-value {{ font-weight: bold; margin-right: 0.5em; }}
header p {{ margin: 0.3em 0; color: #444; font-size: 14px; }}
.evidence {{ max-width: 60em; font-size: 14px; }}
.evidence th, .evidence td {{ padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: right; }}
.evidence th:nth-child(-n+3), .evidence td:nth-child(-n+3) {{ text-align: left; }}
</style>
</head>
<body>
<header>
<h1 style="font-size: 20px; margin: 0 0 0.3em 0">{html.escape(title)}</h1>
{about}<p>{back}Topics keep the model's own ids (T0, T1, …) and show their theme. Click a circle to select a topic;
the slider λ re-ranks its terms (λ = 1: most probable in the topic; λ → 0: most specific to it).</p>
<p>Topics: {html.escape(themes)}</p>
</header>
<div id="ldavis"></div>
{evidence_table(evidence)}
<script type="application/json" id="ldavis-data">{payload}</script>
<script>{inline_script(d3)}</script>
<script>{inline_script(ldavis_script())}</script>
<script>
(function () {{
  var payload = JSON.parse(document.getElementById("ldavis-data").textContent);
  window.ldavisTopicLabel = function (position, long) {{
    var label = payload.labels[position - 1];
    return label ? (long ? label.long : label.short) : String(position);
  }};
  new LDAvis("#ldavis", payload.ldavis);
}})();
</script>
</body>
</html>
"""


def evidence_table(evidence: pd.DataFrame | None) -> str:
    """The mapping evidence of every topic as an HTML table (every cell escaped); "" without evidence."""
    if evidence is None or evidence.empty:
        return ""
    lifts = [c for c in evidence.columns if c.startswith("lift_")]
    head = "".join(f"<th>{html.escape(c.removeprefix('lift_'))}</th>" for c in lifts)
    rows = []
    for row in evidence.to_dict("records"):  # theme names are user data: never attribute names
        cells = "".join(f"<td>{row[c]:.2f}</td>" for c in lifts)
        margin = "" if pd.isna(row["margin"]) else f"{row['margin']:.2f}"
        rows.append(f"<tr><td>T{html.escape(str(row['topic']))}</td><td>{html.escape(str(row['theme']))}</td>"
                    f"<td>{html.escape(str(row['decided']))}</td>{cells}<td>{margin}</td></tr>")
    return ('<section class="evidence"><h2 style="font-size: 16px">How each topic got its theme</h2>'
            "<p>Lift of each topic for each theme's words and for the [other] words (1 = no more than the corpus "
            "uses them). A seeded topic keeps the theme it was seeded with; any other topic is named after its "
            "best theme only when that lift clears min_lift, its other themes and the [other] words by the margin "
            "(best lift ÷ the largest of those); otherwise it is unmapped or other.</p>"
            f'<table style="border-collapse: collapse; font-size: 13px"><thead><tr><th>topic</th><th>theme</th>'
            f"<th>decided</th>{head}<th>margin</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _plain(value):
    """numpy and pandas scalars and arrays as plain JSON values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
