"""The coding page of a validation kit in real headless Chromium, network off: a coder answers every
task with the mouse and the keyboard, reloads and goes on, saves the CSV; scoring that file gives the
figures its answers imply. Hostile text in a task shows as text and runs nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import PROJECT
from test_runner import small_models, write_config
from topics.running import run_experiment
from topics.validation.coding_page import coding_page_html
from topics.validation.kit import KitSettings, read_key, write_kit
from topics.run_folder import RunFolder
from topics.validation.scoring import score_kit, write_scores

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREENSHOTS = PROJECT / "tests" / "screenshots"
MODELS = small_models("dictionary", "seeded-lda")
LABELS = ["ecology", "industry", "livelihood", "governance", "safety", "other"]


@pytest.fixture(scope="module")
def kit(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("validation-browser")
    run_dir = run_experiment(write_config(folder, sample_path, models=MODELS, seeds=(1,)), folder / "run")
    return write_kit(RunFolder.open(run_dir), folder / "kit", settings=KitSettings(n_units=4, n_coding=12))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True, accept_downloads=True,
            viewport={"width": 1100, "height": 900}, service_workers="block")
        yield context
        context.close()


class Visit:
    """A page with the network off, recording requests, console errors, page errors and dialogs."""

    def __init__(self, context, path: Path):
        self.problems: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self._only_files)
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.goto(path.as_uri())

    def _only_files(self, route):
        if route.request.url.startswith(("file:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"network: {route.request.url}")
            route.abort()


def answer(task: dict) -> str:
    """What our coder answers: the intruder of intrusion tasks, except the first word task (the first
    option, so one answer is known to be wrong unless the intruder was listed first); the reference
    model's theme for coding tasks."""
    if task["kind"] == "code":
        return task["theme"]
    if task["task"] == "w001":
        return task["options"][0]["value"]
    return task["answer"]


def test_a_coder_answers_everything_stops_goes_on_and_saves(kit, browser, tmp_path):
    tasks = read_key(kit)["tasks"]
    visit = Visit(browser, kit / "coding.html")
    page = visit.page
    page.locator("button.coder", has_text="coder1").click()
    half = len(tasks) // 2
    for n, task in enumerate(tasks):
        assert page.locator("#counter").text_content().startswith(f"Task {n + 1} of {len(tasks)}")
        values = [o["value"] for o in task["options"]]
        assert page.locator("#options button").count() == len(values)
        wanted = values.index(answer(task))
        if n % 2:  # every other task by keyboard: the option's number
            page.keyboard.press(str(wanted + 1))
        else:
            page.locator("#options button").nth(wanted).click()
        if n == half:  # stop here: close the page, open it again, go on where we left off
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=SCREENSHOTS / "validation_coding_page.png")
            page.reload()
            assert page.locator("button.coder", has_text=f"{n + 1} of {len(tasks)} answered").count() == 1
            page.keyboard.press("1")  # coder1 by key
            assert page.locator("#counter").text_content().startswith(f"Task {n + 2} of {len(tasks)}")
    assert page.locator("#done").is_visible()
    assert page.locator("#counter").text_content().endswith(f"{len(tasks)} answered")

    # going back shows the answer given, and changing nothing keeps it
    page.keyboard.press("ArrowLeft")
    assert page.locator("#options button.chosen").get_attribute("data-value") == answer(tasks[-2])
    with page.expect_download() as download:
        page.locator("#save").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "answers-coder1.csv"
    assert visit.problems == []

    scores = score_kit(kit, [saved])
    words = scores.word_topics.set_index(["model", "topic"])["precision"]
    first = tasks[0]
    expected_first = 1.0 if first["options"][0]["value"] == first["answer"] else 0.0
    assert words[(first["model"], first["topic"])] == expected_first
    assert words.drop((first["model"], first["topic"])).eq(1.0).all()
    n_word = sum(t["kind"] == "word" for t in tasks)
    assert scores.coders.iloc[0]["word_accuracy"] == pytest.approx((n_word - 1 + expected_first) / n_word)
    assert scores.coders.iloc[0]["theme_accuracy"] == 1.0
    gold = write_scores(scores, tmp_path / "scores")["gold"]
    coded = {t["unit_id"]: t["theme"] for t in tasks if t["kind"] == "code"}
    lines = gold.read_text(encoding="utf-8").splitlines()[1:]
    assert {line.split("\t")[1]: line.split("\t")[2] for line in lines} == coded


def test_a_second_coder_keeps_answers_apart(kit, browser, tmp_path):
    tasks = read_key(kit)["tasks"]
    visit = Visit(browser, kit / "coding.html")
    page = visit.page
    page.keyboard.press("2")  # coder2
    assert page.locator("#coder-name").text_content() == "coder2"
    for _ in tasks:
        page.keyboard.press("1")  # always the first option
    page.locator("#switch").click()
    assert page.locator("button.coder", has_text="coder2").text_content().endswith(f"{len(tasks)} of {len(tasks)} answered")
    page.locator("button.coder", has_text="coder2").click()
    page.locator("#first-open").click()  # nothing open: stays put
    with page.expect_download() as download:
        page.locator("#save").click()
    saved = tmp_path / "coder2.csv"
    download.value.save_as(saved)
    assert visit.problems == []
    scores = score_kit(kit, [saved])
    expected = [t["options"][0]["value"] == t["answer"] for t in tasks if t["kind"] == "word"]
    assert scores.coders.iloc[0]["word_accuracy"] == pytest.approx(sum(expected) / len(expected))
    assert set(scores.gold["label"]) == {LABELS[0]}


def test_unsure_and_a_note_are_kept_saved_and_scored(kit, browser, tmp_path):
    tasks = read_key(kit)["tasks"]
    visit = Visit(browser, kit / "coding.html")
    page = visit.page
    page.evaluate("localStorage.clear()")  # whatever other tests left for coder1
    page.reload()
    page.locator("button.coder", has_text="coder1").click()
    note = "12 两个词都像 <b>x</b> & \"quoted\""
    page.locator("#note").press_sequentially(note)  # digits typed into the note choose nothing
    assert page.locator("#counter").text_content().startswith(f"Task 1 of {len(tasks)} · 0 answered")
    page.locator("#unsure").click()
    assert page.locator("#counter").text_content().startswith("Task 2 of")
    assert page.locator("#note").input_value() == ""  # each task its own note
    page.keyboard.press("0")  # unsure by key
    page.keyboard.press("1")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    assert page.locator("#unsure.chosen").count() == 1 and page.locator("#options button.chosen").count() == 0
    page.reload()  # kept in the browser with the answers
    assert page.locator("button.coder", has_text="coder1").text_content().endswith(f"3 of {len(tasks)} answered")
    page.keyboard.press("1")
    assert page.locator("#counter").text_content().startswith(f"Task 1 of {len(tasks)} · 3 answered")
    assert page.locator("#note").input_value() == note
    with page.expect_download() as download:
        page.locator("#save").click()
    saved = tmp_path / "coder1.csv"
    download.value.save_as(saved)
    assert visit.problems == []
    scores = score_kit(kit, [saved])
    row = scores.coders.iloc[0]
    assert row["unsure"] == 2 and row["notes"] == 1
    first_kinds = [t["kind"] for t in tasks[:3]]
    assert row["word_answers"] + row["theme_answers"] + row["code_answers"] == 1 and first_kinds[2] == "word"
    assert scores.notes[["task", "answer", "note"]].values.tolist() == [[tasks[0]["task"], "unsure", note]]
    written = write_scores(scores, tmp_path / "scores")
    assert pd.read_csv(written["notes"], keep_default_na=False)["note"].tolist() == [note]


def test_the_page_switches_between_english_and_chinese(kit, browser, tmp_path):
    tasks = read_key(kit)["tasks"]
    visit = Visit(browser, kit / "coding.html")
    page = visit.page
    page.evaluate("localStorage.clear()")  # no language or answers kept from other tests
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en" and page.locator("#language").text_content() == "中文"
    page.locator("#language").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#language").text_content() == "English"
    assert page.locator("#start p").text_content().startswith("请先选择您的编码员身份")
    assert page.locator("button.coder", has_text="coder2").text_content().endswith(f"已答 0 / {len(tasks)} 题")
    page.locator("button.coder", has_text="coder2").click()
    assert page.locator("#counter").text_content() == f"第 1 题，共 {len(tasks)} 题 · 已答 0 题"
    assert page.locator("#prompt").text_content() == "下面哪个词和其他词不是一类？"
    assert page.locator("#unsure").text_content() == "0不确定：我判断不了"
    assert page.locator("#save").text_content() == "保存答案（CSV）"
    page.locator("#guide summary").click()
    assert page.locator('.guide[data-lang="zh"]').is_visible() and not page.locator('.guide[data-lang="en"]').is_visible()
    assert "industry（产业）" in page.locator('.guide[data-lang="zh"]').text_content()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "validation_coding_page_zh.png", full_page=True)
    for _ in range(20):  # the coder's choice is kept: Chromium hands the page's storage to the next load a moment later
        page.reload()
        if page.locator("html").get_attribute("lang") == "zh-CN":
            break
        page.wait_for_timeout(250)
    assert page.locator("button.coder", has_text="coder2").text_content().endswith(f"已答 0 / {len(tasks)} 题")
    page.keyboard.press("2")
    assert page.locator("#counter").text_content().startswith("第 1 题")
    code = next(n for n, t in enumerate(tasks) if t["kind"] == "code")
    for _ in range(code):
        page.keyboard.press("ArrowRight")
    assert page.locator("#prompt").text_content() == "哪个标签最符合这段文字？（请参照编码指南。）"
    if tasks[code]["heading"]:
        assert page.locator("#heading").text_content() == "标题：" + tasks[code]["heading"]
    assert "other 其他" in page.locator("#options").text_content()
    page.locator("#language").click()
    assert page.locator("#counter").text_content().startswith(f"Task {code + 1} of {len(tasks)}")
    assert page.locator("#prompt").text_content() == "Which label fits this passage best? (See the coding guide.)"
    page.locator("#guide summary").click()  # closed again by the reload
    assert not page.locator('.guide[data-lang="zh"]').is_visible() and page.locator('.guide[data-lang="en"]').is_visible()
    assert visit.problems == []

    # a kit written with --language zh opens in Chinese
    zh = write_kit(RunFolder.open(read_key(kit)["kit"]["run"]), tmp_path / "kit-zh",
                   settings=KitSettings(n_units=4, n_coding=12, language="zh"))
    visit = Visit(browser, zh / "coding.html")
    visit.page.evaluate("localStorage.clear()")
    visit.page.reload()
    assert visit.page.locator("html").get_attribute("lang") == "zh-CN"
    assert visit.page.locator("#language").text_content() == "English"
    assert visit.page.locator("button.coder").first.text_content().endswith(f"已答 0 / {len(tasks)} 题")
    assert visit.problems == []


def test_hostile_text_shows_as_text_and_runs_nothing(browser, tmp_path):
    hostile = ["</script><script>window.__pwned=1</script>", "<!--", '<img src=x onerror="window.__pwned=2">', "&amp;"]
    tasks = [{"id": "w001", "kind": "word", "heading": "", "text": "",
              "options": [{"value": v, "label": v} for v in hostile]},
             {"id": "c001", "kind": "code", "heading": hostile[2], "text": " ".join(hostile),
              "options": [{"value": v, "label": v} for v in LABELS]}]
    kit = {"id": "hostile</title><script>window.__pwned=3</script>", "title": "<b>kit</b></title>", "coders": ["<i>a</i>"]}
    path = tmp_path / "hostile.html"
    path.write_text(coding_page_html(kit, tasks, {"en": "<p>guide</p>", "zh": "<p>指南</p>"}), encoding="utf-8")
    visit = Visit(browser, path)
    page = visit.page
    assert page.title() == "<b>kit</b></title>"
    page.locator("button.coder").click()
    assert page.locator("#options button").all_text_contents() == [f"{i + 1}{v}" for i, v in enumerate(hostile)]
    page.keyboard.press("1")
    assert page.locator("#heading").text_content() == "Heading: " + hostile[2]
    assert page.locator("#text").text_content() == " ".join(hostile)
    page.locator("#language").click()  # the Chinese texts put hostile text in as text too
    assert page.locator("#heading").text_content() == "标题：" + hostile[2]
    assert page.locator('.guide[data-lang="zh"]').text_content() == "指南"
    assert page.evaluate("window.__pwned") is None
    assert visit.problems == []
