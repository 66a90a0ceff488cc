"""Layout repair on the bundled sample, on lines taken from the real corpora, and on random text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topics.documents import Document
from topics.ingest.layout import REASONS, count_chars, repair_layout
from topics.ingest.reading import read_documents

CORPORA = ["city_gwr_2024", "hailar_district_gwr", "hailar_district_gwr_raw", "national_gwr_hprc",
           "national_gwr_wikisource", "province_gwr_2026"]

# a report body long enough that head and tail rules see a head and a tail
BODY = [
    "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员和其他列席人员提出意见。",
    "一、2023年工作回顾",
    "过去一年，我们坚持稳中求进工作总基调，全市经济运行稳中向好，地区生产总值增长5.2%，一般公共预算收入增长6.1%。",
    "（一）坚持生态优先，持续改善生态环境质量。深入打好蓝天、碧水、净土保卫战，空气质量优良天数比率达到90%以上，"
    "国考断面水质优良率保持100%，完成造林绿化5万亩，生态环境质量持续改善。",
    "（二）坚持产业强市，加快构建现代化产业体系。实施先进制造业集群培育行动，新增规上工业企业120家，"
    "数字经济核心产业增加值增长12%，营商环境持续优化。",
    "（三）坚持人民至上，持续增进民生福祉。城镇新增就业3.2万人，新建改扩建中小学15所，新增养老床位1200张，"
    "基本医疗保险参保率稳定在95%以上。",
    "二、2024年工作安排",
    "（一）深化社会治理。坚持和发展新时代“枫桥经验”，推进网格化管理，矛盾纠纷就地化解率达到95%以上，"
    "持续提升基层治理效能。",
    "（二）守牢安全底线。深入开展安全生产治本攻坚三年行动，加强防汛抗旱和森林防火，坚决遏制重特大事故发生，"
    "有效防范化解重点领域风险。",
    "各位代表！征程万里风正劲，重任千钧再出发。让我们更加紧密地团结在以习近平同志为核心的党中央周围，"
    "为全面建设社会主义现代化新城市而不懈奋斗！",
]
KEPT = [*BODY[:-1], BODY[-1].removeprefix("各位代表！")]  # the salutation is split off and removed


def _report(head: list[str] = (), tail: list[str] = (), body: list[str] = BODY) -> Document:
    lines = [*head, "各位代表：", *body, *tail]
    return Document(doc_id="test/report", text="\n".join(lines), source="test")


def _removed(docs) -> list[tuple[str, str]]:
    return [(r.reason, r.text) for doc in docs for r in doc.removals]


def _accounted(document: Document, docs) -> None:
    """kept + removed == input, per article and for the whole document."""
    for clean in docs:
        assert clean.kept_chars + clean.removed_chars == clean.input_chars
    assert sum(clean.input_chars for clean in docs) == count_chars(document.text)


# ---------------------------------------------------------------- the sample page


@pytest.fixture(scope="module")
def sample(sample_path):
    document = Document(doc_id="xining_chengxi_2024", text=sample_path.read_text(encoding="utf-8"),
                        source=str(sample_path), year=2024, region="西宁市城西区")
    return document, repair_layout(document)


def test_sample_is_two_articles_titled_by_their_headlines(sample):
    _, docs = sample
    assert [d.doc_id for d in docs] == ["xining_chengxi_2024#1", "xining_chengxi_2024#2"]
    assert docs[0].title == "在推进五个中心城市建设上走在前作表率"
    assert docs[1].title == "奋力在“强省会”中显担当展作为"
    assert docs[0].meta["author"] == "市人大代表、城西区委书记 张俊录"
    assert docs[1].meta["author"] == "市人大代表、城西区委副书记、区长 袁文"
    assert all(d.year == 2024 and d.region == "西宁市城西区" for d in docs)


def test_sample_bylines_headlines_and_authors_are_removed_with_their_lines(sample):
    _, docs = sample
    removed = [(r.reason, r.text, r.line) for d in docs for r in d.removals]
    assert removed == [
        ("byline", "（记者 张国静）", 119),
        ("headline", "在推进五个中心城市建设上走在前作表率", 251),
        ("author", "市人大代表、城西区委书记 张俊录", 252),
        ("byline", "（记者 张国静）", 249),
        ("headline", "奋力在“强省会”中显担当展作为", 254),
        ("author", "市人大代表、城西区委副书记、区长 袁文", 255),
    ]
    for doc in docs:
        assert "记者" not in doc.text and "张俊录" not in doc.text and "袁文" not in doc.text


def test_sample_lines_are_joined_across_column_breaks_and_split_at_real_breaks(sample):
    _, docs = sample
    first, second = (d.text.split("\n") for d in docs)
    assert len(first) == 2 and len(second) == 8
    assert first[0].startswith("政府工作报告通篇贯穿") and first[0].endswith("务实进取的好报告。")
    # a blank line inside a sentence (lines 39/41) is a column break
    assert "建设大局，坚持科技创新与产业发展相结合" in first[1]
    assert "城市主干管网改造" in first[1] and "安全生产治本攻坚“八大行动”" in first[1]
    # "患转变。" then "作为省会…" with no blank line between is a paragraph break
    assert second[1].endswith("由被动防事故向主动防隐患转变。")
    assert second[2].startswith("作为省会城市中心城区之一，城西区定将")
    assert second[3].startswith("在打造生态文明高地上拉高标杆。") and second[3].endswith("经验样板。")
    assert second[5].startswith("在推动高质量发展上奋力争先。紧抓国家级互联网骨干直联点")


def test_sample_letter_spacing_closed_and_ordinary_spaces_kept(sample):
    _, docs = sample
    text = docs[0].text + docs[1].text
    assert "健全森林防火防汛等监测预报预警体系" in text
    assert "2023 年，城西区" in text and "产值 5.97 亿元" in text and "First 青年电影节" in text


def test_sample_accounting(sample):
    document, docs = sample
    _accounted(document, docs)
    assert sum(d.removed_chars for d in docs) == count_chars(
        "（记者张国静）（记者张国静）在推进五个中心城市建设上走在前作表率市人大代表、城西区委书记张俊录"
        "奋力在“强省会”中显担当展作为市人大代表、城西区委副书记、区长袁文")


# ---------------------------------------------------------------- characters


@pytest.mark.parametrize("raw, clean", [
    ("森 林 防 火 防 汛 等 监 测 预 报 预 警 体系建设。", "森林防火防汛等监测预报预警体系建设。"),
    ("政 府 工 作 报 告 总结成绩客观实在。", "政府工作报告总结成绩客观实在。"),
    ("2023 年，全区实现产值 5.97 亿元。", "2023 年，全区实现产值 5.97 亿元。"),
    ("不断延伸 First 青年电影节等消费链条。", "不断延伸 First 青年电影节等消费链条。"),
    ("ＧＤＰ增长５．２％，达到１２６万亿元。", "GDP增长5.2%，达到126万亿元。"),
    ("“两个确立”，《政府工作报告》（草案）。", "“两个确立”，《政府工作报告》（草案）。"),
    ("城乡居民\u00a0人均可支配收入\u2002增长\u3000百分之六。", "城乡居民 人均可支配收入 增长 百分之六。"),
    ("国内生产总值达到74.4\u200b万亿元，\ufeff增长6.7%。", "国内生产总值达到74.4万亿元，增长6.7%。"),
])
def test_character_normalisation(raw, clean):
    docs = repair_layout(Document("t", raw, "t"))
    assert docs[0].text == clean
    _accounted(Document("t", raw, "t"), docs)


def test_ideographic_double_spaces_separate_paragraphs():
    # national_gwr_hprc: one line per report, paragraphs separated by U+3000 U+3000
    text = ("2021年政府工作报告——2021年3月5日在第十三届全国人民代表大会第四次会议上\u3000\u3000\u3000\u3000\xa0 "
            "国务院总理李克强各位代表：\u3000\u3000现在，我代表国务院，向大会报告政府工作，请予审议。"
            "\u3000\u3000一、2020年工作回顾\u3000\u3000过去一年，在新中国历史上极不平凡。面对突如其来的疫情，"
            "全国各族人民顽强拼搏。\u3000\u3000（新华社北京3月12日电）")
    docs = repair_layout(Document("t", text, "t"))
    assert docs[0].text.split("\n") == [
        "现在，我代表国务院，向大会报告政府工作，请予审议。",
        "一、2020年工作回顾",
        "过去一年，在新中国历史上极不平凡。面对突如其来的疫情，全国各族人民顽强拼搏。",
    ]
    assert _removed(docs) == [
        ("dateline", "2021年政府工作报告——2021年3月5日在第十三届全国人民代表大会第四次会议上"),
        ("speaker", "国务院总理李克强"),
        ("address", "各位代表："),
        ("dateline", "（新华社北京3月12日电）"),
    ]


def test_wikisource_link_lines_are_joined_and_licence_removed():
    text = ("各位代表：\n\n第一段。\n\n第二段。\n\n我們第一届全國人民代表大會第一次會議，在聽了劉少奇同志\n關於憲法草案的報告\n"
            "並進行了三天的討論以後，通過了我們國家的根本法——\n中華人民共和國憲法\n，接着，又通過了幾個重要的法律。\n\n"
            "貨幣政策要保持穩健中性。今年廣義貨幣M\n2\n和社會融資規模餘額預期增長均為12%左右。\n\n\n\n"
            "本作品是中华人民共和国的\n法律\n、\n法规\n，属于\n公有领域\n。\n\nPublic domain\nfalse")
    docs = repair_layout(Document("t", text, "t"))
    assert docs[0].text.split("\n") == [
        "第一段。", "第二段。",
        "我們第一届全國人民代表大會第一次會議，在聽了劉少奇同志關於憲法草案的報告並進行了三天的討論以後，"
        "通過了我們國家的根本法——中華人民共和國憲法，接着，又通過了幾個重要的法律。",
        "貨幣政策要保持穩健中性。今年廣義貨幣M2和社會融資規模餘額預期增長均為12%左右。",
    ]
    footer = [r for r in docs[0].removals if r.reason == "licence-footer"]
    assert len(footer) == 1 and footer[0].text.startswith("本作品是中华人民共和国的") and "false" in footer[0].text


def test_one_paragraph_per_line_stays_so():
    lines = ["各位代表：", "现在，我代表省人民政府向大会报告工作，请予审议。", "一、2025年工作回顾",
             "生态底色更加亮丽。", "始终坚持生态优先、绿色发展，推进生态文明高地建设迈上新台阶。",
             "经济运行持续向好。", "精准落实更加积极有为的宏观政策，取得明显成效。"]
    docs = repair_layout(Document("t", "\n".join(lines), "t"))
    assert docs[0].text.split("\n") == lines[1:]


def test_hard_wrapped_page_with_page_numbers():
    # city_gwr_2024/2024_承德市: lines of ~29 characters, a blank line between every line, page numbers
    text = "\n\n".join([
        "各位代表：", "现在，我代表市人民政府向大会报告工作，请予审议，并请市", "政协委员和列席人员提出意见。",
        "一、2023年工作回顾", "刚刚过去的一年，是全面贯彻党的二十大精神的开局之年，是",
        "新冠疫情防控转段后恢复发展的一年，极不寻常、极不平凡、极其", "难忘。习近平总书记两次亲临河北视察，殷殷嘱托情暖心田，谆谆",
        "教导催人奋进。全市广大干部群众高举伟大旗帜、满怀感恩之心，", "— 1 —",
        "接续奋斗、砥砺前行，迈出了奋力谱写中国式现代化建设承德篇章", "的坚实步伐。",
        "一年来，面对严峻复杂的外部环境，面对艰巨繁重的改革发展", "任务，我们坚持以习近平新时代中国特色社会主义思想为指导，深",
        "入学习贯彻习近平总书记视察河北、视察承德重要讲话精神，全面", "贯彻落实党的二十大精神，在市委坚强领导下，完整、准确、全面",
        "贯彻新发展理念，较好地完成了目标任务。", "— 2 —"])
    docs = repair_layout(Document("t", text, "t"))
    paragraphs = docs[0].text.split("\n")
    assert docs[0].meta["layout"] == "wrapped"
    assert paragraphs[0] == "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员和列席人员提出意见。"
    assert paragraphs[1] == "一、2023年工作回顾"
    assert paragraphs[2].endswith("满怀感恩之心，接续奋斗、砥砺前行，迈出了奋力谱写中国式现代化建设承德篇章的坚实步伐。")
    assert paragraphs[3].startswith("一年来，") and paragraphs[3].endswith("较好地完成了目标任务。")
    assert [r.text for r in docs[0].removals if r.reason == "page-number"] == ["— 1 —", "— 2 —"]


# ---------------------------------------------------------------- removals, on lines from the corpora


@pytest.mark.parametrize("line, reason", [
    ("下载", "web-chrome"), ("【字号：", "web-chrome"), ("减小", "web-chrome"), ("】", "web-chrome"),
    ("您的位置:", "web-chrome"), ("分享到微信", "web-chrome"),
    ("2026年上海市政府工作报告", "title"), ("政 府 工 作 报 告", "title"),
    ("——2026年2月3日在上海市第十六届人民代表大会第四次会议上", "dateline"),
    ("人民代表大会第二次会议上", "dateline"), ("新华社北京3月16日电", "dateline"),
    ("来源：解放日报", "source"), ("时间：2026-02-09", "source"), ("2026-02-03 09:02:33", "source"),
    ("上海市市长 龚 正", "speaker"), ("市人民政府市长 秦凤玉", "speaker"), ("池州市人民政府市长\u2002\u2002朱浩东", "speaker"),
    ("王正谱作政府工作报告。本报记者 霍艳恩摄", "caption"),
    ("3月5日，第十届全国人民代表大会第五次会议在北京人民大会堂开幕。国务院总理温家宝向大会作政府工作报告。"
     "新华社记者 姚大伟摄", "caption"),
    ("张工作政府工作报告。", "caption"),
])
def test_front_matter_lines_are_removed_with_their_reason(line, reason):
    docs = repair_layout(_report(head=["下载", line]))
    normalised = {"政 府 工 作 报 告": "政府工作报告", "池州市人民政府市长\u2002\u2002朱浩东": "池州市人民政府市长 朱浩东"}
    assert (reason, normalised.get(line, line)) in _removed(docs)
    assert docs[0].text.split("\n") == KEPT


@pytest.mark.parametrize("line, reason", [
    ("相关报道：", "web-chrome"), ("扫一扫在手机打开当前页", "web-chrome"), ("打印本页", "web-chrome"),
    ("责任编辑：李媛媛", "web-chrome"),
    ("主办单位：益阳市人民政府办公室咨询热线：0737-12345", "site-footer"),
    ("备案号：湘ICP备05002141号（备案管理系统）", "site-footer"), ("网站标识码：4309000006", "site-footer"),
    ("（来源：青海日报）", "source"),
])
def test_web_page_tail_lines_are_removed(line, reason):
    docs = repair_layout(_report(tail=[line, "关闭窗口"]))
    assert (reason, line) in _removed(docs)
    assert docs[0].text.split("\n") == KEPT


def test_glossary_and_appendix_after_the_report_are_removed():
    glossary = ["注释", "［1］一降三减：", "全年火灾起数总体下降，火灾亡人数、伤人数减少。", "［2］四大主导产业：",
                "旅游业、现代服务业、高新技术产业、热带特色高效农业。"]
    docs = repair_layout(_report(tail=glossary))
    assert [reason for reason, _ in _removed(docs) if reason != "address"] == ["glossary"] * 5
    appendix = ["附件", "2026年自治区民生实事", "1.实现城镇新增就业18万人以上，发布就业岗位50万个以上（牵头单位：人社厅）。"]
    docs = repair_layout(_report(tail=appendix))
    assert [reason for reason, _ in _removed(docs) if reason != "address"] == ["appendix"] * 3
    assert docs[0].text.split("\n") == KEPT


@pytest.mark.parametrize("body_line, kept, removed", [
    ("全省首支S基金[4]落地中央商务区。", "全省首支S基金落地中央商务区。", ("endnote-marker", "[4]")),
    ("统筹用好“三个立法权”［28］，推进立法。", "统筹用好“三个立法权”，推进立法。", ("endnote-marker", "［28］")),
    ("化开行“三向班列”^[2]和物流专线。", "化开行“三向班列”和物流专线。", ("endnote-marker", "^[2]")),
    ("已经获得多么辉煌的成就！（鼓掌）在一九五五年，我们完成了任务。",
     "已经获得多么辉煌的成就！在一九五五年，我们完成了任务。", ("applause", "（鼓掌）")),
    ("世界上没有任何力量可以阻挡我们伟大的社会主义事业胜利前进。 （《人民日报》1 9 5 7 0 6 2 7）",
     "世界上没有任何力量可以阻挡我们伟大的社会主义事业胜利前进。", ("print-citation", "（《人民日报》1 9 5 7 0 6 2 7）")),
])
def test_inline_marks_are_cut_from_body_text(body_line, kept, removed):
    docs = repair_layout(_report(body=[*BODY[:3], body_line, *BODY[3:]]))
    assert kept in docs[0].text.split("\n")
    assert removed in _removed(docs)


@pytest.mark.parametrize("sentence", [
    "加强新闻记者队伍建设，规范影视摄制管理。",
    "人民日报最近发表过太原热电站建设工程中的浪费情况，就是一个惊人的例子。",
    "二要为传统产业升级提供技术支持。",
    "在艺术方面，计划摄制和译制影片二百四十七部。",
])
def test_body_sentences_mentioning_reporters_or_photos_stay(sentence):
    docs = repair_layout(_report(body=[*BODY[:4], sentence, *BODY[4:]]))
    assert sentence in docs[0].text.split("\n")


def test_only_a_standalone_byline_closes_an_article():
    text = "\n".join([*BODY[:4], "（记者 张国静）", *BODY[4:], "（记者 王芳 通讯员 李强）"])
    docs = repair_layout(Document("page", text, "page"))
    assert [d.doc_id for d in docs] == ["page#1", "page#2"]
    assert docs[0].text.split("\n") == KEPT[:4] and docs[1].text.split("\n") == KEPT[4:]
    _accounted(Document("page", text, "page"), docs)


# ---------------------------------------------------------------- every shared corpus


@pytest.mark.corpora
@pytest.mark.parametrize("corpus", CORPORA)
def test_kept_plus_removed_accounts_for_every_document(shared_corpora, corpus):
    result = read_documents([shared_corpora / corpus])
    assert result.documents and not result.skipped
    reasons = set()
    for document in result.documents:
        docs = repair_layout(document)
        _accounted(document, docs)
        reasons |= {r.reason for d in docs for r in d.removals}
        for clean in docs:
            assert clean.text.strip() and "\n\n" not in clean.text
    assert reasons <= set(REASONS)


@pytest.mark.corpora
def test_corpus_artefacts_are_removed(shared_corpora):
    """A few artefacts named in the corpus READMEs, checked on the real files."""
    def clean_of(corpus, name):
        result = read_documents([shared_corpora / corpus / name])
        return repair_layout(result.documents[0])

    yiyang = clean_of("city_gwr_2024", "2024_益阳市.txt")
    assert "备案号" not in yiyang[0].text and "名词解释" not in yiyang[0].text and "[1]" not in yiyang[0].text
    hebei = clean_of("province_gwr_2026", "2026_河北省.txt")
    assert {"web-chrome", "title", "dateline", "source", "speaker", "caption"} <= {r.reason for r in hebei[0].removals}
    assert hebei[0].text.startswith("现在，我代表省人民政府向大会报告工作")
    wiki = clean_of("national_gwr_wikisource", "1954.txt")
    assert "本作品" not in wiki[0].text and "Public domain" not in wiki[0].text
    hprc = clean_of("national_gwr_hprc", "1959.txt")
    assert "鼓掌" not in hprc[0].text and "人民日报》" not in hprc[0].text


# ---------------------------------------------------------------- random text


_PIECES = st.sampled_from([
    "各位代表：", "一是", "二是", "（一）", "（二）", "第一，", "1.", "一、", "　　", "\u3000", " ", "\n", "\n\n", "\t",
    "\u200b", "\ufeff", "\xa0", "\r\n", "\r", "。", "！", "？", "；", "：", "，", "“", "”", "（记者 张国静）", "— 1 —",
    "[1]", "［2］", "（鼓掌）", "本作品是中华人民共和国的", "名词解释", "附件", "相关报道：", "摄", "记者",
    "ＡＢＣ１２３", "．", "％", "森 林 防 火", "政 府 工 作 报 告", "2023 年", "First 青年", "（下转第3版）", "（上接第1版）",
    "生态环境", "产业发展", "民生福祉", "社会治理", "安全生产", "政府工作报告", "——2024年1月1日在会议上",
])
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=80).map("".join)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_random_text_never_crashes_and_is_accounted_for(text):
    from topics.ingest.structure import split_units

    document = Document("random", text, "random")
    docs = repair_layout(document)
    assert docs
    _accounted(document, docs)
    for clean in docs:
        for unit in split_units(clean, {"ecology": ["生态"], "industry": ["产业"]}):
            assert clean.text[unit.span[0]:unit.span[1]] == unit.text and unit.text.strip() == unit.text
