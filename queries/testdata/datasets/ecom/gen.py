#!/usr/bin/env python3
"""Generate the synthetic e-commerce membership data set (ecom).

A paid membership programme of an online marketplace (like an "88VIP" or
"Prime" plan), 2023-01 to 2025-06. Three tables:

  cities.csv         one row per city (tier, region, Chinese and English names)
  members.csv        one row per member (join date, city, gender, age, plan,
                     acquisition channel, favourite category)
  member_months.csv  one row per member per month of membership, from the join
                     month to the cancellation month or 2025-06

Python 3 standard library only; fixed seed, so running it again rewrites
identical files. Synthetic: no real persons.
"""
import csv
import os
import random

SEED = 20251015
HERE = os.path.dirname(os.path.abspath(__file__))

CITIES = [
    # id, zh, en, tier, region
    (1, "上海", "Shanghai", "T1", "East"),
    (2, "北京", "Beijing", "T1", "North"),
    (3, "深圳", "Shenzhen", "T1", "South"),
    (4, "广州", "Guangzhou", "T1", "South"),
    (5, "杭州", "Hangzhou", "T2", "East"),
    (6, "成都", "Chengdu", "T2", "West"),
    (7, "南京", "Nanjing", "T2", "East"),
    (8, "武汉", "Wuhan", "T2", "Central"),
    (9, "西安", "Xi'an", "T2", "West"),
    (10, "天津", "Tianjin", "T2", "North"),
    (11, "无锡", "Wuxi", "T3", "East"),
    (12, "佛山", "Foshan", "T3", "South"),
    (13, "洛阳", "Luoyang", "T3", "Central"),
    (14, "绵阳", "Mianyang", "T3", "West"),
    (15, "保定", "Baoding", "T3", "North"),
    (16, "赣州", "Ganzhou", "T3", "Central"),
]
CITY_WEIGHTS = [14, 13, 10, 9, 8, 8, 6, 6, 5, 5, 3, 3, 3, 3, 2, 2]

PLANS = ["monthly", "annual", "student"]
PLAN_FEE = {"monthly": 25.0, "annual": 20.75, "student": 12.5}  # yuan per month
CHANNELS = ["app", "mini_program", "livestream", "referral", "offline"]
CHANNEL_W = [35, 25, 20, 15, 5]
CATEGORIES = ["apparel", "electronics", "beauty", "grocery", "home", "mother_baby"]
CATEGORY_W = [22, 16, 18, 20, 14, 10]
CATEGORY_AOV = {"apparel": 160, "electronics": 520, "beauty": 210,
                "grocery": 85, "home": 240, "mother_baby": 190}


def months():
    out = []
    for y in (2023, 2024, 2025):
        for m in range(1, 13):
            if (y, m) > (2025, 6):
                break
            out.append((y, m))
    return out


def main():
    rnd = random.Random(SEED)
    ms = months()

    with open(os.path.join(HERE, "cities.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["city_id", "city_name", "city_name_en", "city_tier", "region"])
        for c in CITIES:
            w.writerow(c)

    members = []
    mid = 100000
    # Joins per month grow over time (the programme is expanding), with a
    # spike around the 11.11 and 6.18 festivals.
    for i, (y, m) in enumerate(ms):
        n = 45 + i * 2 + (30 if m in (6, 11) else 0)
        for _ in range(n):
            mid += 1
            day = rnd.randint(1, 28)
            city = rnd.choices(CITIES, weights=CITY_WEIGHTS)[0]
            gender = rnd.choices(["F", "M"], weights=[58, 42])[0]
            age = max(18, min(68, int(rnd.gauss(33, 9))))
            plan_w = [50, 35, 15]
            if age <= 24:
                plan_w = [35, 15, 50]
            elif age >= 40:
                plan_w = [40, 58, 2]
            plan = rnd.choices(PLANS, weights=plan_w)[0]
            if plan == "student" and age > 28:
                plan = "monthly"
            channel = rnd.choices(CHANNELS, weights=CHANNEL_W)[0]
            cat = rnd.choices(CATEGORIES, weights=CATEGORY_W)[0]
            age_out = "" if rnd.random() < 0.02 else age
            members.append({
                "member_id": mid, "join_date": "%04d-%02d-%02d" % (y, m, day),
                "city_id": city[0], "gender": gender, "age": age_out,
                "plan": plan, "channel": channel, "fav_category": cat,
                "_idx": i, "_tier": city[3], "_age": age,
            })

    with open(os.path.join(HERE, "members.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["member_id", "join_date", "city_id", "gender", "age", "plan",
                    "channel", "fav_category"])
        for mb in members:
            w.writerow([mb[k] for k in ("member_id", "join_date", "city_id", "gender",
                                        "age", "plan", "channel", "fav_category")])

    with open(os.path.join(HERE, "member_months.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["month", "member_id", "tenure_months", "monthly_fee", "orders",
                    "gmv", "coupons_used", "active", "cancelled", "auto_renew"])
        for mb in members:
            plan = mb["plan"]
            auto = rnd.random() < {"monthly": 0.55, "annual": 0.75, "student": 0.45}[plan]
            engagement = rnd.lognormvariate(0, 0.5)
            if mb["channel"] == "livestream":
                engagement *= 1.15
            if mb["_tier"] == "T1":
                engagement *= 1.1
            aov = CATEGORY_AOV[mb["fav_category"]]
            for t, (y, m) in enumerate(ms[mb["_idx"]:]):
                # Occasionally a member switches auto-renew.
                if rnd.random() < 0.04:
                    auto = not auto
                lam = 2.2 * engagement * (1.35 if m in (6, 11) else 1.0)
                if t == 0:
                    lam *= 1.2
                orders = 0
                # Poisson-ish draw
                p = rnd.random()
                acc = 0.0
                import math
                term = math.exp(-lam)
                k = 0
                while True:
                    acc += term
                    if p <= acc or k > 30:
                        break
                    k += 1
                    term *= lam / k
                orders = k
                gmv = 0.0
                for _ in range(orders):
                    gmv += aov * rnd.lognormvariate(-0.1, 0.45)
                gmv = round(gmv, 2)
                coupons = sum(1 for _ in range(orders) if rnd.random() < 0.45)
                active = orders > 0
                # Cancellation hazard: monthly plans and auto-renew off churn
                # more; early tenure is riskiest; inactive months raise it.
                h = {"monthly": 0.06, "annual": 0.02, "student": 0.045}[plan]
                if plan == "annual" and t % 12 == 11:
                    h = 0.22
                if not auto:
                    h *= 2.0
                if t < 3:
                    h *= 1.6
                if not active:
                    h *= 1.8
                if mb["_age"] >= 45:
                    h *= 0.8
                cancelled = rnd.random() < h
                fee = PLAN_FEE[plan]
                w.writerow(["%04d-%02d-01" % (y, m), mb["member_id"], t, fee, orders,
                            "%.2f" % gmv, coupons, str(active).lower(),
                            str(cancelled).lower(), str(auto).lower()])
                if cancelled:
                    break


if __name__ == "__main__":
    main()
