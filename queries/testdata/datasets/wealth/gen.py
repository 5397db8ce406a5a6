#!/usr/bin/env python3
"""Generate the synthetic wealth-management data set (fixed seed).

Writes investors.csv, investor_months.csv and complaints.csv beside this
file. Standard library only; running it twice writes identical files.
Money is in 万元 (10,000 CNY). History: 2024-07 .. 2026-06 (24 months).
"""
import csv
import math
import os
import random

SEED = 20260629
FIRST = (2024, 7)
MONTHS = 24
START_BOOK = 700          # investors on the books before the first month
NEW_PER_MONTH = 13        # mean new investors per month

PROVINCES = [  # (zh, en, city tier weight of tier1)
    ("广东", "Guangdong", 0.45), ("上海", "Shanghai", 1.0), ("北京", "Beijing", 1.0),
    ("浙江", "Zhejiang", 0.35), ("江苏", "Jiangsu", 0.3), ("四川", "Sichuan", 0.25),
    ("湖北", "Hubei", 0.25), ("山东", "Shandong", 0.15),
]
PROV_W = [18, 12, 11, 14, 14, 11, 10, 10]
PRODUCTS = ["money_fund", "bond_fund", "equity_fund", "wealth_product"]
# product mix by risk level R1..R5
PROD_W = {
    "R1": [60, 20, 0, 20], "R2": [35, 35, 5, 25], "R3": [15, 30, 25, 30],
    "R4": [8, 17, 50, 25], "R5": [5, 10, 70, 15],
}
# monthly market return by product: (mean, sd)
RET = {"money_fund": (0.0017, 0.0002), "bond_fund": (0.0025, 0.004),
       "equity_fund": (0.004, 0.05), "wealth_product": (0.0030, 0.0015)}
COMPLAINT_CATS = ["fee", "service", "product_loss", "app_issue"]


def month_add(ym, k):
    y, m = ym
    t = y * 12 + (m - 1) + k
    return (t // 12, t % 12 + 1)


def month_index(ym):
    return (ym[0] - FIRST[0]) * 12 + (ym[1] - FIRST[1])


def ds(ym, day=1):
    return "%04d-%02d-%02d" % (ym[0], ym[1], day)


def money(x):
    return "%.2f" % x


def main():
    rnd = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    months = [month_add(FIRST, k) for k in range(MONTHS)]
    # one equity market path shared by everyone: a drawdown in 2025 spring
    equity_path = []
    for k in range(MONTHS):
        shock = -0.06 if k in (9, 10) else (0.05 if k in (14, 15) else 0.0)
        equity_path.append(shock + rnd.gauss(RET["equity_fund"][0], 0.025))

    investors = []
    n = 0

    def new_investor(join):
        nonlocal n
        n += 1
        pi = rnd.choices(range(len(PROVINCES)), PROV_W)[0]
        prov, prov_en, t1 = PROVINCES[pi]
        r = rnd.random()
        tier = "T1" if r < t1 else ("T2" if r < t1 + (1 - t1) * 0.6 else "T3")
        age = int(min(82, max(22, rnd.gauss(46, 13))))
        channel = rnd.choices(["branch", "app", "private_banker"], [45, 43, 12])[0]
        if channel == "app":
            age = int(min(70, max(22, age - rnd.randint(5, 15))))
        risk = rnd.choices(["R1", "R2", "R3", "R4", "R5"], [12, 28, 32, 19, 9])[0]
        if age > 62 and risk in ("R4", "R5"):
            risk = "R2"
        scale = {"branch": 55, "app": 18, "private_banker": 480}[channel]
        tier_mult = {"T1": 1.5, "T2": 1.0, "T3": 0.7}[tier]
        assets = scale * tier_mult * math.exp(rnd.gauss(0, 0.8))
        if channel == "private_banker":
            assets = max(assets, 600 + rnd.random() * 200)
        inv = {
            "id": "INV%05d" % n, "age": age, "gender": rnd.choice("MF"),
            "tier": tier, "prov": prov, "prov_en": prov_en, "risk": risk,
            "channel": channel, "join": join, "assets": assets,
            "product": rnd.choices(PRODUCTS, PROD_W[risk])[0],
            "aum": assets * rnd.uniform(0.3, 0.85),
            "left": None, "dormant_streak": 0, "months": [],
        }
        if rnd.random() < 0.012:
            inv["age"] = None
        if rnd.random() < 0.01:
            inv["prov"] = None
            inv["prov_en"] = None
        investors.append(inv)
        return inv

    for _ in range(START_BOOK):
        back = rnd.choices(range(1, 90), [max(1, 90 - b) for b in range(1, 90)])[0]
        new_investor(month_add(FIRST, -back))

    complaints = []
    for k, ym in enumerate(months):
        if k > 0:
            for _ in range(max(0, int(rnd.gauss(NEW_PER_MONTH + (4 if k % 12 in (5, 6) else 0), 3)))):
                inv = new_investor(ym)
                inv["aum"] = inv["assets"] * rnd.uniform(0.1, 0.4)
        for inv in investors:
            if inv["left"] is not None:
                continue
            if inv["join"] > ym:
                continue
            at_start = inv["join"] < ym
            tenure = month_index(ym) - month_index(inv["join"])
            # flows
            dormant = rnd.random() < (0.25 if inv["dormant_streak"] else 0.06)
            if inv["channel"] == "private_banker":
                dormant = dormant and rnd.random() < 0.4
            inv["dormant_streak"] = inv["dormant_streak"] + 1 if dormant else 0
            if rnd.random() < 0.025:
                inv["product"] = rnd.choices(PRODUCTS, PROD_W[inv["risk"]])[0]
            p = inv["product"]
            ret = equity_path[k] if p == "equity_fund" else rnd.gauss(*RET[p])
            loss_month = ret < -0.03
            # attrition hazard
            h = 0.008
            h *= {"app": 1.6, "branch": 1.0, "private_banker": 0.45}[inv["channel"]]
            h *= 2.2 if tenure < 12 else (1.3 if tenure < 36 else 0.8)
            h *= 2.5 if inv["dormant_streak"] >= 2 else 1.0
            h *= 2.0 if loss_month else 1.0
            h *= 1.4 if inv["aum"] < 5 else 1.0
            h *= 1.6 if any(c[1] == inv["id"] and month_index(c[4]) >= k - 2 for c in complaints[-60:]) else 1.0
            leaving = at_start and rnd.random() < h
            aum0 = inv["aum"]
            subs = reds = 0.0
            if leaving:
                reds = aum0 * (1 + ret)
                aum = 0.0
            else:
                aum = aum0 * (1 + ret)
                if not dormant:
                    if not at_start:
                        subs = inv["assets"] * rnd.uniform(0.1, 0.3)
                    elif rnd.random() < 0.3:
                        subs = aum * rnd.uniform(0.02, 0.25)
                    if at_start and rnd.random() < (0.35 if loss_month else 0.2):
                        reds = aum * rnd.uniform(0.02, 0.5 if loss_month else 0.3)
                aum = max(0.0, aum + subs - reds)
            subs, reds, aum = round(subs, 2), round(reds, 2), round(aum, 2)
            inv["aum"] = aum
            inv["months"].append((ym, p, aum, subs, reds, at_start, not dormant, leaving, tenure))
            # complaints: more after losses and for app users
            pc = 0.012 + (0.03 if loss_month else 0) + (0.01 if inv["channel"] == "app" else 0)
            if not leaving and rnd.random() < pc:
                cat = "product_loss" if loss_month and rnd.random() < 0.6 else rnd.choice(COMPLAINT_CATS)
                if inv["channel"] == "app" and rnd.random() < 0.3:
                    cat = "app_issue"
                complaints.append(["", inv["id"], ds(ym, rnd.randint(1, 28)), cat, ym])
            if leaving:
                inv["left"] = ym

    investors = [i for i in investors if i["months"]]
    with open(os.path.join(here, "investors.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["investor_id", "age", "gender", "city_tier", "province", "province_en",
                    "risk_level", "channel", "join_month", "total_assets", "status"])
        for inv in investors:
            last = inv["months"][-1]
            if inv["left"] is not None:
                status = "left"
                total = inv["assets"] * rnd.uniform(0.05, 0.4)
            else:
                status = "dormant" if not last[6] else "active"
                total = last[2] / rnd.uniform(0.35, 0.85)
            w.writerow([inv["id"], "" if inv["age"] is None else inv["age"], inv["gender"],
                        inv["tier"], inv["prov"] or "", inv["prov_en"] or "", inv["risk"],
                        inv["channel"], ds(inv["join"]), "%.1f" % total, status])
    with open(os.path.join(here, "investor_months.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "investor_id", "product_type", "aum", "subscriptions", "redemptions",
                    "on_book_at_start", "is_active", "left_flag", "tenure_months"])
        rows = []
        for inv in investors:
            for (ym, p, aum, subs, reds, st, act, lv, ten) in inv["months"]:
                rows.append((ds(ym), inv["id"], p, money(aum), money(subs), money(reds),
                             str(st).lower(), str(act).lower(), str(lv).lower(), ten))
        rows.sort(key=lambda r: (r[0], r[1]))
        w.writerows(rows)
    complaints.sort(key=lambda c: (c[2], c[1]))
    with open(os.path.join(here, "complaints.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["complaint_id", "investor_id", "complaint_date", "category", "resolved"])
        for i, c in enumerate(complaints):
            resolved = "true" if rnd.random() < 0.86 else "false"
            w.writerow(["C%05d" % (i + 1), c[1], c[2], c[3], resolved])


if __name__ == "__main__":
    main()
