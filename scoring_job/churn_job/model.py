"""An explainable churn model on recency, frequency, monetary value, trend and engagement.

    logit = BIAS + sum(WEIGHTS[f] * transform_f(feature_f))
    score = 100 / (1 + exp(-logit))                     (0 = safe, 100 = about to leave)

Transforms: recency in quarters (days / 90, capped at 8), log(1 + purchases in the last year),
log(1 + revenue of the last year / 1,000), trend = log((revenue of the last 180 days + 1) /
(revenue of the 180 days before + 1)) clipped to [-3, 3], open opportunities capped at 5.

The reason behind a score ("driver") is what each feature adds to the score compared with a
healthy customer (REFERENCE): the score with that one feature set to its reference value,
subtracted from the actual score. Positive impact raises the risk.
"""

import math
from dataclasses import dataclass

MODEL_VERSION = "rfm-1.0"
BIAS = -1.2
WEIGHTS = {
    "recency": 0.9,
    "frequency": -0.8,
    "monetary": -0.25,
    "trend": -0.6,
    "engagement": -0.35,
}
REFERENCE = {
    "recency_days": 30.0,
    "frequency": 4.0,
    "monetary": 10_000.0,
    "trend": 0.0,
    "open_opportunities": 1.0,
}


@dataclass
class Customer:
    partner_id: int
    recency_days: float
    frequency: float
    monetary: float
    trend: float  # log ratio of the last half-year's revenue to the one before
    open_opportunities: float = 0.0


def _terms(values):
    return {
        "recency": min(values["recency_days"], 720.0) / 90.0,
        "frequency": math.log1p(max(values["frequency"], 0.0)),
        "monetary": math.log1p(max(values["monetary"], 0.0) / 1000.0),
        "trend": max(-3.0, min(3.0, values["trend"])),
        "engagement": min(max(values["open_opportunities"], 0.0), 5.0),
    }


def _score(values):
    terms = _terms(values)
    logit = BIAS + sum(WEIGHTS[name] * terms[name] for name in WEIGHTS)
    return 100.0 / (1.0 + math.exp(-logit))


FEATURE_OF_TERM = {
    "recency": "recency_days",
    "frequency": "frequency",
    "monetary": "monetary",
    "trend": "trend",
    "engagement": "open_opportunities",
}


def _label(feature, value):
    if feature == "recency_days":
        return f"No purchase for {int(value)} days"
    if feature == "frequency":
        return f"{int(value)} purchase(s) in the last year"
    if feature == "monetary":
        return f"Revenue of the last year: {value:,.0f}"
    if feature == "trend":
        change = (math.exp(value) - 1.0) * 100.0
        direction = "up" if change >= 0 else "down"
        return f"Revenue {direction} {abs(change):.0f} % on the previous half-year"
    return f"{int(value)} open opportunity(ies)"


def score_customer(customer):
    """(score 0-100 rounded to 0.1, drivers strongest first)."""
    values = {feature: float(getattr(customer, feature)) for feature in REFERENCE}
    score = _score(values)
    drivers = []
    for feature in REFERENCE:
        baseline = dict(values, **{feature: REFERENCE[feature]})
        impact = score - _score(baseline)
        drivers.append(
            {
                "feature": feature,
                "label": _label(feature, values[feature]),
                "impact": round(impact, 1),
            }
        )
    drivers.sort(key=lambda driver: -abs(driver["impact"]))
    return round(score, 1), drivers


def auc(scores, labels):
    """Area under the ROC curve: the chance a churner scores above a loyal customer."""
    positives = [s for s, label in zip(scores, labels, strict=True) if label]
    negatives = [s for s, label in zip(scores, labels, strict=True) if not label]
    if not positives or not negatives:
        raise ValueError("AUC needs both churners and loyal customers")
    ranked = sorted((s, i) for i, s in enumerate(scores))
    ranks = [0.0] * len(scores)
    position = 0
    while position < len(ranked):
        end = position
        while end + 1 < len(ranked) and ranked[end + 1][0] == ranked[position][0]:
            end += 1
        average = (position + end) / 2.0 + 1.0
        for k in range(position, end + 1):
            ranks[ranked[k][1]] = average
        position = end + 1
    positive_ranks = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    n_pos, n_neg = len(positives), len(negatives)
    return (positive_ranks - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
