"""The short coding guide shipped in every validation kit (guide.md, and inside the coding page).

Written for this package from the project's codebook: what each of the six labels covers and the
rules for the areas in between. A lexicon with other themes gets a line per theme naming its words."""

from __future__ import annotations

import html

from ..labels import OTHER
from ..lexicon import Lexicon

LABELS = {
    "ecology": "environment and ecology: pollution control, green and low-carbon change, energy saving and emission "
               "cuts, rivers, lakes, forests and grassland, carbon peak and neutrality, waste sorting, greening.",
    "industry": "the economy and its industries: manufacturing, the digital economy, technology and talent, "
                "agriculture and grain, services, tourism, consumption, trade and investment attraction, finance "
                "serving the real economy, the business environment, projects and infrastructure — and the economy "
                "in general (macro policy, growth, economic reform, opening up, regional layout).",
    "livelihood": "people's welfare: jobs, schools, health care, elderly and child care, social security, housing, "
                  "incomes, public culture and sports, poverty-relief follow-up, urban renewal and village living "
                  "conditions for residents, lists of welfare projects.",
    "governance": "how society and the government itself are run: grassroots governance, grid management, "
                  "mediation and petitions, public order and crime, rule of law, government services and "
                  "approvals, digital government, discipline and work style, ethnic and religious affairs.",
    "safety": "safety and risk: work safety, emergencies and disaster prevention, fire, food and drug safety, "
              "financial, debt and property-market risk, national security.",
    OTHER: "no theme dominates: praise and summaries across themes, slogans and political statements, general "
           "requirements, foreign affairs, defence, Hong Kong, Macao and Taiwan, reform in general, thanks and "
           "closings.",
}

RULES = [
    "Code whole paragraphs by reading them; do not count keywords.",
    "Give the label of the theme that takes the largest share of the paragraph's content (roughly, of its "
    "characters). Choose other when no theme has about half of it, or when two themes are within about ten "
    "points of each other.",
    "Economic policy of any kind is industry, including science, technology and talent.",
    "Culture is split: public culture and sports are livelihood, ideology is other, the culture-and-tourism "
    "business is industry.",
    "Business environment is industry; reform of government services is governance.",
    "Clean energy inside an ecology section is ecology, unless projects or markets dominate.",
    "Loyalty statements of the government-building section are other, not governance.",
]

TASKS = [
    "Word tasks: one of the words was put among a topic's most typical words; pick the one that does not fit.",
    "Theme tasks: all but one of the themes were found in the passage by a model; pick the one the passage is "
    "not about.",
    "Coding tasks: give each paragraph the one label below that fits it best.",
    "If you cannot tell, answer unsure (key 0; in tasks.tsv write unsure) rather than guess: it is counted, "
    "not scored. A note on any task that puzzled you (or on a label that does not fit) helps the researcher.",
]


def guide_lines(lexicon: Lexicon) -> list[tuple[str, str]]:
    """(label, what it covers) for every label of the lexicon, then other."""
    lines = []
    for theme in lexicon.names:
        described = LABELS.get(theme) or ("passages about " + "、".join(lexicon.themes[theme][:12]) + " …")
        lines.append((_shown(lexicon, theme), described))
    lines.append((OTHER, LABELS[OTHER]))
    return lines


def guide_markdown(lexicon: Lexicon) -> str:
    parts = ["# Coding guide", "", "Open coding.html in a browser (no network needed), choose your coder name and "
             "answer task by task; save your answers as CSV at the end (or whenever you stop) and send the file "
             "back. Your answers are kept in the browser between sessions. If you prefer a spreadsheet, fill the "
             "answer column of tasks.tsv with one of the options listed in its row and save it as tab-separated "
             "text under your name (e.g. ann.tsv).", "", "## Tasks", ""]
    parts += [f"- {line}" for line in TASKS]
    parts += ["", "## Labels", ""]
    parts += [f"- **{label}**: {text}" for label, text in guide_lines(lexicon)]
    parts += ["", "## Rules", ""] + [f"{i}. {rule}" for i, rule in enumerate(RULES, start=1)]
    return "\n".join(parts) + "\n"


def guide_html(lexicon: Lexicon) -> str:
    tasks = "".join(f"<li>{html.escape(line)}</li>" for line in TASKS)
    labels = "".join(f"<li><b>{html.escape(label)}</b>: {html.escape(text)}</li>" for label, text in guide_lines(lexicon))
    rules = "".join(f"<li>{html.escape(rule)}</li>" for rule in RULES)
    return f"<ul>{tasks}</ul><h3>Labels</h3><ul>{labels}</ul><h3>Rules</h3><ol>{rules}</ol>"


def _shown(lexicon: Lexicon, theme: str) -> str:
    label = lexicon.label(theme)
    return f"{theme} ({label})" if label else theme
