"""Units from cleaned documents: the sample's points and sections, headings, spans, weak labels."""

from __future__ import annotations

import re

import pytest

from topics.documents import Document
from topics.ingest.layout import CleanDocument, repair_layout
from topics.ingest.reading import read_documents
from topics.ingest.structure import MAX_UNIT_CHARS, split_units, weak_label
from topics.assignment import assignments
from topics.lexicon import Lexicon
from topics.mapping import apply_mapping
from topics.models import make_model
from topics.tokenize import Tokenizer, TokenizerSettings
from topics.vectorize import build_corpus

THEMES = Lexicon.load().themes


def _clean(text: str, doc_id: str = "doc", year: int | None = 2024, region: str = "某市") -> CleanDocument:
    return CleanDocument(doc_id, "", year, region, "test", text, [], 0, {})


def _check_spans(clean: CleanDocument, units) -> None:
    """Every unit is exactly its span of the cleaned text, and the units cover all of it in order."""
    for unit in units:
        assert clean.text[unit.span[0]:unit.span[1]] == unit.text
    assert re.sub(r"\s", "", "".join(u.text for u in units)) == re.sub(r"\s", "", clean.text)
    assert [u.position for u in units] == list(range(len(units)))
    assert all(a.span[1] <= b.span[0] for a, b in zip(units, units[1:]))


# ---------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_units(sample_path):
    document = Document("xining_chengxi_2024", sample_path.read_text(encoding="utf-8"), str(sample_path),
                        year=2024, region="西宁市城西区")
    pieces = repair_layout(document)
    return pieces, [split_units(piece, THEMES) for piece in pieces]


def test_sample_piece_one_gives_five_points(sample_units):
    pieces, (units, _) = sample_units
    _check_spans(pieces[0], units)
    points = [u for u in units if u.kind == "point"]
    assert [u.text[:2] for u in points] == ["一是", "二是", "三是", "四是", "五是"]
    assert [u.heading for u in points] == [
        "着力在生态文明建设上创造高标准", "着力在服务“四地”建设上展现新作为", "着力在创造高品质生活上树立新标杆",
        "着力在社会治理现代化上实现新提升", "着力在筑牢安全本底上再上新台阶"]
    assert [u.weak_label for u in points] == ["ecology", "industry", "livelihood", "governance", "safety"]
    assert points[0].text.endswith("努力在“两山”转化上闯出新路子。")
    assert points[4].text.endswith("坚决守住不发生系统性风险底线。")
    # the intro before 一是 is its own unit, and so is the opening paragraph
    assert [u.kind for u in units[:2]] == ["paragraph", "paragraph"]
    assert units[1].text.startswith("城西区将把学习贯彻市两会精神") and units[1].text.endswith("走在前作表率。")
    assert [u.unit_id for u in units] == [f"xining_chengxi_2024#1:u{i:03d}" for i in range(7)]


def test_sample_piece_two_gives_five_headed_sections(sample_units):
    pieces, (_, units) = sample_units
    _check_spans(pieces[1], units)
    sections = [u for u in units if u.kind == "section"]
    assert [u.heading for u in sections] == [
        "在打造生态文明高地上拉高标杆", "在建设产业“四地”上积蓄优势", "在推动高质量发展上奋力争先",
        "在办实事惠民生上涵养情怀", "在社会治理现代化上加力提效"]
    assert [u.weak_label for u in sections] == ["ecology", "industry", "industry", "livelihood", "governance"]
    assert all(u.text.startswith(u.heading + "。") for u in sections)


def test_sample_units_start_at_sentence_starts_and_hold_no_bylines(sample_units):
    _, unit_lists = sample_units
    for unit in (u for units in unit_lists for u in units):
        assert unit.text[0] not in "，、。；：”）"
        assert "记者" not in unit.text and "张俊录" not in unit.text and "袁文" not in unit.text
        assert unit.year == 2024 and unit.region == "西宁市城西区"


# ---------------------------------------------------------------- headings and enumerations


def test_numbered_headings_open_sections():
    text = "\n".join([
        "现在，我代表国务院，向大会报告政府工作，请予审议。",
        "一、2023年工作回顾",
        "过去一年，我国经济回升向好，高质量发展扎实推进。",
        "（七）加强生态文明建设，推进绿色低碳发展。",
        "深入打好污染防治攻坚战。强化大气污染防治，加强重点流域水环境综合治理。",
        "积极稳妥推进碳达峰碳中和。扎实开展“碳达峰十大行动”。",
        "二、2024年经济社会发展总体要求和政策取向",
        "做好今年政府工作，要坚持稳中求进工作总基调。",
    ])
    clean = _clean(text)
    units = split_units(clean, THEMES)
    _check_spans(clean, units)
    assert [(u.kind, u.heading) for u in units] == [
        ("paragraph", ""),
        ("heading", "2023年工作回顾"),
        ("paragraph", "2023年工作回顾"),
        ("heading", "加强生态文明建设，推进绿色低碳发展"),
        ("section", "深入打好污染防治攻坚战"),
        ("section", "积极稳妥推进碳达峰碳中和"),
        ("heading", "2024年经济社会发展总体要求和政策取向"),
        ("paragraph", "2024年经济社会发展总体要求和政策取向"),
    ]
    assert units[4].meta["section"] == ["2023年工作回顾", "加强生态文明建设，推进绿色低碳发展"]
    assert units[3].meta["marker"] == "（七）" and units[3].weak_label == "ecology"
    assert units[7].meta["section"] == ["2024年经济社会发展总体要求和政策取向"]


@pytest.mark.parametrize("paragraph, markers", [
    ("今年重点抓好三件事。第一，稳增长。围绕项目建设发力。第二，促改革。深化重点领域改革。第三，惠民生。办好民生实事。",
     ["第一，", "第二，", "第三，"]),
    ("主要做了以下工作：（一）稳住经济大盘。全年增长5%。（二）推动创新发展。研发投入增长8%。", ["（一）", "（二）"]),
    ("重点做好两项工作：1.扩大有效投资，新开工项目200个。2.提振消费，社会消费品零售总额增长6%。", ["1.", "2."]),
    ("一是抓产业。推动制造业升级；二是抓生态。打好蓝天保卫战；三是抓民生。办好十件实事。", ["一是", "二是", "三是"]),
])
def test_enumerations_inside_a_paragraph_become_points(paragraph, markers):
    clean = _clean(paragraph)
    units = split_units(clean, THEMES)
    _check_spans(clean, units)
    points = [u for u in units if u.kind == "point"]
    assert [u.meta["marker"] for u in points] == markers
    assert all(u.text.startswith(m) for u, m in zip(points, markers))


def test_markers_not_at_a_sentence_start_do_not_cut():
    text = "坚持“一是一、二是二”的工作作风，推动一、二、三产业融合发展，第一，第二梯队企业同步壮大。"
    units = split_units(_clean(text), THEMES)
    assert [u.kind for u in units] == ["paragraph"] and units[0].text == text


def test_one_line_report_is_cut_at_headings_and_points():
    # city_gwr_2024/2024_枣庄市 style: the whole report on one line, line breaks turned into spaces
    text = ("各位代表： 现在，我代表市人民政府向大会报告工作，请予审议。 一、2023年工作回顾 2023 年是枣庄发展史上具有里程碑"
            "意义的一年。 一是综合实力稳步提升。全市地区生产总值增长6.4%。 二是现代产业积厚成势。新增专精特新企业50家。"
            " 二、2024年工作安排 （一）聚力加快产业升级，夯实高质量发展支撑。坚持主攻实体经济。 （二）聚力深耕绿色转型，"
            "厚植生态基底。深入实施碳达峰行动。")
    (clean,) = repair_layout(Document("zaozhuang", text, "t"))
    units = split_units(clean, THEMES)
    _check_spans(clean, units)
    assert [(u.kind, u.meta.get("marker", "")) for u in units] == [
        ("paragraph", ""), ("heading", "一、"), ("paragraph", ""), ("point", "一是"), ("point", "二是"),
        ("heading", "二、"), ("point", "（一）"), ("point", "（二）")]
    assert [u.weak_label for u in units[6:]] == ["industry", "ecology"]


def test_long_paragraphs_are_cut_at_sentence_ends_into_bounded_units():
    sentence = "坚持把发展经济的着力点放在实体经济上，推进新型工业化，加快建设制造强市，提升产业链供应链韧性和安全水平。"
    text = sentence * 200  # about 10,000 characters in one paragraph
    clean = _clean(text)
    units = split_units(clean, THEMES)
    _check_spans(clean, units)
    assert -(-len(text) // MAX_UNIT_CHARS) <= len(units) <= 2 * -(-len(text) // MAX_UNIT_CHARS)
    assert all(len(u.text) <= MAX_UNIT_CHARS and u.text.endswith("。") for u in units)
    assert [u.meta["part"] for u in units] == list(range(1, len(units) + 1))
    # a text without any sentence end is still cut, at commas or hard
    no_stops = "推进新型工业化，加快建设制造强市" * 500
    units = split_units(_clean(no_stops), THEMES)
    assert all(len(u.text) <= MAX_UNIT_CHARS for u in units) and len(units) >= len(no_stops) // MAX_UNIT_CHARS


# ---------------------------------------------------------------- weak labels


@pytest.mark.parametrize("heading, label", [
    ("着力在生态文明建设上创造高标准", "ecology"),
    ("在推动高质量发展上奋力争先", "industry"),
    ("（八）聚力抓实事惠民生，坚定不移共享高质量发展新成果。", "livelihood"),
    ("加强和创新社会治理", "governance"),
    ("三、全面加强政府自身建设", "governance"),
    ("（九）坚持居安思危、守牢底线，建设更高水平的平安中山。", "safety"),
    ("（七）建设更高水平的平安宁波", "governance"),  # the codebook: 平安建设 is governance
    ("（八）坚持尽力而为、量力而行，持续兜住兜准兜牢民生底线", "livelihood"),
    ("一、2023年工作回顾", ""),
    ("", ""),
])
def test_weak_label_reads_the_theme_a_heading_names(heading, label):
    assert weak_label(heading, THEMES) == label


def test_weak_label_is_empty_when_two_themes_are_named_equally():
    assert weak_label("生态与产业", {"ecology": ["生态"], "industry": ["产业"]}) == ""
    assert weak_label("生态产业", {"ecology": ["生态"], "industry": ["生态产业"]}) == "industry"  # longest match wins


def test_units_without_their_own_lead_take_the_label_of_their_section():
    text = "（三）持续增进民生福祉\n城镇新增就业3.2万人，新建改扩建中小学15所，新增养老床位1200张，居民收入稳步增长。"
    units = split_units(_clean(text), THEMES)
    assert [(u.kind, u.heading, u.weak_label) for u in units] == [
        ("heading", "持续增进民生福祉", "livelihood"), ("paragraph", "持续增进民生福祉", "livelihood")]


# ---------------------------------------------------------------- real reports


@pytest.mark.corpora
@pytest.mark.parametrize("corpus, name", [
    ("national_gwr_wikisource", "2024.txt"), ("national_gwr_hprc", "2021.txt"),
    ("province_gwr_2026", "2026_广东省.txt"), ("city_gwr_2024", "2024_承德市.txt"),
])
def test_real_reports_cut_into_headed_units(shared_corpora, corpus, name):
    document = read_documents([shared_corpora / corpus / name]).documents[0]
    (clean,) = repair_layout(document)
    units = split_units(clean, THEMES)
    _check_spans(clean, units)
    kinds = {u.kind for u in units}
    assert "heading" in kinds and kinds & {"point", "section"}
    assert all(len(u.text) <= MAX_UNIT_CHARS for u in units)
    assert sum(1 for u in units if u.weak_label) > len(units) / 3
    headings = [u.text for u in units if u.kind == "heading"]
    assert any(re.match(r"[一二三四五六七八九十]、", h) for h in headings)
    assert len({u.unit_id for u in units}) == len(units)
    assert all(u.year == document.year and u.region == document.region for u in units)


@pytest.mark.corpora
def test_long_units_are_cut_into_parts_that_keep_their_heading_and_turn_with_the_theme(shared_corpora):
    """德州's 2024 report runs each enumerated point into one line of up to 830 characters: cut at the default
    limit, every part keeps its point's heading and section, no part but a single sentence is longer than the
    limit, and parts end where the next sentence names another theme."""
    document = read_documents([shared_corpora / "city_gwr_2024" / "2024_德州市.txt"]).documents[0]
    (clean,) = repair_layout(document)
    whole = split_units(clean, THEMES, max_unit_chars=1000)
    units = split_units(clean, THEMES)
    _check_spans(clean, units)
    assert len(units) > len(whole)
    for unit in units:
        assert len(unit.text) <= MAX_UNIT_CHARS or len(re.findall("[。！？]", unit.text[:-1])) == 0, unit.text
        parent = next(p for p in whole if p.span[0] <= unit.span[0] and unit.span[1] <= p.span[1])
        assert (unit.kind, unit.heading, unit.meta["section"]) == (parent.kind, parent.heading, parent.meta["section"])
        if unit.span != parent.span:
            assert 1 <= unit.meta["part"] <= unit.meta["parts"]
    turns = 0
    for before, after in zip(units, units[1:]):
        if after.meta.get("part", 1) > 1:
            first = re.match(r"[^。！？]*[。！？]", after.text)
            named = weak_label(first.group(0) if first else after.text, THEMES)
            turns += bool(named) and named != weak_label(re.match(r"[^。！？]*[。！？]?", before.text).group(0), THEMES)
    assert turns >= 3
    # the dictionary finds ecology in the report once its long points are cut (and none without the cut)
    lexicon = Lexicon.load()
    tokenizer = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words(), cache=False)
    found = {}
    for name, cut in (("whole", whole), ("cut", units)):
        kept = [u for u in cut if u.kind != "heading"]
        corpus = build_corpus(tokenizer.tokenize([u.text for u in kept]), no_below=1, no_above=1.0,
                              keep_words=lexicon.words())
        model = make_model("dictionary").fit(corpus, lexicon)
        apply_mapping(model.result_, lexicon)
        found[name] = (assignments(model.result_, [kept[i] for i in corpus.kept])["theme"] == "ecology").sum()
    assert found["whole"] == 0 and found["cut"] >= 2, found
