"""Date ranges of the reports: days in the shop's time zone, cut into days or weeks.

Shared by the orders and traceability reports (both sit above `shop`), so
"last 30 days by week" means the same thing in every chart of the dashboard.
A week starts on Monday, as on Vietnamese calendars.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone

from shop.errors import CommonErrorCode, ShopError

DAY, WEEK = "day", "week"
PERIODS = (DAY, WEEK)
MAX_DAYS = 366
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class DateRange:
    start: datetime.date
    end: datetime.date  # inclusive
    period: str = DAY

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes: midnight of `start` to midnight after `end`, local time."""
        tz = timezone.get_current_timezone()
        begin = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        after = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return begin, after

    def bucket(self, day: datetime.date) -> datetime.date:
        """The first day of the period `day` falls in."""
        return day - datetime.timedelta(days=day.weekday()) if self.period == WEEK else day

    @property
    def buckets(self) -> list[datetime.date]:
        """Every period of the range, in order, so a day without sales still shows as zero."""
        first, last = self.bucket(self.start), self.bucket(self.end)
        step = datetime.timedelta(days=7 if self.period == WEEK else 1)
        out = []
        while first <= last:
            out.append(first)
            first += step
        return out


def day_bounds(day: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight to midnight of `day` (default today)."""
    day = day or timezone.localdate()
    return DateRange(day, day).bounds


def last_days(days: int = DEFAULT_DAYS, today: datetime.date | None = None, period: str = DAY) -> DateRange:
    today = today or timezone.localdate()
    return DateRange(today - datetime.timedelta(days=days - 1), today, period)


def date_range(start: datetime.date | None, end: datetime.date | None, period: str | None = None,
               today: datetime.date | None = None) -> DateRange:
    """A checked range; a missing end is today, a missing start 30 days before the end."""
    period = period or DAY
    if period not in PERIODS:
        raise ShopError(CommonErrorCode.INVALID_PERIOD, "Hãy chọn theo ngày hoặc theo tuần.", "Choose by day or by week.",
                        field="period")
    end = end or today or timezone.localdate()
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ShopError(CommonErrorCode.RANGE_REVERSED, "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
                        "The start date must be on or before the end date.", field="start")
    if (end - start).days + 1 > MAX_DAYS:
        raise ShopError(CommonErrorCode.RANGE_TOO_LONG, f"Chỉ xem được tối đa {MAX_DAYS} ngày một lần; hãy thu hẹp khoảng ngày.",
                        f"At most {MAX_DAYS} days at a time; narrow the range.", field="start")
    return DateRange(start, end, period)
