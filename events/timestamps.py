"""Recording times: canonical UTC text (what `recorded_at` holds), parsed from what importers give."""

from __future__ import annotations

import datetime as dt
import re

from events.rules import limits


def utc_now() -> str:
    return format_timestamp(dt.datetime.now(dt.timezone.utc))


def format_timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TIMESTAMP = re.compile(r"[0-9T:.+Z -]+\Z", re.ASCII)


def parse_timestamp(text: str) -> str:
    """An ISO timestamp (or date) as canonical UTC text; naive times are taken as UTC."""
    try:
        if not _TIMESTAMP.match(text):
            raise ValueError
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        limits.check_year(moment.year, text)
        limits.check_year(moment.astimezone(dt.timezone.utc).year, text)
    except ValueError as error:
        reason = str(error) if str(error).startswith("'") else \
            f"'{text}' is not an ISO timestamp such as 2024-05-01T12:00:00Z"
        raise ValueError(reason) from None
    except (TypeError, OverflowError):
        raise ValueError(f"'{text}' is not an ISO timestamp such as 2024-05-01T12:00:00Z") from None
    return format_timestamp(moment)
