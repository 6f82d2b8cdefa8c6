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
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_ROWS = 10_000
MAX_DRIVERS = 20


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


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_datetime(value):
    """ISO 8601 to a naive UTC datetime (Odoo stores UTC); None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
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
        if not isinstance(driver.get("feature"), str) or not driver["feature"].strip():
            return _lt("driver %(position)s has no feature"), {"position": position}
        if "label" in driver and not isinstance(driver["label"], str):
            return _lt("driver %(position)s: label must be text"), {"position": position}
        if not _is_number(driver.get("impact")):
            return _lt("driver %(position)s: impact must be a number"), {"position": position}
    return None


def _clean_drivers(drivers):
    cleaned = [
        {
            "feature": driver["feature"].strip(),
            "label": (driver.get("label") or driver["feature"]).strip(),
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
    if has_id and (not isinstance(raw["partner_id"], int) or isinstance(raw["partner_id"], bool)):
        return _lt("partner_id must be a whole number"), {}
    if has_ref and (not isinstance(raw["partner_ref"], str) or not raw["partner_ref"].strip()):
        return _lt("partner_ref must be non-empty text"), {}
    if "score" not in raw:
        return _lt("missing field: score"), {}
    score = raw["score"]
    if not _is_number(score) or score != score:  # NaN
        return _lt("score must be a number"), {}
    if not 0 <= score <= 100:
        return _lt("score %(score)s is out of range (0 to 100)"), {"score": score}
    drivers = raw.get("drivers", [])
    problem = _check_drivers(drivers)
    if problem:
        return problem
    return Row(
        index=index,
        score=round(float(score), 1),
        drivers=_clean_drivers(drivers),
        partner_id=raw["partner_id"] if has_id else None,
        partner_ref=raw["partner_ref"].strip() if has_ref else None,
    )


def parse_batch(body):
    """Check the envelope (raising EnvelopeError) and each row; rows refused for their shape
    are listed in ``Batch.rejected``, the rest in ``Batch.rows``."""
    if not isinstance(body, dict):
        raise EnvelopeError(_lt("the body must be a JSON object"))
    missing = [key for key in ("run_id", "model_version", "scored_at", "scores") if key not in body]
    if missing:
        raise EnvelopeError(_lt("missing field(s): %(fields)s"), fields=", ".join(missing))
    run_id = body["run_id"]
    if not isinstance(run_id, str) or not run_id.strip() or len(run_id) > 128:
        raise EnvelopeError(_lt("run_id must be non-empty text of at most 128 characters"))
    if not isinstance(body["model_version"], str) or len(body["model_version"]) > 64:
        raise EnvelopeError(_lt("model_version must be text of at most 64 characters"))
    scored_at = parse_datetime(body["scored_at"])
    if scored_at is None:
        raise EnvelopeError(_lt("scored_at must be an ISO 8601 date and time"))
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
