"""The dashboard's SVG charts: well-formed, accessible, escaped, and honest about empty data."""
import xml.etree.ElementTree as ET

import pytest

from storefront import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    return root


def texts(root) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))


def test_bar_chart_is_accessible_svg_with_one_bar_per_item_scaled_to_the_largest():
    svg = charts.bar_chart("top", title="Bán chạy", desc="Mười sản phẩm", items=[("Mật ong", 300_000), ("Chè", 150_000)],
                           fmt=lambda v: f"{v:,} đ")
    root = parse(svg)
    assert root.find(f"{NS}title").text == "Bán chạy" and root.find(f"{NS}desc").text == "Mười sản phẩm"
    assert root.get("aria-labelledby") == "top-t top-d"
    bars = root.findall(f".//{NS}rect")
    assert len(bars) == 2 and float(bars[0].get("width")) == pytest.approx(2 * float(bars[1].get("width")))
    assert "300,000 đ" in texts(root) and "Mật ong" in texts(root)
    assert [g.find(f"{NS}title").text for g in root.findall(f"{NS}g")] == ["Mật ong: 300,000 đ", "Chè: 150,000 đ"]


def test_line_chart_draws_one_line_per_series_and_a_legend():
    svg = charts.line_chart("sales", title="Doanh số", desc="Theo ngày", x_labels=["01/11", "02/11", "03/11"],
                            series=[("Mường Ảng", [0, 50, 120]), ("Tuần Giáo", [10, 0, 30])])
    root = parse(svg)
    lines = root.findall(f".//{NS}polyline")
    assert len(lines) == 2 and len(lines[0].get("points").split()) == 3
    assert lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")  # told apart without colour
    ys = [float(p.split(",")[1]) for p in lines[0].get("points").split()]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher
    words = texts(root)
    assert "Mường Ảng" in words and "Tuần Giáo" in words and "01/11" in words and "03/11" in words
    assert "125" in words  # the axis ends on the first round tick above the largest value (120)


def test_a_single_period_is_drawn_in_the_middle():
    root = parse(charts.line_chart("one", title="t", desc="d", x_labels=["29/11"], series=[("A", [5])]))
    x = float(root.find(f".//{NS}polyline").get("points").split(",")[0])
    assert 150 < x < 250


def test_text_is_escaped_and_long_labels_wrap():
    name = 'Rượu "ngô" <Tủa Chùa> & Sín Chải — một cái tên rất dài của một hợp tác xã vùng cao huyện Tủa Chùa tỉnh Điện Biên'
    for svg in (charts.bar_chart("b", title="<b>", desc="a & b", items=[(name, 1)]),
                charts.line_chart("l", title="<b>", desc="a & b", x_labels=["x"], series=[(name, [1])])):
        root = parse(svg)
        assert root.find(f"{NS}title").text == "<b>"
        spans = [s.text for s in root.iter(f"{NS}tspan")]
        assert len(spans) == 2 and all(len(s) <= charts.LABEL_CHARS for s in spans) and spans[-1].endswith("…")
        assert spans[0].startswith('Rượu "ngô" <Tủa Chùa> &')


def test_empty_data_says_so():
    for svg in (charts.bar_chart("e", title="T", desc="D", items=[], empty="Chưa có số liệu"),
                charts.bar_chart("z", title="T", desc="D", items=[("A", 0)], empty="Chưa có số liệu"),
                charts.line_chart("f", title="T", desc="D", x_labels=["a"], series=[("A", [0])], empty="Chưa có số liệu")):
        root = parse(svg)
        assert texts(root) == "Chưa có số liệu" and root.find(f".//{NS}rect") is None


def test_wrap_and_nice_max():
    assert charts.wrap("Mật ong hoa ban") == ["Mật ong hoa ban"]
    assert charts.wrap("aaa bbb ccc", width=7) == ["aaa bbb", "ccc"]
    assert charts.wrap("aaa bbb ccc ddd eee", width=7) == ["aaa bbb", "ccc dd…"]
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 120, 2_400_000)] == [1, 1, 5, 10, 200, 2_500_000]


def test_a_chart_id_must_be_a_plain_slug():
    with pytest.raises(ValueError):
        charts.bar_chart('x" onload="alert(1)', title="t", desc="d", items=[("a", 1)])
