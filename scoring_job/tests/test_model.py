import math
import random

from churn_job.model import REFERENCE, Customer, auc, score_customer


def synthetic_customers(count=2000, churn_rate=0.3, seed=7):
    """Customers whose churn is known: churners buy less often, less recently, less and less."""
    rng = random.Random(seed)
    customers, labels = [], []
    for index in range(count):
        churner = rng.random() < churn_rate
        if churner:
            recency = rng.expovariate(1 / 160)
            frequency = rng.choice([0, 1, 1, 2, 3, 4])
            trend = rng.gauss(-0.7, 0.8)
            open_opps = rng.choice([0, 0, 0, 1])
        else:
            recency = rng.expovariate(1 / 45)
            frequency = rng.choice([1, 2, 3, 4, 5, 6, 8])
            trend = rng.gauss(0.1, 0.8)
            open_opps = rng.choice([0, 1, 1, 2])
        monetary = frequency * rng.lognormvariate(8, 0.8)
        customers.append(Customer(index, recency, frequency, monetary, trend, open_opps))
        labels.append(churner)
    return customers, labels


def test_model_ranks_churners_above_loyal_customers():
    customers, labels = synthetic_customers()
    scores = [score_customer(customer)[0] for customer in customers]
    assert auc(scores, labels) > 0.8


def test_model_has_no_signal_on_noise():
    rng = random.Random(3)
    customers, _labels = synthetic_customers(seed=11)
    labels = [rng.random() < 0.3 for _customer in customers]
    scores = [score_customer(customer)[0] for customer in customers]
    assert 0.4 < auc(scores, labels) < 0.6, "the AUC check can fail: random labels score ~0.5"


def test_scores_are_bounded_and_monotonic_in_recency():
    previous = -1
    for days in (0, 30, 90, 180, 365, 720):
        score, _drivers = score_customer(Customer(1, days, 2, 5000, 0.0, 0))
        assert 0 <= score <= 100
        assert score > previous
        previous = score


def test_drivers_explain_what_moved_the_score():
    lapsed = Customer(1, recency_days=300, frequency=1, monetary=900, trend=math.log(0.2))
    score, drivers = score_customer(lapsed)
    assert score > 70
    assert drivers[0]["feature"] == "recency_days"
    assert drivers[0]["label"] == "No purchase for 300 days"
    assert drivers[0]["impact"] > 0
    assert [abs(d["impact"]) for d in drivers] == sorted(
        (abs(d["impact"]) for d in drivers), reverse=True
    )
    trend = next(d for d in drivers if d["feature"] == "trend")
    assert trend["label"] == "Revenue down 80 % on the previous half-year"
    healthy = Customer(2, **REFERENCE)
    assert all(d["impact"] == 0 for d in score_customer(healthy)[1])


def test_auc_of_a_perfect_and_a_reversed_ranking():
    assert auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0
    assert auc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]) == 0.0
    assert auc([0.5, 0.5], [False, True]) == 0.5
