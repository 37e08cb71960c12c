"""Ruby annotations (cleaning/html/ruby.py): a word's reading stays in its sentence."""

from __future__ import annotations

from cleaning.html.extract import clean_html
from pipelines.rulefiles import load_ruleset

# our own sentences: "the harbour council met on Monday and discussed the repair of the
# breakwater", with the reading of 防波堤 (breakwater) annotated
_RUBY = "<ruby><rb>防波堤</rb><rp>（</rp><rt>ぼうはてい</rt><rp>）</rp></ruby>"
_PARAS = [
    f"港の評議会は月曜日に会合を開き、冬の嵐で壊れた {_RUBY} の修理について長い時間をかけて話し合った。",
    "評議会によると、修理には少なくとも三か月がかかり、その間は北側の岸壁を使う船の数を減らすという。",
    "地元の漁業者は、春の漁の前に工事が終わるよう求めており、評議会は来月までに日程を示すと約束した。",
]


def _page(paras: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        '<html lang="ja"><head><title>防波堤の修理</title></head><body><article>'
        f"<h1>防波堤の修理</h1>{body}</article></body></html>"
    )


def test_the_annotated_word_and_its_reading_stay_in_the_sentence():
    record = clean_html(_page(_PARAS), None, rules=load_ruleset())
    lines = [line for line in record.text.split("\n") if line.strip()]
    first = next(line for line in lines if line.startswith("港の評議会"))
    assert "防波堤（ぼうはてい）" in first
    assert first.rstrip().endswith("話し合った。")
    assert not any(line.strip() in ("防波堤", "ぼうはてい") for line in lines)
