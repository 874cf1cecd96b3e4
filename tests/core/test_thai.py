"""Thai dates are written one way: Thai time, Thai month names and the Buddhist-era year."""

from __future__ import annotations

import datetime as dt

from app.core.thai import current_year, fiscal_year_of, thai_date, thai_format

UTC = dt.UTC


def test_thai_date_is_in_thai_time_with_the_buddhist_year() -> None:
    # 17:30 UTC on 31 December is already 1 January in Thailand.
    assert thai_date(dt.datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == "1 มกราคม 2569"
    assert thai_date(dt.datetime(2026, 2, 20, 4, 0)) == "20 กุมภาพันธ์ 2569"
    assert thai_format(dt.datetime(2026, 6, 9, 3, 5, tzinfo=UTC), "%-d %B %Y เวลา %H:%M น.") == (
        "9 มิถุนายน 2569 เวลา 10:05 น."
    )
    assert thai_format(dt.datetime(2026, 11, 2, tzinfo=UTC), "วันที่ %-d เดือน%B พ.ศ. %Y") == (
        "วันที่ 2 เดือนพฤศจิกายน พ.ศ. 2569"
    )


def test_fiscal_and_current_years_are_buddhist() -> None:
    assert fiscal_year_of(dt.date(2025, 9, 30)) == 2568
    assert fiscal_year_of(dt.date(2025, 10, 1)) == 2569
    assert current_year() - dt.datetime.now(UTC).year in (543, 544)
