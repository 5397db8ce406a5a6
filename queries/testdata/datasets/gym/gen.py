#!/usr/bin/env python3
"""Generate the synthetic fitness-club (健身会所) data set.

Writes members.csv and member_month.csv beside this file. Python 3 standard
library only, fixed seed: running it again rewrites identical files.

The chain is simulated month by month from 2020-01 to 2025-06; monthly rows
are written for 2023-01..2025-06 only. Cancellation (churn) is more likely
for pay-per-visit and monthly plans, for members who came rarely that month,
for new members and less likely with personal training.
"""
import csv
import datetime
import math
import os
import random

SEED = 20251124
HERE = os.path.dirname(os.path.abspath(__file__))

# city (zh), city (en), clubs: (zh, en), price factor
CITIES = [
    ("上海", "Shanghai", [("上海静安店", "Shanghai Jing'an"), ("上海徐汇店", "Shanghai Xuhui"), ("上海浦东店", "Shanghai Pudong")], 1.25),
    ("北京", "Beijing", [("北京朝阳店", "Beijing Chaoyang"), ("北京海淀店", "Beijing Haidian")], 1.20),
    ("深圳", "Shenzhen", [("深圳南山店", "Shenzhen Nanshan"), ("深圳福田店", "Shenzhen Futian")], 1.15),
    ("广州", "Guangzhou", [("广州天河店", "Guangzhou Tianhe"), ("广州越秀店", "Guangzhou Yuexiu")], 1.00),
    ("杭州", "Hangzhou", [("杭州西湖店", "Hangzhou Xihu")], 0.95),
    ("成都", "Chengdu", [("成都锦江店", "Chengdu Jinjiang"), ("成都高新店", "Chengdu Gaoxin")], 0.85),
]
CITY_WEIGHTS = [30, 22, 16, 14, 8, 10]

# plan code -> (list monthly fee before city factor, base monthly churn hazard, share of joiners)
PLANS = {
    "monthly": (399, 0.055, 0.34),
    "quarterly": (339, 0.030, 0.22),
    "annual": (259, 0.014, 0.24),
    "pay_per_visit": (None, 0.080, 0.20),
}

START = (2020, 1)
FIRST_OUT = (2023, 1)
LAST = (2025, 6)


def months(start, end):
    y, m = start
    while (y, m) <= end:
        yield y, m
        m += 1
        if m > 12:
            y, m = y + 1, 1


def days_in(y, m):
    if m == 12:
        return 31
    return (datetime.date(y, m + 1, 1) - datetime.date(y, m, 1)).days


def poisson(rng, lam):
    # Knuth; lam stays small here.
    limit = math.exp(-lam)
    k, p = 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def main():
    rng = random.Random(SEED)
    members = []   # dicts
    rows = []      # member_month rows
    active = []    # indexes into members of members on book
    seq = 0
    for idx, (y, m) in enumerate(months(START, LAST)):
        # Joiners this month: growth over time, January and September peaks,
        # a dip in early 2020.
        base = 26 + idx * 0.45
        if m == 1:
            base *= 1.5
        elif m in (3, 9):
            base *= 1.2
        elif m in (7, 8):
            base *= 1.1
        if (y, m) in ((2020, 2), (2020, 3), (2020, 4)):
            base *= 0.3
        n_new = max(0, int(round(rng.gauss(base, base * 0.12))))
        for _ in range(n_new):
            seq += 1
            ci = rng.choices(range(len(CITIES)), CITY_WEIGHTS)[0]
            city, city_en, clubs, factor = CITIES[ci]
            club, club_en = rng.choice(clubs)
            plan = rng.choices(list(PLANS), [p[2] for p in PLANS.values()])[0]
            gender = "F" if rng.random() < 0.47 else "M"
            age = int(min(68, max(18, rng.gauss(33, 9))))
            pt = rng.random() < (0.32 if plan == "annual" else 0.18 if plan != "pay_per_visit" else 0.05)
            list_fee = PLANS[plan][0]
            fee = None if list_fee is None else int(round(list_fee * factor * rng.uniform(0.9, 1.1)))
            engagement = rng.lognormvariate(math.log(7.0 if plan != "pay_per_visit" else 4.0), 0.55)
            if pt:
                engagement *= 1.3
            mem = {
                "member_id": "M%05d" % seq,
                "gender": gender,
                "age": age if rng.random() > 0.02 else None,
                "city": city,
                "city_en": city_en,
                "club": club,
                "club_en": club_en,
                "plan": plan,
                "join_date": "%04d-%02d-%02d" % (y, m, rng.randint(1, days_in(y, m))),
                "join_ym": (y, m),
                "monthly_fee": fee,
                "personal_training": pt,
                "status": "active",
                "cancel_date": None,
                "engagement": engagement,
                "visit_price": int(round(75 * factor)),
            }
            members.append(mem)
            active.append(len(members) - 1)

        still = []
        for i in active:
            mem = members[i]
            jy, jm = mem["join_ym"]
            tenure = (y - jy) * 12 + (m - jm)
            new = tenure == 0
            season = 1.15 if m in (1, 3, 4, 9, 10) else 0.85 if m in (2, 7, 8) else 1.0
            lam = mem["engagement"] * season * (0.7 if new else 1.0)
            visits = min(30, poisson(rng, lam))
            cancelled = False
            if not new:
                h = PLANS[mem["plan"]][1]
                if visits <= 2:
                    h *= 2.6
                elif visits <= 5:
                    h *= 1.4
                elif visits > 10:
                    h *= 0.55
                if mem["personal_training"]:
                    h *= 0.7
                if tenure < 6:
                    h *= 1.3
                if mem["age"] is not None and mem["age"] < 25:
                    h *= 1.2
                cancelled = rng.random() < h
            if mem["plan"] == "pay_per_visit":
                fee_paid = visits * mem["visit_price"]
            else:
                fee_paid = mem["monthly_fee"]
            if mem["personal_training"]:
                fee_paid += 320 * max(1, visits // 3)
            bookings = poisson(rng, visits * (0.35 if mem["gender"] == "F" else 0.2))
            if (y, m) >= FIRST_OUT:
                rows.append([
                    "%04d-%02d-01" % (y, m), mem["member_id"], tenure, visits, fee_paid,
                    "false" if new else "true", "true" if cancelled else "false", bookings,
                ])
            if cancelled:
                mem["status"] = "cancelled"
                mem["cancel_date"] = "%04d-%02d-%02d" % (y, m, rng.randint(1, days_in(y, m)))
            else:
                still.append(i)
        active = still

    with open(os.path.join(HERE, "members.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["member_id", "gender", "age", "city", "city_en", "club", "club_en", "plan",
                    "join_date", "monthly_fee", "personal_training", "status", "cancel_date"])
        for mem in members:
            w.writerow([
                mem["member_id"], mem["gender"], "" if mem["age"] is None else mem["age"],
                mem["city"], mem["city_en"], mem["club"], mem["club_en"], mem["plan"],
                mem["join_date"], "" if mem["monthly_fee"] is None else mem["monthly_fee"],
                "true" if mem["personal_training"] else "false", mem["status"],
                mem["cancel_date"] or "",
            ])
    with open(os.path.join(HERE, "member_month.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "member_id", "tenure_months", "visits", "fee_paid",
                    "active_at_start", "cancelled", "class_bookings"])
        w.writerows(rows)
    print("members: %d rows, member_month: %d rows" % (len(members), len(rows)))


if __name__ == "__main__":
    main()
