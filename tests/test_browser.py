"""The report and LDAvis pages in a real browser: headless Chromium, network off.

Every request that is not a local file fails the test; so do console errors, page errors and
dialogs. Screenshots are saved under tests/screenshots/ for people to look at."""

from __future__ import annotations

import json
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import PROJECT, SHARED_CORPORA
from report_helpers import cached_rendered_run, gold_labelled_run, hostile_result
from topics.report import write_ldavis, write_report

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREENSHOTS = PROJECT / "tests" / "screenshots"
CJK = re.compile(r"[\u4e00-\u9fff]")
TRANSITIONS_MS = 1800  # LDAvis moves bars in two 750 ms steps
HOSTILE_TERMS = [
    "</script><script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<svg onload=window.__pwned=1>",
    "环境<b>保护</b>&amp;",
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


HAVE_CORPORA = SHARED_CORPORA.is_dir()
# Pages of the small sample-only run (few tokens per term: the hard case for the bar scale) and,
# when ../shared/corpora is present, of the run with years and regions.
PAGES = [("sample", m) for m in ("lda", "nmf")] + ([("corpora", m) for m in ("lda", "nmf")] if HAVE_CORPORA else [])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The fullest run folder available (with years and regions when the shared corpora are there)."""
    run_dir, fitted, _, _ = cached_rendered_run(tmp_path_factory, with_corpora=HAVE_CORPORA)
    SCREENSHOTS.mkdir(exist_ok=True)
    return run_dir, fitted


class Visit:
    """A page opened with the network off, recording what went wrong."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []

    def check_clean(self):
        assert self.requests == [], f"the page tried to reach the network: {self.requests}"
        assert self.errors == [], f"console or page errors: {self.errors}"
        assert self.dialogs == [], f"the page opened dialogs: {self.dialogs}"


@contextmanager
def visit(browser, path: Path):
    context = browser.new_context(viewport={"width": 1300, "height": 950}, service_workers="block")
    page = context.new_page()
    seen = Visit(page)

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            seen.requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page.on("console", lambda message: message.type == "error" and seen.errors.append(message.text))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    try:
        yield seen
    finally:
        context.close()


def ranked_terms(page) -> list[str]:
    """The term labels of the bar chart, top to bottom."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#ldavis text.terms'))
        .map(t => [t.textContent, +t.getAttribute('y')]).sort((a, b) => a[1] - b[1]).map(p => p[0])""")


def click_circle(page, position: int) -> bool:
    """Click topic circle ``position`` (1..K) with the mouse where no other circle covers it; False when covered."""
    point = page.evaluate("""(id) => {
        const circle = document.getElementById(id), box = circle.getBoundingClientRect();
        for (let fy = 0.5; fy > 0.02; fy -= 0.08) for (const sy of [1, -1]) for (let fx = 0.5; fx > 0.02; fx -= 0.08)
            for (const sx of [1, -1]) {
                const x = box.left + box.width * (0.5 + sx * (0.5 - fx)), y = box.top + box.height * (0.5 + sy * (0.5 - fy));
                if (document.elementFromPoint(x, y) === circle) return [x, y];
            }
        return null; }""", f"ldavis-topic{position}")
    if point is None:
        return False
    page.mouse.click(*point)
    return True


def page_data(page) -> dict:
    return json.loads(page.evaluate("document.getElementById('ldavis-data').textContent"))


def assert_most_relevant(shown: list[str], data: dict, position: int, lam: float) -> None:
    """``shown`` are 30 most relevant terms of the topic at λ by the page's own data, as LDAvis defines
    relevance (λ·log p(w|t) + (1-λ)·log lift); terms tied at the cut may come in either way."""
    tinfo = data["ldavis"]["tinfo"]
    scores = {term: lam * lp + (1 - lam) * ll for term, category, lp, ll
              in zip(tinfo["Term"], tinfo["Category"], tinfo["logprob"], tinfo["loglift"]) if category == f"Topic{position}"}
    cut = sorted(scores.values(), reverse=True)[29]
    assert len(shown) == 30 and all(scores[term] >= cut - 1e-9 for term in shown)
    assert {term for term, score in scores.items() if score > cut + 1e-9} <= set(shown)


@pytest.mark.parametrize("corpus, model", PAGES)
def test_ldavis_page_works_offline(browser, tmp_path_factory, corpus, model):
    run_dir, fitted, _, _ = cached_rendered_run(tmp_path_factory, with_corpora=corpus == "corpora")
    SCREENSHOTS.mkdir(exist_ok=True)
    result = fitted["results"][model]
    with visit(browser, run_dir / "ldavis" / f"{model}.html") as seen:
        page = seen.page
        page.wait_for_selector("#ldavis circle.dot")
        assert page.locator("#ldavis circle.dot").count() == result.k
        assert page.locator("#ldavis rect.bar-totals").count() == 30
        # each circle is named by its id and theme, and it and its name lie inside the map, clipped nowhere
        assert page.locator("#ldavis text.txt").all_text_contents() == [
            f"T{i} {theme}" for i, theme in zip(result.topic_ids, result.topic_themes)]
        outside = page.evaluate("""() => {
            const map = document.querySelector('#ldavis g.points > rect').getBoundingClientRect();
            return Array.from(document.querySelectorAll('#ldavis circle.dot, #ldavis text.txt')).filter(e => {
                const box = e.getBoundingClientRect();
                return box.left < map.left - 0.5 || box.top < map.top - 0.5 || box.right > map.right + 0.5
                    || box.bottom > map.bottom + 0.5 || box.left < 0 || box.top < 0; }).map(e => e.id || e.textContent); }""")
        assert outside == [], f"cut off at the map's edge: {outside}"
        default_terms = ranked_terms(page)
        assert len(default_terms) == 30 and sum(bool(CJK.search(t)) for t in default_terms) >= 25

        data = page_data(page)
        position = next(p for p in range(1, result.k + 1) if click_circle(page, p))
        label = data["labels"][position - 1]["long"]
        page.wait_for_timeout(300)
        selected = ranked_terms(page)
        assert selected != default_terms, "selecting a topic should change the bars"
        assert_most_relevant(selected, data, position, 1.0)
        assert page.locator("#ldavis rect.overlay").count() == 30
        assert page.locator("#ldavis-topic-value").text_content() == label
        assert label in page.locator("#ldavis .bubble-tool").text_content()
        page.screenshot(path=SCREENSHOTS / f"ldavis_{corpus}_{model}_topic.png")

        slider = page.locator("#ldavis-lambda").bounding_box()
        page.mouse.click(slider["x"] + 2, slider["y"] + slider["height"] / 2)  # λ to its lowest end
        page.wait_for_timeout(TRANSITIONS_MS)
        lam = float(page.evaluate("document.getElementById('ldavis-lambda').value"))
        assert lam < 0.1
        reranked = ranked_terms(page)
        assert reranked != selected, "moving λ should change the ranking"
        assert_most_relevant(reranked, data, position, lam)
        page.screenshot(path=SCREENSHOTS / f"ldavis_{corpus}_{model}_lambda0.png")

        # The selection lives in the URL fragment: a reload restores it without errors.
        assert page.evaluate("location.hash").startswith(f"#topic={position}&lambda=")
        page.reload()
        page.wait_for_selector("#ldavis circle.dot")
        page.wait_for_timeout(TRANSITIONS_MS)
        assert page.locator("#ldavis-topic-value").text_content() == label

        for other in range(1, result.k + 1):  # every topic draws its bars without errors
            page.locator(f"#ldavis-topic{other}").dispatch_event("click")
            assert page.locator("#ldavis rect.overlay").count() == 30
        seen.check_clean()


def test_hostile_terms_show_as_text_and_run_nothing(browser, run, tmp_path):
    _, fitted = run
    result = hostile_result(fitted["results"]["lda"], HOSTILE_TERMS)
    result.topic_themes = ["<img src=y onerror=window.__pwned=2>"] + list(result.topic_themes[1:])
    path = write_ldavis(result, tmp_path / "hostile.html")
    with visit(browser, path) as seen:
        page = seen.page
        page.wait_for_selector("#ldavis circle.dot")
        shown = page.locator("#ldavis text.terms").all_text_contents()
        assert set(HOSTILE_TERMS) <= set(shown), "the hostile terms should appear, as text"
        page.screenshot(path=SCREENSHOTS / "ldavis_hostile_terms.png")
        for term in HOSTILE_TERMS:  # hovering a term reads it back and writes it into the guide title
            page.locator("#ldavis text.terms").nth(shown.index(term)).hover()
            assert page.locator("#ldavis .circleGuideTitle").text_content() == f"Conditional topic distribution given term = '{term}'"
        for position in range(result.k, 0, -1):  # every topic in turn, ending on T0 with its hostile theme name
            page.locator(f"#ldavis-topic{position}").dispatch_event("click")
        page.wait_for_timeout(300)
        assert "<img src=y" in page.locator("#ldavis-topic-value").text_content()
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.images.length") == 0
        assert page.evaluate("document.scripts.length") == 4
        assert page.evaluate("document.querySelectorAll('#ldavis svg svg, #ldavis b').length") == 0
        seen.check_clean()


def test_report_page_loads_with_its_plots_and_links(browser, run):
    run_dir, fitted = run
    with visit(browser, run_dir / "report.html") as seen:
        page = seen.page
        page.wait_for_load_state("load")
        images = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])")
        assert len(images) >= 3 and all(width > 0 for _, width in images), images
        text = page.inner_text("body")
        assert "生态" in text or "产业" in text or "民生" in text
        assert CJK.search(page.inner_text("#topics"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 1300  # wide tables scroll, the page does not
        page.screenshot(path=SCREENSHOTS / "report.png", full_page=True)
        page.click('#ldavis a[href="ldavis/lda.html"]')
        page.wait_for_selector("#ldavis circle.dot")
        assert page.locator("#ldavis circle.dot").count() == fitted["results"]["lda"].k
        seen.check_clean()


CUT_TABLES = """(width) => Array.from(document.querySelectorAll('table')).filter(table => {
    const wrapper = table.closest('div.wide'), right = table.getBoundingClientRect().right;
    if (right <= width + 0.5) return false;
    const scrolls = wrapper && ['auto', 'scroll'].includes(getComputedStyle(wrapper).overflowX)
        && wrapper.scrollWidth > wrapper.clientWidth && wrapper.getBoundingClientRect().right <= width + 0.5;
    return !scrolls;
}).map(table => (table.closest('section') || {}).id + ': ' + table.querySelector('tr').textContent.slice(0, 80))"""


@pytest.fixture(scope="module")
def gold_run(tmp_path_factory):
    """A run scored against hand-coded units (a label-F1 column per label) with a classifier, the pretrained
    model and a topic model."""
    return gold_labelled_run(tmp_path_factory.mktemp("gold-run"))


@pytest.mark.parametrize("which", ["gold", "corpora"])
def test_no_table_is_cut_at_the_right_edge_at_1400_px(browser, run, gold_run, tmp_path, which):
    run_dir = gold_run if which == "gold" else run[0]
    width = 1400
    with visit(browser, run_dir / "report.html") as seen:
        page = seen.page
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # the tables in them too
        assert page.evaluate("document.querySelectorAll('table').length") >= 5
        page.screenshot(path=tmp_path / f"report_{which}_{width}.png", full_page=True)
        assert (tmp_path / f"report_{which}_{width}.png").stat().st_size > 10_000
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(CUT_TABLES, width) == []
        # the widest tables (a label-F1 column per label) scroll inside the page, to their last column
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('div.wide'))
            .filter(w => w.scrollWidth > w.clientWidth).length""")
        if which == "gold":
            assert wide >= 1
            assert page.locator("#comparison th", has_text="label_f1_other").count() >= 1
            # and the check sees a table that runs off the page when its wrapper does not scroll
            page.evaluate("document.querySelectorAll('div.wide').forEach(w => w.style.overflowX = 'visible')")
            assert page.evaluate(CUT_TABLES, width) != []
        seen.check_clean()


def test_hostile_report_runs_nothing(browser, run, tmp_path):
    import pandas as pd

    run_dir = tmp_path / "run"
    shutil.copytree(run[0], run_dir)
    bad = '<img src=x onerror="window.__pwned=1;alert(1)">'
    shares = pd.read_csv(run_dir / "theme_shares.csv", keep_default_na=False)
    shares.loc[shares.doc_id == shares.doc_id.iloc[0], "doc_id"] = "</script><script>window.__pwned=1</script>" + bad
    shares.to_csv(run_dir / "theme_shares.csv", index=False)
    (run_dir / "comparison.md").write_text(f"# {bad}\n\n| model | note |\n|---|---|\n| lda | {bad} |\n", encoding="utf-8")
    write_report(run_dir)
    with visit(browser, run_dir / "report.html") as seen:
        page = seen.page
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert bad in page.inner_text("#comparison")
        assert page.get_by_text("</script><script>window.__pwned=1</script>", exact=False).count() > 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("Array.from(document.images).every(i => i.getAttribute('src').startsWith('plots/'))")
        seen.check_clean()
