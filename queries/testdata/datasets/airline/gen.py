#!/usr/bin/env python3
"""Generate the synthetic airline frequent-flyer data set (fixed seed).

Writes members.csv, member_months.csv and redemptions.csv beside this file.
Synthetic: no real persons. Run `python3 gen.py` to rewrite identical files.
"""
import csv
import os
import random
from datetime import date

SEED = 20250701
N_MEMBERS = 2200
MONTHS = [date(2024, 7, 1)] + [date(2024 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(8, 19)]
END = date(2025, 6, 30)

TIERS = [("普卡", 0.50), ("银卡", 0.27), ("金卡", 0.16), ("白金", 0.07)]
CITIES = [("Beijing", 0.22), ("Shanghai", 0.22), ("Guangzhou", 0.16), ("Shenzhen", 0.14), ("Chengdu", 0.14), ("Xian", 0.12)]
CHANNELS = [("app", 0.40), ("web", 0.25), ("airport", 0.20), ("partner", 0.15)]
REWARDS = [("ticket", 0.50), ("upgrade", 0.20), ("mall", 0.18), ("hotel", 0.12)]
TIER_FLIGHTS = {"普卡": 0.35, "银卡": 0.9, "金卡": 1.8, "白金": 3.2}
TIER_CHURN = {"普卡": 0.030, "银卡": 0.016, "金卡": 0.009, "白金": 0.004}


def pick(rng, items):
    r = rng.random()
    acc = 0.0
    for v, w in items:
        acc += w
        if r < acc:
            return v
    return items[-1][0]


def months_between(a, b):
    return (b.year - a.year) * 12 + b.month - a.month


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    members, months, redemptions = [], [], []
    rid = 0
    for i in range(1, N_MEMBERS + 1):
        mid = "FF%06d" % (100000 + i)
        tier = pick(rng, TIERS)
        city = pick(rng, CITIES)
        channel = pick(rng, CHANNELS)
        age = max(18, min(79, int(rng.gauss(39 + 4 * ["普卡", "银卡", "金卡", "白金"].index(tier), 11))))
        # join dates from 2012 to mid 2025; a fifth joined during the data window
        if rng.random() < 0.2:
            join = date(2024, 7, 1).toordinal() + rng.randrange(0, 365)
        else:
            join = date(2012, 1, 1).toordinal() + rng.randrange(0, date(2024, 6, 30).toordinal() - date(2012, 1, 1).toordinal())
        join = date.fromordinal(join)
        tenure = months_between(join, END)
        cobrand = rng.random() < {"普卡": 0.15, "银卡": 0.30, "金卡": 0.45, "白金": 0.60}[tier]
        gender = "F" if rng.random() < 0.46 else "M"
        email_opt_in = "" if rng.random() < 0.04 else ("true" if rng.random() < 0.6 else "false")
        members.append([mid, tier, city, age if rng.random() > 0.02 else "", gender, join.isoformat(), tenure,
                        channel, "true" if cobrand else "false", email_opt_in])
        p_churn = TIER_CHURN[tier] * (0.5 if cobrand else 1.0) * (1.8 if tenure < 24 else 1.0) * (1.4 if channel == "partner" else 1.0)
        churned_already = False
        for m in MONTHS:
            if churned_already:
                break
            if join > date(m.year + (m.month == 12), m.month % 12 + 1, 1).fromordinal(date(m.year + (m.month == 12), m.month % 12 + 1, 1).toordinal() - 1):
                continue  # not joined yet
            at_start = join < m
            churned = at_start and rng.random() < p_churn
            season = 1.3 if m.month in (7, 8, 1, 2) else 1.0
            lam = TIER_FLIGHTS[tier] * season * (1.3 if cobrand else 1.0) * (0.3 if churned else 1.0)
            flights = 0
            while rng.random() < lam / (1 + lam):
                flights += 1
            earned = sum(rng.randrange(600, 3200) for _ in range(flights))
            if cobrand:
                earned += rng.randrange(200, 1500)
            earned = int(earned * {"普卡": 1.0, "银卡": 1.25, "金卡": 1.5, "白金": 2.0}[tier])
            redeemed = 0
            if rng.random() < 0.12 + 0.05 * ["普卡", "银卡", "金卡", "白金"].index(tier):
                n = 1 + (rng.random() < 0.2)
                for _ in range(n):
                    rid += 1
                    rtype = pick(rng, REWARDS)
                    miles = {"ticket": rng.randrange(8, 40), "upgrade": rng.randrange(6, 25),
                             "mall": rng.randrange(1, 8), "hotel": rng.randrange(3, 15)}[rtype] * 1000
                    day = rng.randrange(1, 28)
                    status = "cancelled" if rng.random() < 0.06 else "completed"
                    redemptions.append(["R%07d" % rid, mid, date(m.year, m.month, day).isoformat(), rtype, miles,
                                        status, "app" if rng.random() < 0.6 else "web"])
                    if status == "completed":
                        redeemed += miles
            months.append([mid, m.isoformat(), flights, earned, redeemed,
                           "true" if at_start else "false", "false" if churned else "true",
                           "true" if churned else "false"])
            churned_already = churned
    with open(os.path.join(here, "members.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["member_id", "tier", "home_city", "age", "gender", "join_date", "tenure_months",
                    "enroll_channel", "cobrand_card", "email_opt_in"])
        w.writerows(members)
    with open(os.path.join(here, "member_months.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["member_id", "month", "flights", "miles_earned", "miles_redeemed",
                    "active_at_start", "active", "churned"])
        w.writerows(months)
    with open(os.path.join(here, "redemptions.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["redemption_id", "member_id", "redeem_date", "reward_type", "miles", "status", "channel"])
        w.writerows(redemptions)


if __name__ == "__main__":
    main()
