"""The contract between the scoring job and Odoo: validate a batch of churn scores.

Plain Python, no Odoo: the push API and the pull cron both parse what they receive here, then
hand the valid rows to the model. Messages are English templates with named placeholders;
the caller translates them (``translate(message, **params)``).

A batch (JSON object)::

    {"run_id": "2026-11-23-nightly", "model_version": "rfm-1.0",
     "scored_at": "2026-11-23T02:00:00Z",
     "scores": [{"partner_id": 42, "score": 81.5,
                 "drivers": [{"feature": "recency_days", "label": "No order for 120 days",
                              "impact": 22.0}]},
                {"partner_ref": "C-1001", "score": 12.0, "drivers": []}]}

Every size is bounded (the constants below): a request body, the run id and model version
(the batch is refused whole), and per row the partner reference, the number of drivers, their
feature names and labels (that row is rejected, the others are applied).
"""

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_ROWS = 10_000
MAX_RUN_ID = 128
MAX_MODEL_VERSION = 64
MAX_PARTNER_REF = 128
MAX_PARTNER_ID = 2**31 - 1
MAX_DRIVERS = 20
MAX_FEATURE = 64
MAX_LABEL = 256
MAX_IMPACT = 100.0
# A score dated later than this after the server's clock is refused: it would stay the
# customer's current score until that date.
FUTURE_TOLERANCE = timedelta(days=1)
# Integers longer than this are read as floats (an infinite one when huge): refused as out of
# range by the checks below instead of costing the parser or the database anything.
_MAX_INT_DIGITS = 40


def _lt(message):
    """Marks a message for Odoo's translation export; the caller translates it."""
    return message


class EnvelopeError(ValueError):
    """The batch as a whole is unusable: nothing of it may be written."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass
class Row:
    index: int
    score: float
    drivers: list
    partner_id: int | None = None
    partner_ref: str | None = None


@dataclass
class Batch:
    run_id: str
    model_version: str
    scored_at: datetime
    rows: list = field(default_factory=list)
    # (index, message, params) of the rows refused by their shape alone
    rejected: list = field(default_factory=list)


def shorten(value, limit=60):
    """``value`` as printable text of at most ``limit`` characters, for messages and logs:
    what a client sent is never echoed or logged whole."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\x00")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_int(text):
    return int(text) if len(text.lstrip("-")) <= _MAX_INT_DIGITS else float(text)


def load_json(data):
    """Decode a request or response body (bytes) to Python; EnvelopeError when it is not
    UTF-8 JSON. NaN and Infinity are read as floats and refused row by row later."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EnvelopeError(_lt("the body is not UTF-8 text"))
    try:
        return json.loads(text or "null", parse_int=_parse_int)
    except RecursionError:
        raise EnvelopeError(_lt("nested too deeply"))
    except ValueError as error:  # the parser's own words (position of the error)
        raise EnvelopeError("%(error)s", error=shorten(str(error), 120))


def safe_text(value, limit):
    """``value`` if it is text PostgreSQL can store (UTF-8, no NUL character) of at most
    ``limit`` characters, else False."""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON allows
        return False
    return value


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value):
    if isinstance(value, int):
        return abs(value) < 10**_MAX_INT_DIGITS
    return math.isfinite(value)


def parse_datetime(value):
    """ISO 8601 to a naive UTC datetime (Odoo stores UTC); None when it is not one."""
    if safe_text(value, 64) is False or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment


def _check_drivers(drivers):
    """Message and params of what is wrong with a drivers list, or None."""
    if not isinstance(drivers, list):
        return _lt("drivers must be a list"), {}
    if len(drivers) > MAX_DRIVERS:
        return _lt("at most %(max)s drivers per score"), {"max": MAX_DRIVERS}
    for position, driver in enumerate(drivers):
        if not isinstance(driver, dict):
            return _lt("driver %(position)s is not an object"), {"position": position}
        feature = driver.get("feature")
        if not isinstance(feature, str) or not feature.strip():
            return _lt("driver %(position)s has no feature"), {"position": position}
        if safe_text(feature, MAX_FEATURE) is False:
            return (
                _lt("driver %(position)s: feature must be text of at most %(max)s characters"),
                {"position": position, "max": MAX_FEATURE},
            )
        if driver.get("label") is not None and safe_text(driver["label"], MAX_LABEL) is False:
            return (
                _lt("driver %(position)s: label must be text of at most %(max)s characters"),
                {"position": position, "max": MAX_LABEL},
            )
        impact = driver.get("impact")
        if not _is_number(impact) or not _is_finite(impact) or abs(impact) > MAX_IMPACT:
            return (
                _lt("driver %(position)s: impact must be a number from -%(max)s to %(max)s"),
                {"position": position, "max": int(MAX_IMPACT)},
            )
    return None


def _clean_drivers(drivers):
    cleaned = [
        {
            "feature": driver["feature"].strip(),
            "label": (driver.get("label") or "").strip() or driver["feature"].strip(),
            "impact": float(driver["impact"]),
        }
        for driver in drivers
    ]
    return sorted(cleaned, key=lambda driver: -abs(driver["impact"]))


def _parse_row(index, raw):
    """A Row, or (message, params) of why the row is refused."""
    if not isinstance(raw, dict):
        return _lt("the row is not an object"), {}
    has_id, has_ref = raw.get("partner_id") is not None, raw.get("partner_ref") is not None
    if not has_id and not has_ref:
        return _lt("missing field: partner_id or partner_ref"), {}
    if has_id and has_ref:
        return _lt("give partner_id or partner_ref, not both"), {}
    partner_id = raw.get("partner_id")
    if has_id and (
        not isinstance(partner_id, int)
        or isinstance(partner_id, bool)
        or not 0 < partner_id <= MAX_PARTNER_ID
    ):
        return _lt("partner_id must be a whole number from 1 to %(max)s"), {"max": MAX_PARTNER_ID}
    if has_ref and (
        safe_text(raw["partner_ref"], MAX_PARTNER_REF) is False or not raw["partner_ref"].strip()
    ):
        return (
            _lt("partner_ref must be non-empty text of at most %(max)s characters"),
            {"max": MAX_PARTNER_REF},
        )
    if "score" not in raw:
        return _lt("missing field: score"), {}
    score = raw["score"]
    if not _is_number(score) or not _is_finite(score):
        return _lt("score must be a number"), {}
    if not 0 <= score <= 100:
        return _lt("score %(score)s is out of range (0 to 100)"), {"score": shorten(score, 30)}
    problem = _check_drivers(raw.get("drivers", []))
    if problem:
        return problem
    return Row(
        index=index,
        score=round(float(score), 1),
        drivers=_clean_drivers(raw.get("drivers", [])),
        partner_id=partner_id if has_id else None,
        partner_ref=raw["partner_ref"].strip() if has_ref else None,
    )


def parse_batch(body, now=None):
    """Check the envelope (raising EnvelopeError) and each row; rows refused for their shape
    are listed in ``Batch.rejected``, the rest in ``Batch.rows``. ``now``: the server's clock
    (naive UTC), against which a future ``scored_at`` is refused."""
    if not isinstance(body, dict):
        raise EnvelopeError(_lt("the body must be a JSON object"))
    missing = [key for key in ("run_id", "model_version", "scored_at", "scores") if key not in body]
    if missing:
        raise EnvelopeError(_lt("missing field(s): %(fields)s"), fields=", ".join(missing))
    run_id = body["run_id"]
    if safe_text(run_id, MAX_RUN_ID) is False or not run_id.strip():
        raise EnvelopeError(
            _lt("run_id must be non-empty text of at most %(max)s characters"), max=MAX_RUN_ID
        )
    if safe_text(body["model_version"], MAX_MODEL_VERSION) is False:
        raise EnvelopeError(
            _lt("model_version must be text of at most %(max)s characters"),
            max=MAX_MODEL_VERSION,
        )
    scored_at = parse_datetime(body["scored_at"])
    if scored_at is None:
        raise EnvelopeError(_lt("scored_at must be an ISO 8601 date and time"))
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    if scored_at > now + FUTURE_TOLERANCE:
        raise EnvelopeError(
            _lt("scored_at %(scored_at)s lies more than a day in the future"),
            scored_at=scored_at.isoformat(sep=" "),
        )
    scores = body["scores"]
    if not isinstance(scores, list):
        raise EnvelopeError(_lt("scores must be a list"))
    if len(scores) > MAX_ROWS:
        raise EnvelopeError(
            _lt("at most %(max)s scores per request, got %(count)s"),
            max=MAX_ROWS,
            count=len(scores),
        )
    batch = Batch(run_id=run_id.strip(), model_version=body["model_version"], scored_at=scored_at)
    for index, raw in enumerate(scores):
        parsed = _parse_row(index, raw)
        if isinstance(parsed, Row):
            batch.rows.append(parsed)
        else:
            message, params = parsed
            batch.rejected.append((index, message, params))
    return batch
