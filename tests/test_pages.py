"""The pages' own helpers (app/pages.py)."""

from datetime import datetime

from app.pages import long_date


def test_long_dates_name_the_month_in_english():
    assert [long_date(datetime(2026, month, 5)) for month in (1, 6, 12)] == [
        "January 5, 2026",
        "June 5, 2026",
        "December 5, 2026",
    ]
