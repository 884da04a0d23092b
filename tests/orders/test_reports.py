"""What the staff console and the province dashboard read: the queue, today's totals, sales over time."""
import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from orders import checkout as checkout_service
from orders import fulfilment, payments, reports, services
from orders.models import Fulfillment, Order
from shop.errors import ShopError
from shop.periods import DAY, WEEK, DateRange, date_range, day_bounds, last_days

CUSTOMERS = itertools.count(1)  # each order its own customer: one customer's open unpaid orders are limited


def place(oh, code, variant, quantity=2, method="PAY_AT_PICKUP"):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)],
                                                email=f"khach{next(CUSTOMERS)}@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points[code].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method=method).order


def staff(code):
    return get_user_model().objects.get(username=f"{code}@ocop-dienbien.example")


def placed_at(order, when):
    Order.objects.filter(pk=order.pk).update(created_at=when)


def local(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def top_group(product):
    group = product.group
    while group.parent_id:
        group = group.parent
    return group


# -- ranges -------------------------------------------------------------------------------

def test_a_range_is_checked_and_cut_into_days_or_weeks():
    with pytest.raises(ShopError) as reversed_:
        date_range(datetime.date(2026, 5, 10), datetime.date(2026, 5, 1))
    assert reversed_.value.field == "start"
    with pytest.raises(ShopError) as too_long:
        date_range(datetime.date(2025, 1, 1), datetime.date(2026, 5, 1))
    assert too_long.value.code == "range_too_long"
    with pytest.raises(ShopError):
        date_range(None, None, "month")
    default = date_range(None, datetime.date(2026, 11, 29))
    assert default == DateRange(datetime.date(2026, 10, 31), datetime.date(2026, 11, 29), DAY)
    assert len(default.buckets) == 30 and last_days(30, datetime.date(2026, 11, 29)) == default
    weeks = DateRange(datetime.date(2026, 11, 4), datetime.date(2026, 11, 29), WEEK)  # a Wednesday to a Sunday
    assert weeks.buckets == [datetime.date(2026, 11, d) for d in (2, 9, 16, 23)]
    assert weeks.bucket(datetime.date(2026, 11, 29)) == datetime.date(2026, 11, 23)
    start, end = DateRange(datetime.date(2026, 11, 29), datetime.date(2026, 11, 29)).bounds
    assert start.utcoffset() == datetime.timedelta(hours=7) and end - start == datetime.timedelta(days=1)


# -- sales ----------------------------------------------------------------------------------

def test_sales_count_confirmed_lines_that_were_not_cancelled(oh, django_assert_num_queries):
    variant = oh.variant_only_at(["muong-ang"])
    today = timezone.localdate()
    sold = place(oh, "muong-ang", variant, 2)
    cancelled = place(oh, "muong-ang", variant, 1)
    services.cancel_by_customer(token=cancelled.token)
    unpaid = place(oh, "muong-ang", variant, 1)
    Order.objects.filter(pk=unpaid.pk).update(status=Order.Status.UNCONFIRMED)  # a card order not paid yet
    old = place(oh, "muong-ang", variant, 3)
    placed_at(old, local(today - datetime.timedelta(days=40), 10))
    rng = last_days(30)
    with django_assert_num_queries(1):
        by_point = reports.sales_by("point", rng)
    assert [(r.name, r.total, r.quantity) for r in by_point.rows] == [(oh.points["muong-ang"].name, sold.total_vnd, 2)]
    assert by_point.rows[0].values[-1] == sold.total_vnd and sum(by_point.rows[0].values[:-1]) == 0
    assert len(by_point.periods) == 30 and by_point.total == sold.total_vnd
    with django_assert_num_queries(1):
        by_district = reports.sales_by("district", rng)
    assert [(r.key, r.name) for r in by_district.rows] == [(variant.product.district_id, variant.product.district.name)]
    with django_assert_num_queries(1):
        by_group = reports.sales_by("group", rng)
    group = top_group(variant.product)
    assert [(r.key, r.name, r.total) for r in by_group.rows] == [(group.pk, group.name, sold.total_vnd)]
    wider = date_range(today - datetime.timedelta(days=45), today)
    assert reports.sales_by("point", wider).total == sold.total_vnd + old.total_vnd


def test_sales_fall_on_the_local_day_and_week_they_were_placed(oh):
    variant = oh.variant_only_at(["muong-ang"])
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    late = place(oh, "muong-ang", variant, 1)
    placed_at(late, local(monday - datetime.timedelta(days=1), 23, 30))  # Sunday 23:30 in Điện Biên, 16:30 UTC
    early = place(oh, "muong-ang", variant, 2)
    placed_at(early, local(monday, 0, 15))  # Monday 00:15 in Điện Biên, still Sunday in UTC
    days = reports.sales_by("point", DateRange(monday - datetime.timedelta(days=1), monday, DAY))
    assert days.rows[0].values == [late.total_vnd, early.total_vnd]
    weeks = reports.sales_by("point", DateRange(monday - datetime.timedelta(days=3), monday + datetime.timedelta(days=2), WEEK))
    assert weeks.periods == [monday - datetime.timedelta(days=7), monday]
    assert weeks.rows[0].values == [late.total_vnd, early.total_vnd]


def test_sales_by_point_are_ranked_and_top_products_by_revenue(oh, django_assert_num_queries):
    small = oh.variant_only_at(["tuan-giao"])
    big = oh.variant_only_at(["muong-ang"], exclude=())
    oh.set_stock(big, oh.points["muong-ang"], 50)
    oh.set_stock(small, oh.points["tuan-giao"], 50)
    a = place(oh, "tuan-giao", small, 1)
    b = place(oh, "muong-ang", big, 5)
    rng = last_days(7)
    ranked = reports.sales_by("point", rng).rows
    assert [r.total for r in ranked] == sorted([a.total_vnd, b.total_vnd], reverse=True)
    with django_assert_num_queries(1):
        top = reports.top_products(rng)
    expected = sorted([(small.product.name, a.total_vnd, 1), (big.product.name, b.total_vnd, 5)], key=lambda t: -t[1])
    if small.product_id == big.product_id:
        expected = [(big.product.name, a.total_vnd + b.total_vnd, 6)]
    assert [(p.name, p.revenue_vnd, p.quantity) for p in top] == expected
    assert reports.top_products(rng, limit=1)[0].revenue_vnd == expected[0][1]


# -- one point ------------------------------------------------------------------------------

def test_queue_groups_a_points_work_and_refuses_other_points(oh, django_assert_max_num_queries):
    variant = oh.variant_only_at(["muong-ang"])
    first, second = place(oh, "muong-ang", variant, 1), place(oh, "muong-ang", variant, 1)
    clerk = staff("muong-ang")
    f = second.fulfillments.get()
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=f.pk, status=status, user=clerk)
    with django_assert_max_num_queries(4):
        groups = reports.fulfilment_queue(user=clerk, point=oh.points["muong-ang"])
    assert [g.status for g in groups] == ["NEW", "READY_FOR_PICKUP"]
    new, ready = groups[0].cards[0], groups[1].cards[0]
    assert new.order.pk == first.pk and new.moves == ["PICKING"] and new.can_cancel and new.cash_due is None
    assert ready.moves == ["PICKED_UP"] and ready.cash_due == second.total_vnd
    assert [line.quantity for line in new.lines] == [1]
    with pytest.raises(ShopError) as denied:
        reports.fulfilment_queue(user=clerk, point=oh.points["tuan-giao"])
    assert denied.value.code == "permission_denied"
    with pytest.raises(ShopError):
        reports.staff_point(clerk, "tuan-giao")
    assert reports.staff_point(staff("tinh"), "tuan-giao").code == "tuan-giao"  # the province admin's reach


def test_a_card_order_not_paid_yet_offers_no_move(oh):
    variant = oh.variant_only_at(["muong-ang"])
    order = place(oh, "muong-ang", variant, 1)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.UNCONFIRMED, payment_method="CARD")
    card = reports.fulfilment_queue(user=staff("muong-ang"), point=oh.points["muong-ang"])[0].cards[0]
    assert card.awaiting_payment and card.moves == [] and card.can_cancel and card.cash_due is None


def test_today_totals_of_a_point(oh, django_assert_max_num_queries):
    variant = oh.variant_only_at(["muong-ang"])
    clerk = staff("muong-ang")
    handed = place(oh, "muong-ang", variant, 2)
    waiting = place(oh, "muong-ang", variant, 1)
    dropped = place(oh, "muong-ang", variant, 1)
    yesterday = place(oh, "muong-ang", variant, 1)
    start, _ = day_bounds()
    placed_at(yesterday, start - datetime.timedelta(hours=1))  # an hour before today began, whatever the clock says
    fulfilment.cancel_by_staff(fulfillment_id=dropped.fulfillments.get().pk, reason="hết hàng", user=clerk)
    f = handed.fulfillments.get()
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=f.pk, status=status, user=clerk)
    payments.mark_collected(order_id=handed.pk, amount_vnd=handed.total_vnd, user=clerk)
    fulfilment.update_status(fulfillment_id=f.pk, status="PICKED_UP", user=clerk)
    with django_assert_max_num_queries(4):
        totals = reports.today_totals(user=clerk, point=oh.points["muong-ang"])
    assert totals == reports.DayTotals(orders=2, revenue_vnd=handed.total_vnd + waiting.total_vnd,
                                       cash_collected_vnd=handed.total_vnd, handed_over=1)
    assert reports.today_totals(user=clerk, point=oh.points["muong-ang"], day=start.date() - datetime.timedelta(days=1)).orders == 1
    with pytest.raises(ShopError):
        reports.today_totals(user=clerk, point=oh.points["tuan-giao"])


def test_amounts_due_of_many_orders_in_one_query(oh, django_assert_num_queries):
    variant = oh.variant_only_at(["muong-ang"])
    orders = [place(oh, "muong-ang", variant, n) for n in (1, 2)]
    fulfilment.cancel_by_staff(fulfillment_id=orders[0].fulfillments.get().pk, reason="khách đổi ý", user=staff("muong-ang"))
    with django_assert_num_queries(1):
        due = payments.amounts_due(orders)
    assert due == {orders[0].pk: 0, orders[1].pk: orders[1].total_vnd}
    assert due == {o.pk: payments.amount_due(o) for o in orders}


def test_staff_cancel_needs_a_reason(oh):
    variant = oh.variant_only_at(["muong-ang"])
    order = place(oh, "muong-ang", variant, 1)
    f = order.fulfillments.get()
    with pytest.raises(ShopError) as missing:
        fulfilment.cancel_by_staff(fulfillment_id=f.pk, reason=" \n ", user=staff("muong-ang"))
    assert missing.value.code == "reason_required" and missing.value.field == "note"
    with pytest.raises(ShopError) as denied:
        fulfilment.cancel_by_staff(fulfillment_id=f.pk, reason="hết hàng", user=staff("tuan-giao"))
    assert denied.value.code == "fulfillment_not_found"  # another point's reads as missing: no probing
    assert Fulfillment.objects.get(pk=f.pk).status == "NEW"
    fulfilment.cancel_by_staff(fulfillment_id=f.pk, reason="hết  hàng", user=staff("muong-ang"))
    assert Fulfillment.objects.get(pk=f.pk).status == "CANCELLED"
    assert order.events.filter(kind="FULFILLMENT_STATUS", message__endswith="(hết hàng)").exists()
