"""The offline coding page of a validation kit: one HTML file, its CSS and script inline, no network.

A coder opens it from disk (file://), picks who they are, and answers the tasks one at a time with the
mouse or the keyboard (1–9 pick an option, 0 "unsure", ← → move between tasks), and may write a note on
any task. Answers and notes are kept in the browser's localStorage under the kit's id and the coder, so a
coder can close the page and go on later; "Save answers" downloads them as CSV (kit, coder, task, kind,
answer, note) for ``topics validate --score``. Every text of the page is shipped in English and Chinese (STRINGS, and the
guide in both); a button switches between them, the kit's language is the first one shown, and a coder's
choice is kept in the browser.

Every string from the run is escaped: static text with html.escape, task data as JSON inside a
<script type="application/json"> with every "<" written as \\u003c (so "</script>" and "<!--" cannot
end or confuse the block); the script puts text into the page with textContent only."""

from __future__ import annotations

import html
import json

UNSURE = "unsure"  # the answer of a coder who cannot tell: counted, never scored (topics.validation.scoring)
# every text the page shows, per language (the option labels and task texts come from the kit)
STRINGS = {
    "en": {
        "name": "English", "html_lang": "en",
        "prompts": {
            "word": "Which word does not belong with the others?",
            "theme": "Which theme is this passage NOT about? The other options are themes the model found in it.",
            "code": "Which label fits this passage best? (See the coding guide.)",
        },
        "intro": "Choose who you are. Your answers stay in this browser until you save them; you can stop at any "
                 "time and go on later from where you left off.",
        "coder_done": "{done} of {total} answered",
        "counter": "Task {n} of {total} · {done} answered",
        "heading": "Heading: ",
        "unsure": "Unsure: I cannot tell",
        "note": "Note on this task (optional; write it before you answer):",
        "prev": "← Previous", "next": "Next →", "first_open": "First unanswered", "save": "Save answers (CSV)",
        "switch": "Change coder",
        "done": "All tasks are answered. Save your answers and send the CSV file back.",
        "keys": "Keys: 1–9 choose an option · 0 unsure · ← → previous / next task. Coder:",
        "guide": "Coding guide",
    },
    "zh": {
        "name": "中文", "html_lang": "zh-CN",
        "prompts": {
            "word": "下面哪个词和其他词不是一类？",
            "theme": "这段文字没有谈到下面哪个主题？其余选项是模型在这段文字里找到的主题。",
            "code": "哪个标签最符合这段文字？（请参照编码指南。）",
        },
        "intro": "请先选择您的编码员身份。答案会保存在这个浏览器里，直到您导出为止；您可以随时停下，下次打开后从上次停下"
                 "的地方接着做。",
        "coder_done": "已答 {done} / {total} 题",
        "counter": "第 {n} 题，共 {total} 题 · 已答 {done} 题",
        "heading": "标题：",
        "unsure": "不确定：我判断不了",
        "note": "本题备注（选填；请在作答之前填写）：",
        "prev": "← 上一题", "next": "下一题 →", "first_open": "跳到第一道未答题", "save": "保存答案（CSV）",
        "switch": "切换编码员",
        "done": "所有题目都已作答。请保存答案，并把 CSV 文件发回。",
        "keys": "快捷键：1–9 选择选项 · 0 不确定 · ← → 上一题／下一题。编码员：",
        "guide": "编码指南",
    },
}


def script_json(data) -> str:
    """JSON safe inside a <script> element: no "<", ">" or "&" appears literally."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def coding_page_html(kit: dict, tasks: list[dict], guides: dict[str, str], language: str = "en") -> str:
    """The page. ``kit``: id, title, coders; ``tasks``: id, kind, heading, text, options [{value, label}];
    ``guides``: the coding guide in each language of STRINGS, already escaped HTML; ``language``: the one
    shown first."""
    data = {"kit": kit["id"], "coders": kit["coders"], "strings": STRINGS, "language": language, "tasks": tasks,
            "unsure": UNSURE}
    title = html.escape(kit["title"])
    shown = STRINGS[language]

    def text(key: str) -> str:  # the first language's text; the script sets it again on a switch
        return f'data-text="{key}">{html.escape(shown[key])}'

    other = next(name for name in STRINGS if name != language)
    guide = "".join(f'<div class="guide" data-lang="{name}"{"" if name == language else " hidden"}>{guides[name]}</div>'
                    for name in STRINGS)
    return f"""<!DOCTYPE html>
<html lang="{shown['html_lang']}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<p class="language"><button type="button" id="language">{html.escape(STRINGS[other]["name"])}</button></p>
<h1>{title}</h1>
<section id="start">
<p {text("intro")}</p>
<div id="coders"></div>
</section>
<section id="work" hidden>
<div class="bar"><div id="progress-fill"></div></div>
<p id="counter" aria-live="polite"></p>
<p id="prompt"></p>
<p id="heading"></p>
<blockquote id="text"></blockquote>
<div id="options" role="group"></div>
<button type="button" id="unsure"><span class="key">0</span><span {text("unsure")}</span></button>
<label for="note" id="note-label" {text("note")}</label>
<textarea id="note" rows="2"></textarea>
<p class="nav">
<button type="button" id="prev" {text("prev")}</button>
<button type="button" id="next" {text("next")}</button>
<button type="button" id="first-open" {text("first_open")}</button>
<button type="button" id="save" {text("save")}</button>
<button type="button" id="switch" {text("switch")}</button>
</p>
<p id="done" hidden {text("done")}</p>
<p class="help"><span {text("keys")}</span> <span id="coder-name"></span></p>
<details id="guide"><summary {text("guide")}</summary>{guide}</details>
</section>
<script type="application/json" id="kit-data">{script_json(data)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
  "Hiragino Sans GB", "SimHei", sans-serif; max-width: 60em; margin: 0 auto; padding: 1em 1.5em; color: #222; line-height: 1.6; }
button { font: inherit; margin: 0.2em; padding: 0.35em 0.8em; cursor: pointer; }
#options button { display: block; width: 100%; text-align: left; margin: 0.3em 0; padding: 0.5em 0.8em;
  border: 1px solid #bbb; background: #fafafa; border-radius: 4px; }
#options button.chosen { background: #cde3ff; border-color: #2a6ebb; font-weight: bold; }
#options .key, #unsure .key { display: inline-block; width: 1.6em; color: #666; }
.bar { height: 0.6em; background: #eee; border-radius: 3px; overflow: hidden; }
#progress-fill { height: 100%; width: 0; background: #2a6ebb; }
#prompt { font-weight: bold; }
#heading { color: #555; }
blockquote { margin: 0.5em 0; padding: 0.6em 1em; background: #f7f7f7; border-left: 4px solid #ccc; }
blockquote:empty, #heading:empty { display: none; }
.help { color: #666; font-size: 0.9em; }
.language { float: right; margin: 0; }
#unsure { margin: 0.3em 0; padding: 0.4em 0.8em; border: 1px dashed #999; background: #fff; border-radius: 4px; }
#unsure.chosen { background: #ffe9b3; border: 1px solid #b07d00; font-weight: bold; }
#note-label { display: block; margin-top: 0.6em; color: #555; }
#note { width: 100%; box-sizing: border-box; font: inherit; }
"""

SCRIPT = r"""
"use strict";
const KIT = JSON.parse(document.getElementById("kit-data").textContent);
const $ = (id) => document.getElementById(id);
let coder = null, answers = {}, notes = {}, position = 0;
const LANGUAGES = Object.keys(KIT.strings), languageKey = "topics-kit-language:" + KIT.kit;
let language = KIT.language;
try { const kept = localStorage.getItem(languageKey); if (LANGUAGES.includes(kept)) language = kept; }
catch (error) { /* storage off: the kit's language */ }
const T = () => KIT.strings[language];
function fill(template, values) { return template.replace(/\{(\w+)\}/g, (all, name) => String(values[name])); }

function storageKey(name) { return "topics-kit:" + KIT.kit + ":" + name; }
function load(name) {
  try { return JSON.parse(localStorage.getItem(storageKey(name))) || {answers: {}, notes: {}, position: 0}; }
  catch (error) { return {answers: {}, notes: {}, position: 0}; }
}
function store() {
  try { localStorage.setItem(storageKey(coder), JSON.stringify({answers: answers, notes: notes, position: position})); }
  catch (error) { /* storage full or off: answers live until the page closes; saving still works */ }
}
function answeredCount() { return KIT.tasks.filter((task) => task.id in answers).length; }

function showStart() {
  coder = null;
  $("work").hidden = true; $("start").hidden = false;
  const box = $("coders"); box.textContent = "";
  KIT.coders.forEach((name, i) => {
    const saved = load(name), done = KIT.tasks.filter((task) => task.id in saved.answers).length;
    const button = document.createElement("button");
    button.type = "button"; button.className = "coder"; button.dataset.coder = name;
    button.textContent = (i + 1) + "  " + name + " — " + fill(T().coder_done, {done: done, total: KIT.tasks.length});
    button.addEventListener("click", () => begin(name));
    box.appendChild(button);
  });
}

function begin(name) {
  coder = name;
  const saved = load(name);
  answers = saved.answers; notes = saved.notes || {}; position = Math.min(saved.position || 0, KIT.tasks.length - 1);
  $("start").hidden = true; $("work").hidden = false;
  $("coder-name").textContent = name;
  show();
}

function show() {
  const task = KIT.tasks[position], done = answeredCount();
  $("counter").textContent = fill(T().counter, {n: position + 1, total: KIT.tasks.length, done: done});
  $("progress-fill").style.width = (100 * done / KIT.tasks.length) + "%";
  $("prompt").textContent = T().prompts[task.kind];
  $("heading").textContent = task.heading ? T().heading + task.heading : "";
  $("text").textContent = task.text || "";
  const box = $("options"); box.textContent = "";
  task.options.forEach((option, i) => {
    const button = document.createElement("button");
    button.type = "button"; button.dataset.value = option.value;
    if (answers[task.id] === option.value) button.classList.add("chosen");
    const key = document.createElement("span"); key.className = "key"; key.textContent = String(i + 1);
    button.appendChild(key); button.appendChild(document.createTextNode(option.label));
    button.addEventListener("click", () => choose(i));
    box.appendChild(button);
  });
  $("unsure").classList.toggle("chosen", answers[task.id] === KIT.unsure);
  $("note").value = notes[task.id] || "";
  $("prev").disabled = position === 0;
  $("next").disabled = position === KIT.tasks.length - 1;
  $("done").hidden = done < KIT.tasks.length;
}

function choose(i) {
  const task = KIT.tasks[position];
  if (i < -1 || i >= task.options.length) return;
  answers[task.id] = i === -1 ? KIT.unsure : task.options[i].value;  // -1: unsure
  if (position < KIT.tasks.length - 1) position += 1;
  store(); show();
}

function move(step) {
  position = Math.max(0, Math.min(KIT.tasks.length - 1, position + step));
  store(); show();
}

function firstOpen() {
  const open = KIT.tasks.findIndex((task) => !(task.id in answers));
  if (open >= 0) { position = open; store(); show(); }
}

function csvField(value) { return '"' + String(value).replace(/"/g, '""') + '"'; }

function save() {
  const rows = [["kit", "coder", "task", "kind", "answer", "note"]];
  KIT.tasks.forEach((task) => rows.push([KIT.kit, coder, task.id, task.kind, answers[task.id] || "",
                                         notes[task.id] || ""]));
  const text = rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob(["\ufeff" + text], {type: "text/csv;charset=utf-8"}));
  link.download = "answers-" + coder.replace(/[^A-Za-z0-9_-]/g, "_") + ".csv";
  document.body.appendChild(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target instanceof HTMLTextAreaElement) return;  // typing a note
  if (coder === null) {
    const i = parseInt(event.key, 10) - 1;
    if (i >= 0 && i < KIT.coders.length) begin(KIT.coders[i]);
    return;
  }
  if (/^[0-9]$/.test(event.key)) { choose(parseInt(event.key, 10) - 1); event.preventDefault(); }
  else if (event.key === "ArrowRight") { move(1); event.preventDefault(); }
  else if (event.key === "ArrowLeft") { move(-1); event.preventDefault(); }
});
$("prev").addEventListener("click", () => move(-1));
$("next").addEventListener("click", () => move(1));
$("first-open").addEventListener("click", firstOpen);
$("save").addEventListener("click", save);
$("unsure").addEventListener("click", () => choose(-1));
$("note").addEventListener("input", () => {
  const task = KIT.tasks[position], text = $("note").value;
  if (text.trim()) notes[task.id] = text; else delete notes[task.id];
  store();
});
$("switch").addEventListener("click", showStart);

function applyLanguage() {
  document.documentElement.lang = T().html_lang;
  document.querySelectorAll("[data-text]").forEach((element) => { element.textContent = T()[element.dataset.text]; });
  document.querySelectorAll("[data-lang]").forEach((element) => { element.hidden = element.dataset.lang !== language; });
  $("language").textContent = KIT.strings[LANGUAGES[(LANGUAGES.indexOf(language) + 1) % LANGUAGES.length]].name;
  if (coder === null) showStart(); else show();
}
$("language").addEventListener("click", () => {
  language = LANGUAGES[(LANGUAGES.indexOf(language) + 1) % LANGUAGES.length];
  try { localStorage.setItem(languageKey, language); } catch (error) { /* kept until the page closes */ }
  applyLanguage();
});
applyLanguage();
"""
