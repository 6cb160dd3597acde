import datetime as dt

import pytest

from events import dates


@pytest.mark.parametrize("text, first, last, precision", [
    ("1995", dt.date(1995, 1, 1), dt.date(1995, 12, 31), "year"),
    ("1996-02", dt.date(1996, 2, 1), dt.date(1996, 2, 29), "month"),
    ("2009-06-12", dt.date(2009, 6, 12), dt.date(2009, 6, 12), "day"),
])
def test_partial_dates_map_to_day_ranges(text, first, last, precision):
    assert dates.first_day(text) == first
    assert dates.last_day(text) == last
    assert dates.precision(text) == precision


@pytest.mark.parametrize("text", ["95", "1995-6", "1995-13", "1995-02-30", "1995/06", "1995-06-12T10:00",
                                  "", "0000", "june 1995", " 1995"])
def test_anything_but_a_partial_date_is_refused(text):
    with pytest.raises(ValueError):
        dates.parse(text)


def test_coarse_dates_order_before_the_finer_dates_inside_them():
    texts = ["1995-02", "1995", "1994-12-31", "1995-01-01", "1995-01"]
    assert sorted(texts, key=dates.sort_key) == ["1994-12-31", "1995", "1995-01", "1995-01-01", "1995-02"]
