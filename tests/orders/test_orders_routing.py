"""The routing policy, on plain data: no database."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.routing import Delivery, Line, Pickup, Point, RoutingError, route

# The demo network (codes, kinds, districts, delivery areas, priorities, coordinates).
TINH = Point(1, "tinh", "Trung tâm tỉnh", "PROVINCIAL", "094", frozenset(
    ["094", "095", "096", "097", "098", "099", "100", "101", "102", "103"]), 10, 21.3856, 103.0170)
DIEN_BIEN = Point(2, "dien-bien", "Điểm Điện Biên", "DISTRICT", "100", frozenset(["094", "100", "101"]), 20, 21.287, 103.012)
MUONG_ANG = Point(3, "muong-ang", "Điểm Mường Ảng", "DISTRICT", "102", frozenset(["102", "099"]), 20, 21.5195, 103.225)
TUAN_GIAO = Point(4, "tuan-giao", "Điểm Tuần Giáo", "DISTRICT", "099", frozenset(["099", "098", "102", "097"]), 20,
                  21.588, 103.417)
HOI_CHO = Point(5, "hoi-cho", "Hội chợ", "FAIR", "094", frozenset(), 50, 21.3858, 103.0175)
NETWORK = [TINH, DIEN_BIEN, MUONG_ANG, TUAN_GIAO, HOI_CHO]
TO_TUAN_GIAO = Delivery("099", 21.588, 103.417)
TO_MUONG_NHE = Delivery("096", 22.184, 102.455)


def units(decision):
    return {(a.point_id, a.variant_id): a.quantity for a in decision.allocations}


def test_delivery_prefers_the_district_point_in_the_destination():
    stock = {(p.id, 7): 5 for p in NETWORK}
    decision = route([Line(7, 2)], NETWORK, stock, TO_TUAN_GIAO)
    assert units(decision) == {(TUAN_GIAO.id, 7): 2}
    assert "Tuần Giáo" in decision.reason and "district point" in decision.reason_en


def test_delivery_falls_back_to_another_serving_district_point_then_the_provincial_centre():
    stock = {(MUONG_ANG.id, 7): 5, (TINH.id, 7): 5}
    assert units(route([Line(7, 2)], NETWORK, stock, TO_TUAN_GIAO)) == {(MUONG_ANG.id, 7): 2}
    stock = {(DIEN_BIEN.id, 7): 5, (TINH.id, 7): 5}
    decision = route([Line(7, 2)], NETWORK, stock, TO_TUAN_GIAO)
    assert units(decision) == {(TINH.id, 7): 2}
    assert "provincial centre" in decision.reason_en


def test_delivery_from_the_nearest_other_point_when_the_centre_lacks_it():
    stock = {(DIEN_BIEN.id, 7): 5}
    decision = route([Line(7, 2)], NETWORK, stock, TO_TUAN_GIAO)
    assert units(decision) == {(DIEN_BIEN.id, 7): 2}
    assert "nearest" in decision.reason_en


def test_a_fair_stall_never_ships():
    with pytest.raises(RoutingError) as exc:
        route([Line(7, 1)], NETWORK, {(HOI_CHO.id, 7): 9}, TO_TUAN_GIAO)
    assert exc.value.code == "out_of_stock"


def test_one_distant_point_with_everything_beats_splitting_between_near_ones():
    stock = {(MUONG_ANG.id, 1): 3, (TUAN_GIAO.id, 2): 3, (DIEN_BIEN.id, 1): 3, (DIEN_BIEN.id, 2): 3}
    decision = route([Line(1, 1), Line(2, 1)], NETWORK, stock, TO_TUAN_GIAO)
    assert decision.point_ids == [DIEN_BIEN.id]


def test_when_no_single_point_has_everything_two_points_serve():
    stock = {(MUONG_ANG.id, 1): 3, (TUAN_GIAO.id, 2): 3, (TINH.id, 3): 3}
    decision = route([Line(1, 2), Line(2, 1), Line(3, 1)], NETWORK, stock, TO_TUAN_GIAO)
    assert sorted(decision.point_ids) == [TINH.id, MUONG_ANG.id, TUAN_GIAO.id]
    stock = {(MUONG_ANG.id, 1): 3, (TUAN_GIAO.id, 2): 3, (TUAN_GIAO.id, 3): 1, (TINH.id, 1): 3}
    decision = route([Line(1, 2), Line(2, 1), Line(3, 1)], NETWORK, stock, TO_TUAN_GIAO)
    assert len(decision.point_ids) == 2 and TUAN_GIAO.id in decision.point_ids
    assert "2" in decision.reason and "fewest" in decision.reason_en


def test_ties_between_equal_sized_sets_go_to_priority_then_distance():
    # {tinh, tuan-giao} (priorities 10, 20) beats {muong-ang, tuan-giao} (20, 20).
    stock = {(TINH.id, 1): 5, (MUONG_ANG.id, 1): 5, (TUAN_GIAO.id, 2): 5}
    decision = route([Line(1, 1), Line(2, 1)], NETWORK, stock, TO_TUAN_GIAO)
    assert decision.point_ids == [TINH.id, TUAN_GIAO.id]


def test_a_line_larger_than_any_point_is_split():
    stock = {(TINH.id, 1): 3, (TUAN_GIAO.id, 1): 2}
    decision = route([Line(1, 5)], NETWORK, stock, TO_TUAN_GIAO)
    assert units(decision) == {(TUAN_GIAO.id, 1): 2, (TINH.id, 1): 3}


def test_out_of_stock_names_the_line():
    with pytest.raises(RoutingError) as exc:
        route([Line(1, 5, "Mật ong — Hũ 500 g")], NETWORK, {(TINH.id, 1): 4}, TO_MUONG_NHE)
    assert exc.value.code == "out_of_stock"
    assert "Mật ong — Hũ 500 g" in exc.value.message_vi and "4" in exc.value.message_en


def test_pickup_takes_everything_from_the_chosen_point():
    stock = {(MUONG_ANG.id, 1): 2, (MUONG_ANG.id, 2): 1, (TINH.id, 1): 9}
    decision = route([Line(1, 2), Line(2, 1)], NETWORK, stock, Pickup(MUONG_ANG.id))
    assert units(decision) == {(MUONG_ANG.id, 1): 2, (MUONG_ANG.id, 2): 1}


def test_pickup_error_names_the_missing_lines_and_where_they_are():
    stock = {(MUONG_ANG.id, 1): 2, (TINH.id, 2): 4, (TUAN_GIAO.id, 2): 1}
    with pytest.raises(RoutingError) as exc:
        route([Line(1, 1, "Gạo Séng Cù"), Line(2, 2, "Trà Shan tuyết")], NETWORK, stock, Pickup(MUONG_ANG.id))
    err = exc.value
    assert err.code == "insufficient_stock_at_pickup_point" and err.field == "pickupPointId"
    assert "Trà Shan tuyết" in err.message_vi and "Gạo Séng Cù" not in err.message_vi
    assert "Trung tâm tỉnh" in err.message_en and "Điểm Tuần Giáo" not in err.message_en  # only 1 there, 2 needed
    assert err.missing == ((2, [TINH.id]),)


def test_pickup_at_a_closed_or_pickup_less_point_is_refused():
    no_pickup = Point(9, "kho", "Kho", "DISTRICT", "102", frozenset(["102"]), 30, pickup_enabled=False)
    with pytest.raises(RoutingError) as exc:
        route([Line(1, 1)], [*NETWORK, no_pickup], {(9, 1): 5}, Pickup(9))
    assert exc.value.code == "pickup_point_unavailable"
    with pytest.raises(RoutingError):
        route([Line(1, 1)], NETWORK, {(42, 1): 5}, Pickup(42))  # not among the open points


# -- properties ---------------------------------------------------------------------------

VARIANTS = [1, 2, 3, 4]
stock_tables = st.dictionaries(
    st.tuples(st.sampled_from([p.id for p in NETWORK]), st.sampled_from(VARIANTS)), st.integers(0, 6), max_size=20
)
line_lists = st.lists(
    st.tuples(st.sampled_from(VARIANTS), st.integers(1, 8)), min_size=1, max_size=4, unique_by=lambda t: t[0]
).map(lambda rows: [Line(v, q) for v, q in rows])
destinations = st.one_of(
    st.builds(Delivery, st.sampled_from(["094", "096", "099", "100", "102"]), st.just(21.5), st.just(103.2)),
    st.builds(Pickup, st.sampled_from([p.id for p in NETWORK])),
)


@settings(max_examples=300, deadline=None)
@given(lines=line_lists, stock=stock_tables, destination=destinations)
def test_routing_properties(lines, stock, destination):
    try:
        decision = route(lines, NETWORK, stock, destination)
    except RoutingError:
        # Refused only when no allowed choice exists.
        shippers = [p for p in NETWORK if p.delivers_to] if isinstance(destination, Delivery) else [
            p for p in NETWORK if p.id == destination.point_id]
        assert any(sum(stock.get((p.id, line.variant_id), 0) for p in shippers) < line.quantity for line in lines) or (
            isinstance(destination, Pickup))
        if isinstance(destination, Pickup):
            assert any(stock.get((destination.point_id, line.variant_id), 0) < line.quantity for line in lines)
        return
    got = units(decision)
    # Every line gets exactly what it asked for.
    for line in lines:
        assert sum(q for (p, v), q in got.items() if v == line.variant_id) == line.quantity
    # Never more than a point has, never a point without the stock.
    for (point_id, variant_id), quantity in got.items():
        assert 0 < quantity <= stock.get((point_id, variant_id), 0)
    # A single fulfilment whenever one point can serve everything.
    can_one = [p for p in NETWORK if (p.delivers_to if isinstance(destination, Delivery) else p.id == destination.point_id)
               and all(stock.get((p.id, line.variant_id), 0) >= line.quantity for line in lines)]
    if can_one:
        assert len(decision.point_ids) == 1
    if isinstance(destination, Pickup):
        assert decision.point_ids == [destination.point_id]
    else:
        assert HOI_CHO.id not in decision.point_ids
    # Deterministic, whatever the order the points and lines come in.
    again = route(list(reversed(lines)), list(reversed(NETWORK)), dict(reversed(list(stock.items()))), destination)
    assert units(again) == got and again.reason == decision.reason


# -- outside the province -----------------------------------------------------------------------

TO_HANOI = Delivery("", out_of_province=True, place="thành phố Hà Nội", place_en="Ha Noi City")


def test_out_of_province_is_sent_by_the_provincial_centre_and_the_reason_says_why():
    # Mường Ảng and Tuần Giáo have everything too, and priority or distance would not matter: only the centre ships.
    stock = {(p.id, 7): 5 for p in NETWORK}
    decision = route([Line(7, 2)], NETWORK, stock, TO_HANOI)
    assert units(decision) == {(TINH.id, 7): 2}
    assert decision.reason.startswith("Giao ngoài tỉnh: Trung tâm tỉnh gửi hàng đi toàn quốc.")
    assert "tới thành phố Hà Nội" in decision.reason
    assert decision.reason_en.startswith("Out-of-province delivery: the provincial centre ships across Vietnam.")
    assert "to Ha Noi City" in decision.reason_en
    # Inside the province nothing changed: the district point serving the destination.
    assert units(route([Line(7, 2)], NETWORK, stock, TO_TUAN_GIAO)) == {(TUAN_GIAO.id, 7): 2}


def test_a_point_the_province_designates_ships_instead_of_the_centre():
    designated = Point(3, "muong-ang", "Điểm Mường Ảng", "DISTRICT", "102", frozenset(["102", "099"]), 20,
                       21.5195, 103.225, nationwide=True)
    network = [TINH, DIEN_BIEN, designated, TUAN_GIAO, HOI_CHO]
    stock = {(p.id, 7): 5 for p in network}
    decision = route([Line(7, 1)], network, stock, TO_HANOI)
    assert decision.point_ids == [designated.id]
    assert "Điểm Mường Ảng là điểm tỉnh chỉ định gửi hàng đi toàn quốc" in decision.reason
    assert "designates to ship across Vietnam" in decision.reason_en
    # The designated point closed today (not among the open points): the centre sends.
    assert route([Line(7, 1)], [p for p in network if p is not designated], stock, TO_HANOI).point_ids == [TINH.id]


def test_out_of_province_short_at_the_centre_names_the_line_and_where_it_is():
    stock = {(TINH.id, 1): 1, (MUONG_ANG.id, 1): 9, (TINH.id, 2): 5}
    with pytest.raises(RoutingError) as exc:
        route([Line(1, 3, "Mật ong — Hũ 500 g"), Line(2, 1, "Trà")], NETWORK, stock, TO_HANOI)
    err = exc.value
    assert err.code == "out_of_stock" and err.field == "lines"
    assert "Mật ong — Hũ 500 g (cần 3, còn 1; có tại: Điểm Mường Ảng)" in err.message_vi and "Trà" not in err.message_vi
    assert "Trung tâm tỉnh" in err.message_en and err.missing == ((1, [MUONG_ANG.id]),)


def test_out_of_province_splits_only_between_points_that_ship_nationwide():
    second = Point(6, "kho-tinh", "Kho tỉnh", "DISTRICT", "094", frozenset(["094"]), 15, 21.38, 103.01, nationwide=True)
    first = Point(1, "tinh", "Trung tâm tỉnh", "PROVINCIAL", "094", TINH.delivers_to, 10, 21.3856, 103.0170,
                  nationwide=True)
    network = [first, DIEN_BIEN, MUONG_ANG, second]
    stock = {(first.id, 1): 2, (second.id, 2): 2, (MUONG_ANG.id, 1): 9, (MUONG_ANG.id, 2): 9}
    decision = route([Line(1, 1), Line(2, 1)], network, stock, TO_HANOI)
    assert units(decision) == {(first.id, 1): 1, (second.id, 2): 1}
    assert "chia cho 2 điểm" in decision.reason and "Giao ngoài tỉnh" in decision.reason


def test_no_point_ships_out_of_the_province_today():
    with pytest.raises(RoutingError) as exc:
        route([Line(7, 1)], [DIEN_BIEN, MUONG_ANG], {(DIEN_BIEN.id, 7): 5}, TO_HANOI)
    assert exc.value.code == "commune_not_served" and "ngoài tỉnh" in exc.value.message_vi


@settings(max_examples=200, deadline=None)
@given(lines=line_lists, stock=stock_tables)
def test_out_of_province_properties(lines, stock):
    try:
        decision = route(lines, NETWORK, stock, TO_HANOI)
    except RoutingError as exc:
        assert exc.code == "out_of_stock"
        assert any(stock.get((TINH.id, line.variant_id), 0) < line.quantity for line in lines)
        return
    assert decision.point_ids == [TINH.id]  # the only point that ships nationwide in this network
    got = units(decision)
    for line in lines:
        assert got[(TINH.id, line.variant_id)] == line.quantity
    again = route(list(reversed(lines)), list(reversed(NETWORK)), dict(reversed(list(stock.items()))), TO_HANOI)
    assert units(again) == got and again.reason == decision.reason
