#!/usr/bin/env python3
"""Generate the synthetic `mobile` data set: users of a retail bank's mobile
banking app (手机银行), one row per user and one row per user per month from
2024-01 to 2025-09, with a province lookup.

Python 3 standard library only; a fixed seed, so running it again rewrites
identical CSV files beside this script. No real persons.
"""
import csv
import math
import os
import random
from datetime import date, timedelta

SEED = 20251130
OUT = os.path.dirname(os.path.abspath(__file__))
N_USERS = 1500
FIRST = date(2024, 1, 1)
MONTHS = 21  # 2024-01 .. 2025-09
DATA_END = date(2025, 9, 30)

PROVINCES = [
    # code, zh, en, region, weight
    ("SH", "上海", "Shanghai", "华东", 12),
    ("JS", "江苏", "Jiangsu", "华东", 11),
    ("ZJ", "浙江", "Zhejiang", "华东", 10),
    ("SD", "山东", "Shandong", "华东", 7),
    ("BJ", "北京", "Beijing", "华北", 10),
    ("TJ", "天津", "Tianjin", "华北", 4),
    ("HE", "河北", "Hebei", "华北", 5),
    ("GD", "广东", "Guangdong", "华南", 13),
    ("FJ", "福建", "Fujian", "华南", 5),
    ("GX", "广西", "Guangxi", "华南", 3),
    ("SC", "四川", "Sichuan", "西部", 7),
    ("CQ", "重庆", "Chongqing", "西部", 5),
    ("SN", "陕西", "Shaanxi", "西部", 4),
    ("YN", "云南", "Yunnan", "西部", 3),
]

TIERS = [
    # code, zh, en, weight, median balance (万元), sigma
    ("STD", "普通", "Standard", 62, 1.5, 1.0),
    ("GOLD", "金卡", "Gold", 24, 12.0, 0.6),
    ("PLAT", "白金", "Platinum", 11, 70.0, 0.5),
    ("PB", "私行", "Private banking", 3, 900.0, 0.4),
]


def month_start(i):
    y = FIRST.year + (FIRST.month - 1 + i) // 12
    m = (FIRST.month - 1 + i) % 12 + 1
    return date(y, m, 1)


def month_index(d):
    return (d.year - FIRST.year) * 12 + d.month - FIRST.month


def months_between(a, b):
    """Whole months from date a to date b."""
    n = (b.year - a.year) * 12 + b.month - a.month
    if b.day < a.day:
        n -= 1
    return n


def pick(rng, items, wi):
    total = sum(it[wi] for it in items)
    r = rng.uniform(0, total)
    for it in items:
        r -= it[wi]
        if r <= 0:
            return it
    return items[-1]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    l, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= l:
            return k
        k += 1


def main():
    rng = random.Random(SEED)
    users, rows = [], []
    for n in range(N_USERS):
        uid = 100001 + n
        prov = pick(rng, PROVINCES, 4)
        tier = pick(rng, TIERS, 3)
        r = rng.random()
        gender = "M" if r < 0.51 else ("F" if r < 0.985 else "")
        if tier[0] in ("PLAT", "PB"):
            age = int(min(80, max(25, rng.gauss(50, 10))))
        else:
            age = int(min(80, max(18, rng.gauss(38, 12))))
        birth_year = 2025 - age - (1 if rng.random() < 0.25 else 0)
        age = 2025 - birth_year - (0 if rng.random() < 0.75 else 1)
        # registration: most before the window, a quarter during it
        if rng.random() < 0.25:
            reg = FIRST + timedelta(days=rng.randrange((DATA_END - FIRST).days - 20))
        else:
            reg = date(2016, 1, 1) + timedelta(days=rng.randrange((FIRST - date(2016, 1, 1)).days))
        r = rng.random()
        if age >= 55:
            os_ = "iOS" if r < 0.22 else ("Android" if r < 0.72 else "HarmonyOS")
        else:
            os_ = "iOS" if r < 0.40 else ("Android" if r < 0.78 else "HarmonyOS")
        if reg < date(2020, 1, 1) and os_ == "HarmonyOS" and rng.random() < 0.5:
            os_ = "Android"
        if rng.random() < 0.01:
            os_ = ""
        cc_p = {"STD": 0.35, "GOLD": 0.62, "PLAT": 0.8, "PB": 0.85}[tier[0]]
        has_cc = rng.random() < cc_p
        bal = round(tier[4] * math.exp(rng.gauss(0, tier[5])), 2)
        bal_missing = rng.random() < 0.012
        # habit: base monthly logins
        base = math.exp(rng.gauss(math.log(9), 0.8))
        if age >= 60:
            base *= 0.6
        if tier[0] in ("PLAT", "PB"):
            base *= 1.2
        low = base < 4
        hazard = 0.010
        if low:
            hazard *= 2.6
        elif base < 8:
            hazard *= 1.4
        if not has_cc:
            hazard *= 1.9
        if tier[0] == "PB":
            hazard *= 0.5
        elif tier[0] == "PLAT":
            hazard *= 0.7
        if age < 25:
            hazard *= 1.3
        # simulate months
        start_i = max(0, month_index(reg))
        event_i, event_kind = None, None
        for i in range(start_i, MONTHS):
            if i < month_index(reg) + 3:
                continue
            if rng.random() < hazard:
                event_i = i
                event_kind = "closed" if rng.random() < 0.22 else "dormant"
                break
        last_i = event_i if event_i is not None else MONTHS - 1
        closed_date = ""
        for i in range(start_i, last_i + 1):
            m = month_start(i)
            season = 1.0
            if m.month in (1, 2):
                season = 1.18
            elif m.month in (10,):
                season = 1.05
            elif m.month in (7, 8):
                season = 0.95
            lam = base * season
            decline = 1.0
            if event_i is not None:
                left = event_i - i
                if event_kind == "dormant" and left <= 2:
                    lam = 0
                elif left <= 4:
                    decline = 0.35 + 0.13 * left
            lam *= decline
            logins = poisson(rng, lam)
            if event_kind == "closed" and i == event_i:
                logins = max(1, poisson(rng, 1.5))
            tlam = lam * 0.45 * (1.0 + (0.6 if tier[0] in ("PLAT", "PB") else 0.0))
            tcount = poisson(rng, tlam) if logins > 0 else 0
            if tcount:
                avg_amt = {"STD": 900, "GOLD": 3500, "PLAT": 12000, "PB": 60000}[tier[0]]
                if m.month in (1, 2):
                    avg_amt *= 1.35
                amt = sum(avg_amt * math.exp(rng.gauss(-0.3, 0.75)) for _ in range(tcount))
                amt = round(amt, 2)
            else:
                amt = 0.0
            cl = 0.012 + (0.08 if event_i is not None and event_i - i <= 3 else 0)
            complaints = 1 if rng.random() < cl else 0
            if complaints and rng.random() < 0.12:
                complaints = 2
            active_start = i > month_index(reg)
            dormant = event_kind == "dormant" and i == event_i
            closed = event_kind == "closed" and i == event_i
            if closed:
                d = m + timedelta(days=rng.randrange(27))
                closed_date = d.isoformat()
            rows.append([m.isoformat(), uid, logins, tcount, "%.2f" % amt,
                         "true" if active_start else "false",
                         "true" if dormant else "false",
                         "true" if closed else "false", complaints])
        if closed_date:
            bal = 0.0
        users.append([
            uid, gender, birth_year, age, prov[0], tier[0], tier[1], tier[2],
            reg.isoformat(), months_between(reg, DATA_END), os_,
            "true" if has_cc else "false",
            "" if bal_missing else "%.2f" % bal,
            "true" if event_kind == "dormant" else "false", closed_date,
        ])

    with open(os.path.join(OUT, "provinces.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["province_code", "province_zh", "province_en", "region"])
        for p in PROVINCES:
            w.writerow(p[:4])
    with open(os.path.join(OUT, "app_users.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user_id", "gender", "birth_year", "age", "province_code", "tier_code",
                    "tier_zh", "tier_en", "registration_date", "tenure_months", "device_os",
                    "has_credit_card", "deposit_balance_wan", "is_dormant", "closed_date"])
        w.writerows(users)
    with open(os.path.join(OUT, "user_month.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "user_id", "logins", "transfer_count", "transfer_amount",
                    "active_at_start", "became_dormant", "closed_account", "complaints"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
