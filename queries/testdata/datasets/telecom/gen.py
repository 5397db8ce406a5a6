#!/usr/bin/env python3
"""Generate the synthetic telecom subscriber snapshot (subscribers.csv).

One flat table, one row per mobile subscriber, no date column: a snapshot as
used in a churn study. Python 3 standard library only; the fixed seed makes
`python3 gen.py` rewrite a byte-identical file.

The data is invented; no row describes a real person.
"""

import csv
import math
import os
import random

SEED = 20261124
ROWS = 5000

# Region is stored in Chinese; the model gives English labels.
REGIONS = [("华东", 0.34), ("华北", 0.24), ("华南", 0.24), ("西部", 0.18)]
# City tier codes; T1 = 一线城市 (Beijing, Shanghai, ...), T4 = 四线及以下.
TIERS = [("T1", 0.20), ("T2", 0.35), ("T3", 0.30), ("T4", 0.15)]
# Plan type codes; the model gives Chinese labels (预付费 / 后付费 / 合约).
PLANS = ["prepaid", "postpaid", "contract"]
# Monthly package prices (元) per plan type.
PACKAGES = {
    "prepaid": [19, 29, 39, 59, 79],
    "postpaid": [39, 59, 79, 99, 129, 159, 199],
    "contract": [58, 88, 128, 158, 198, 238, 298],
}
PAYMENTS = ["alipay", "wechat", "bank_debit", "credit_card", "cash"]


def pick(rng, pairs):
    """Draw one value from (value, weight) pairs."""
    x = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def plan_for(rng, age, tier):
    """Young and lower-tier subscribers lean prepaid; 30-55 in big cities lean contract."""
    w_pre = 0.35 + (0.15 if age < 25 else 0) + (0.08 if tier in ("T3", "T4") else 0)
    w_con = 0.22 + (0.08 if 30 <= age <= 55 else 0) + (0.05 if tier in ("T1", "T2") else 0)
    w_post = 0.40
    return pick(rng, [("prepaid", w_pre), ("postpaid", w_post), ("contract", w_con)])


def tenure_for(rng, plan):
    """Months with the operator: a long tail; contract holders stay longer."""
    mean = {"prepaid": 18, "postpaid": 34, "contract": 46}[plan]
    t = int(rng.expovariate(1 / mean)) + 1
    if plan == "contract":
        t = max(t, 3)
    if t > 120:
        # Lines older than ten years are few; spread them over 5-10 years.
        t = rng.randint(60, 120)
    return t


def charges_for(rng, plan, tier, age):
    """Package price plus overage/value-added services, rounded to the fen."""
    prices = PACKAGES[plan]
    # Higher tiers and working ages pick bigger packages.
    bias = {"T1": 1.6, "T2": 1.2, "T3": 0.9, "T4": 0.7}[tier]
    if 25 <= age <= 50:
        bias *= 1.2
    idx = min(len(prices) - 1, int(rng.random() ** (1 / bias) * len(prices)))
    extra = rng.expovariate(1 / 8) if rng.random() < 0.6 else 0.0
    return round(prices[idx] + extra, 2)


def data_for(rng, charges, age):
    """Average monthly data in GB: grows with the package, falls with age."""
    base = 2.0 + charges / 9.0
    if age < 30:
        base *= 1.5
    elif age >= 55:
        base *= 0.45
    return round(max(0.1, rng.lognormvariate(math.log(base), 0.45)), 2)


def payment_for(rng, plan, age):
    """Cash at the counter is mostly prepaid and older subscribers."""
    w = {"alipay": 0.30, "wechat": 0.32, "bank_debit": 0.18, "credit_card": 0.08, "cash": 0.12}
    if plan == "prepaid":
        w["cash"] += 0.15
        w["bank_debit"] -= 0.10
    if age >= 60:
        w["cash"] += 0.20
        w["wechat"] -= 0.10
    if plan == "contract":
        w["bank_debit"] += 0.12
        w["cash"] = 0.02
    return pick(rng, list(w.items()))


def churn_probability(region, plan, tenure, calls, charges, bundle, age, payment, tier):
    """Logistic churn model: short tenure, no commitment, many support calls,
    high bills and cash payment raise churn; family bundles and contracts lower it."""
    z = -1.6
    z += {"prepaid": 0.55, "postpaid": 0.0, "contract": -1.1}[plan]
    z += 1.1 * math.exp(-tenure / 10.0) - 0.012 * tenure
    z += 0.38 * calls
    z += 0.006 * (charges - 90)
    z -= 0.9 * bundle
    z += 0.35 if age < 25 else 0.0
    z += 0.35 if payment == "cash" else 0.0
    z += {"T1": 0.15, "T2": 0.05, "T3": 0.0, "T4": -0.1}[tier]
    # Competitors are most aggressive in the West, least in the North.
    z += {"华东": 0.0, "华北": -0.15, "华南": 0.05, "西部": 0.25}[region]
    return 1 / (1 + math.exp(-z))


def row(rng, i):
    region = pick(rng, REGIONS)
    tier = pick(rng, TIERS)
    gender = "M" if rng.random() < 0.52 else "F"
    age = int(min(78, max(18, rng.gauss(38, 12.5))))
    plan = plan_for(rng, age, tier)
    tenure = tenure_for(rng, plan)
    charges = charges_for(rng, plan, tier, age)
    data = data_for(rng, charges, age)
    bundle_p = 0.12 + (0.25 if plan != "prepaid" else 0) + (0.12 if 30 <= age <= 55 else 0)
    bundle = 1 if rng.random() < bundle_p else 0
    calls_mean = 1.0 + (0.6 if plan == "prepaid" else 0) + (0.5 if charges > 150 else 0)
    calls = min(12, poisson(rng, calls_mean))
    payment = payment_for(rng, plan, age)
    p = churn_probability(region, plan, tenure, calls, charges, bundle, age, payment, tier)
    churned = 1 if rng.random() < p else 0
    # A few blanks, as a real extract has: age not captured at a store
    # activation, no data record on a voice-only prepaid line, no payment
    # method on file.
    age_out = "" if rng.random() < 0.015 else age
    data_out = "" if (plan == "prepaid" and rng.random() < 0.05) else "%.2f" % data
    pay_out = "" if rng.random() < 0.01 else payment
    return [
        "S%05d" % (i + 1), region, tier, gender, age_out, tenure, plan,
        "%.2f" % charges, data_out, calls, bundle, pay_out, churned,
    ]


def poisson(rng, lam):
    """Knuth's method; fine for small means."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "subscribers.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([
            "subscriber_id", "region", "city_tier", "gender", "age", "tenure_months",
            "plan_type", "monthly_charges", "data_usage_gb", "support_calls",
            "has_family_bundle", "payment_method", "churned",
        ])
        for i in range(ROWS):
            w.writerow(row(rng, i))


if __name__ == "__main__":
    main()
