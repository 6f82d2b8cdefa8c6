"""Weighted scoring of vendors (plain Python, no Odoo).

Scores are 0-5 per criterion, vendor and evaluator. A vendor's score on a criterion is the mean
of the evaluators who scored it; on a category, the weighted mean of its scored criteria; its
total (0-100) is the weighted mean of its scored categories, rescaled from 0-5 to 0-100.
A criterion nobody scored is *missing*: reported (``missing``, ``coverage``) and left out of the
means, never counted as zero. The spread is the range (max - min) of the totals each evaluator
alone would give the vendor, to spot disagreement.
"""

from collections import defaultdict

SCALE = 5.0


def _weighted_mean(pairs):
    """Mean of (value, weight) pairs, None when there is nothing to average."""
    weight = sum(w for _value, w in pairs)
    if not pairs or weight <= 0:
        return None
    return sum(value * w for value, w in pairs) / weight


def _total(criterion_scores, categories):
    """(total 0-100 or None, {category_id: 0-100 or None}) from {criterion_id: 0-5}."""
    per_category = {}
    for category_id, _weight, criteria in categories:
        mean = _weighted_mean(
            [(criterion_scores[cid], w) for cid, w in criteria if cid in criterion_scores]
        )
        per_category[category_id] = None if mean is None else mean / SCALE * 100.0
    total = _weighted_mean(
        [
            (per_category[cid], weight)
            for cid, weight, _c in categories
            if per_category[cid] is not None
        ]
    )
    return total, per_category


def _share(part, whole):
    """part / whole in %, one decimal (0 of nothing)."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def strongest_and_weakest(scored):
    """(strongest, weakest) category ids of {category_id: 0-100}, in category order on ties;
    (False, False) when every category scores the same: nothing stands out."""
    if not scored or max(scored.values()) == min(scored.values()):
        return False, False
    return max(scored, key=scored.get), min(scored, key=scored.get)


def rank_vendors(vendor_ids, categories, given, evaluator_ids=()):
    """Rank vendors.

    :param vendor_ids: the vendors evaluated
    :param categories: [(category_id, weight, [(criterion_id, weight)])]
    :param given: [(vendor_id, criterion_id, evaluator_id, score 0-5)]
    :param evaluator_ids: the evaluators whose scores count (for their coverage)
    :return: one dict per vendor, best first: vendor_id, rank, total, categories
        ({category_id: 0-100 or None}), spread, coverage (share of criteria scored, %),
        missing (criteria nobody scored), strongest and weakest category ids (False when
        every category scores the same), evaluators ({evaluator_id: share of the criteria
        they scored, %}).
    """
    by_vendor = defaultdict(lambda: defaultdict(list))
    by_evaluator = defaultdict(lambda: defaultdict(dict))
    for vendor_id, criterion_id, evaluator_id, score in given:
        by_vendor[vendor_id][criterion_id].append(score)
        by_evaluator[vendor_id][evaluator_id][criterion_id] = score
    criterion_count = sum(len(criteria) for _cid, _w, criteria in categories)
    rows = []
    for vendor_id in vendor_ids:
        means = {cid: sum(s) / len(s) for cid, s in by_vendor[vendor_id].items()}
        total, per_category = _total(means, categories)
        evaluator_totals = [
            t
            for t, _c in (_total(scores, categories) for scores in by_evaluator[vendor_id].values())
            if t is not None
        ]
        scored = {cid: value for cid, value in per_category.items() if value is not None}
        strongest, weakest = strongest_and_weakest(scored)
        rows.append(
            {
                "vendor_id": vendor_id,
                "total": round(total, 2) if total is not None else 0.0,
                "categories": {str(cid): value for cid, value in per_category.items()},
                "spread": round(max(evaluator_totals) - min(evaluator_totals), 2)
                if evaluator_totals
                else 0.0,
                "coverage": _share(len(means), criterion_count),
                "missing": criterion_count - len(means),
                "strongest": strongest,
                "weakest": weakest,
                "evaluators": {
                    str(evaluator_id): _share(
                        len(by_evaluator[vendor_id].get(evaluator_id, {})), criterion_count
                    )
                    for evaluator_id in evaluator_ids
                },
            }
        )
    rows.sort(key=lambda row: -row["total"])
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows
