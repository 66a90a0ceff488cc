"""The short coding guide shipped in every validation kit (guide.md, and inside the coding page), in
English and in Chinese for Chinese research assistants.

Written for this package from the project's codebook: what each of the six labels covers and the
rules for the areas in between. The label names stay as the codebook has them (they are the answers),
each with the lexicon's Chinese label as a gloss. A lexicon with other themes gets a line per theme
naming its words."""

from __future__ import annotations

import html

from ..labels import OTHER
from ..lexicon import Lexicon

LANGUAGES = ("en", "zh")  # the guide's and the coding page's languages; `topics validate --language`

LABELS = {
    "en": {
        "ecology": "environment and ecology: pollution control, green and low-carbon change, energy saving and "
                   "emission cuts, rivers, lakes, forests and grassland, carbon peak and neutrality, waste sorting, "
                   "greening.",
        "industry": "the economy and its industries: manufacturing, the digital economy, technology and talent, "
                    "agriculture and grain, services, tourism, consumption, trade and investment attraction, finance "
                    "serving the real economy, the business environment, projects and infrastructure — and the "
                    "economy in general (macro policy, growth, economic reform, opening up, regional layout).",
        "livelihood": "people's welfare: jobs, schools, health care, elderly and child care, social security, "
                      "housing, incomes, public culture and sports, poverty-relief follow-up, urban renewal and "
                      "village living conditions for residents, lists of welfare projects.",
        "governance": "how society and the government itself are run: grassroots governance, grid management, "
                      "mediation and petitions, public order and crime, rule of law, government services and "
                      "approvals, digital government, discipline and work style, ethnic and religious affairs.",
        "safety": "safety and risk: work safety, emergencies and disaster prevention, fire, food and drug safety, "
                  "financial, debt and property-market risk, national security.",
        OTHER: "no theme dominates: praise and summaries across themes, slogans and political statements, general "
               "requirements, foreign affairs, defence, Hong Kong, Macao and Taiwan, reform in general, thanks and "
               "closings.",
    },
    "zh": {
        "ecology": "生态文明与环境保护：污染防治、绿色低碳转型、节能减排、河湖林草、碳达峰碳中和、垃圾分类、国土绿化。",
        "industry": "经济与产业发展：制造业、数字经济、科技创新与人才、农业与粮食生产、服务业、旅游、消费、外贸与招商引资、"
                    "金融服务实体经济、营商环境、项目建设与基础设施；也包括泛泛而谈的经济内容（宏观政策、经济形势与增长、"
                    "经济体制改革、对外开放、区域经济布局）。",
        "livelihood": "民生福祉：就业、教育、医疗卫生、养老托育、社会保障、住房、居民收入、公共文化与群众体育、"
                      "巩固拓展脱贫攻坚成果、惠及居民的城市更新和农村人居环境、民生实事清单。",
        "governance": "社会治理与政府自身建设：基层治理、网格化管理、矛盾纠纷化解与信访、平安建设与打击违法犯罪、法治政府、"
                      "政务服务与审批制度改革、数字政府、纪律和作风建设、民族宗教事务。",
        "safety": "安全与风险防控：安全生产、应急管理与防灾减灾、消防、食品药品安全、金融风险、债务风险和房地产风险、"
                  "国家安全。",
        OTHER: "没有哪个主题占主导：对报告的肯定和跨主题的综述、口号和政治表态、总体要求、外事、国防、港澳台工作、"
               "泛泛而谈的改革，以及致谢和结束语。",
    },
}

RULES = {
    "en": [
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
    ],
    "zh": [
        "通读整段后再判断，不要靠数关键词。",
        "选择在段落内容中占比最大的主题（大致按字数估算）。如果没有哪个主题占到一半左右，或者两个主题的占比相差不到"
        "十个百分点左右，请选 other。",
        "各类经济政策都归 industry，科技和人才也归 industry。",
        "文化内容分开看：公共文化和群众体育归 livelihood，意识形态和精神文明建设归 other，文旅产业归 industry。",
        "落脚于营商环境的归 industry；落脚于政务服务改革的归 governance。",
        "生态环保部分里的清洁能源内容归 ecology，除非以项目或市场内容为主。",
        "政府自身建设部分中纯粹的政治表态（如讲政治、“两个确立”）归 other，不归 governance。",
    ],
}

TASKS = {
    "en": [
        "Word tasks: one of the words was put among a topic's most typical words; pick the one that does not fit.",
        "Theme tasks: all but one of the themes were found in the passage by a model; pick the one the passage "
        "is not about.",
        "Coding tasks: give each paragraph the one label below that fits it best.",
        "If you cannot tell, answer unsure (key 0; in tasks.tsv write unsure) rather than guess: it is counted, "
        "not scored. A note on any task that puzzled you (or on a label that does not fit) helps the researcher.",
    ],
    "zh": [
        "词语题：一组词语是某个主题最典型的词，其中混进了一个外来的词；请选出那个不属于这一组的词。",
        "主题题：列出的主题中，除了一个以外，都是模型在这段文字里找到的主题；请选出这段文字没有谈到的那个主题。",
        "编码题：请给每个段落选一个最贴切的标签（标签见下文）。",
        "实在拿不准时，请选“不确定”（快捷键 0；在 tasks.tsv 中填 unsure），不要硬猜：它会被统计，但不计入评分。"
        "遇到让您犹豫的题目（或者觉得哪个标签都不合适），欢迎写一条备注，这对研究者很有帮助。",
    ],
}

TEXT = {
    "en": {
        "title": "Coding guide",
        "intro": "Open coding.html in a browser (no network needed), choose your coder name and answer task by "
                 "task; save your answers as CSV at the end (or whenever you stop) and send the file back. Your "
                 "answers are kept in the browser between sessions. If you prefer a spreadsheet, fill the answer "
                 "column of tasks.tsv with one of the options listed in its row and save it as tab-separated text "
                 "under your name (e.g. ann.tsv).",
        "tasks": "Tasks", "labels": "Labels", "rules": "Rules",
        "words": "passages about {words} …",
    },
    "zh": {
        "title": "编码指南",
        "intro": "请用浏览器打开 coding.html（无需联网），选择您的编码员名称，然后逐题作答；做完后（或中途停下时）把答案"
                 "保存为 CSV 文件发回即可。答案会保存在浏览器里，下次打开可以接着做。如果您更习惯用电子表格，也可以在 "
                 "tasks.tsv 的 answer 列填写该行列出的选项之一，另存为制表符分隔的文本文件，并以您的名字命名（如 "
                 "ann.tsv）。",
        "tasks": "题型", "labels": "标签", "rules": "判断规则",
        "words": "涉及{words}等内容的段落。",
    },
}


def guide_lines(lexicon: Lexicon, language: str = "en") -> list[tuple[str, str]]:
    """(label, what it covers) for every label of the lexicon, then other."""
    described = LABELS[language]
    lines = []
    for theme in lexicon.names:
        text = described.get(theme) or TEXT[language]["words"].format(words="、".join(lexicon.themes[theme][:12]))
        lines.append((_shown(lexicon, theme, language), text))
    lines.append((_shown(lexicon, OTHER, language), described[OTHER]))
    return lines


def guide_markdown(lexicon: Lexicon, language: str = "en") -> str:
    text, colon = TEXT[language], "：" if language == "zh" else ": "
    parts = [f"# {text['title']}", "", text["intro"], "", f"## {text['tasks']}", ""]
    parts += [f"- {line}" for line in TASKS[language]]
    parts += ["", f"## {text['labels']}", ""]
    parts += [f"- **{label}**{colon}{covers}" for label, covers in guide_lines(lexicon, language)]
    parts += ["", f"## {text['rules']}", ""] + [f"{i}. {rule}" for i, rule in enumerate(RULES[language], start=1)]
    return "\n".join(parts) + "\n"


def guide_html(lexicon: Lexicon, language: str = "en") -> str:
    text, colon = TEXT[language], "：" if language == "zh" else ": "
    tasks = "".join(f"<li>{html.escape(line)}</li>" for line in TASKS[language])
    labels = "".join(f"<li><b>{html.escape(label)}</b>{colon}{html.escape(covers)}</li>"
                     for label, covers in guide_lines(lexicon, language))
    rules = "".join(f"<li>{html.escape(rule)}</li>" for rule in RULES[language])
    return (f"<ul>{tasks}</ul><h3>{html.escape(text['labels'])}</h3><ul>{labels}</ul>"
            f"<h3>{html.escape(text['rules'])}</h3><ol>{rules}</ol>")


def _shown(lexicon: Lexicon, theme: str, language: str = "en") -> str:
    label = lexicon.label(theme)
    if not label:
        return theme
    return f"{theme}（{label}）" if language == "zh" else f"{theme} ({label})"
