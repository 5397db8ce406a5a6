#!/usr/bin/env python3
"""Generate the synthetic retail membership data set (fixed seed).

Writes channels.csv, members.csv, member_months.csv and orders.csv next to
this file. Standard library only; running it twice gives identical files.
"""
import csv
import datetime as dt
import os
import random

SEED = 20251231
N_MEMBERS = 2600
FIRST = (2023, 4)
LAST = (2025, 12)

CHANNEL_TYPES = ["APP", "MINI", "WEB", "STORE"]
REGIONS = [("华东", "East"), ("华南", "South"), ("华北", "North"), ("西南", "Southwest")]
LEVELS = ["普通", "银卡", "金卡", "钻石"]
TIERS = ["T1", "T2", "T3", "T4"]
BANDS = ["<1k", "1k-5k", "5k-20k", "20k+"]
CATS = [("服饰", 190.0, 0.16), ("美妆", 240.0, 0.06), ("数码", 1150.0, 0.08),
        ("食品", 75.0, 0.02), ("家居", 330.0, 0.07)]


def months():
    y, m = FIRST
    out = []
    while (y, m) <= LAST:
        out.append(dt.date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def main():
    rnd = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    ms = months()

    channels = []
    cid = 1
    for r_zh, r_en in REGIONS:
        for t in CHANNEL_TYPES:
            channels.append([cid, f"{r_en}-{t}", t, r_zh])
            cid += 1

    members, mm_rows, order_rows = [], [], []
    oid = 100001
    for mid in range(1, N_MEMBERS + 1):
        gender = "F" if rnd.random() < 0.62 else "M"
        age = max(18, min(72, int(rnd.gauss(34, 10))))
        tier = rnd.choices(TIERS, [0.22, 0.30, 0.28, 0.20])[0]
        # signup between 2021-01 and 2025-11
        sm = rnd.randrange(0, 59)
        sy, smo = 2021 + sm // 12, sm % 12 + 1
        signup = dt.date(sy, smo, rnd.randint(1, 28))
        level = rnd.choices([0, 1, 2, 3], [0.55, 0.25, 0.14, 0.06])[0]
        region = rnd.choices(range(4), [0.38, 0.27, 0.22, 0.13])[0]
        ctype_w = [0.45, 0.25, 0.10, 0.20] if age < 40 else [0.30, 0.20, 0.15, 0.35]
        home = rnd.choices(range(4), ctype_w)[0]
        # purchase propensity: higher levels and older members buy more often
        p = 0.22 + 0.09 * level + (0.04 if age >= 35 else 0) + rnd.uniform(-0.08, 0.1)
        if tier == "T4":
            p -= 0.04
        p = max(0.05, min(0.85, p))
        spend = 0.0
        zero_run = 0
        start_date = max(dt.date(sy, smo, 1), ms[0])
        for m in ms:
            if m < start_date:
                continue
            at_start = 1 if dt.date(sy, smo, 1) < m else 0
            # season: Nov (双11) and Jun (618) are busy
            season = 1.5 if m.month == 11 else (1.25 if m.month == 6 else 1.0)
            # new members buy a bit less steadily
            pm = min(0.95, p * season * (0.8 if (m - start_date).days < 120 else 1.0))
            n = 0
            if rnd.random() < pm:
                n = 1 + (rnd.random() < 0.3 + 0.05 * level) + (rnd.random() < 0.08 * level)
            ch = region * 4 + (home if rnd.random() < 0.8 else rnd.randrange(4)) + 1
            gmv = 0.0
            coupons = 0
            for _ in range(n):
                cat, mean, ret_p = rnd.choices(CATS, [0.3, 0.22, 0.1, 0.23, 0.15])[0]
                amt = round(max(9.9, rnd.lognormvariate(0, 0.55) * mean * (1 + 0.1 * level)), 2)
                day = rnd.randint(1, 28)
                returned = 1 if rnd.random() < ret_p * (1.3 if ch % 4 == 3 else 1.0) else 0
                order_rows.append([oid, mid, dt.date(m.year, m.month, day).isoformat(), ch, cat, f"{amt:.2f}", returned])
                oid += 1
                gmv += amt
                if rnd.random() < 0.35 + (0.15 if home == 1 else 0):
                    coupons += 1
            zero_run = 0 if n else zero_run + 1
            lapsed = 1 if zero_run >= 6 else 0
            upgraded = 0
            if n and level < 3 and rnd.random() < 0.012 * n:
                upgraded = 1
                level += 1
            spend += gmv
            mm_rows.append([mid, m.isoformat(), ch, n, f"{gmv:.2f}", coupons, at_start, lapsed, upgraded])
            if lapsed:
                break
        yearly = spend / max(1, len([r for r in mm_rows if r[0] == mid])) * 12
        band = BANDS[0] if yearly < 1000 else BANDS[1] if yearly < 5000 else BANDS[2] if yearly < 20000 else BANDS[3]
        members.append([mid, gender, "" if rnd.random() < 0.03 else age, tier, LEVELS[level],
                        signup.isoformat(), band])

    def write(name, header, rows):
        with open(os.path.join(here, name + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write("channels", ["channel_id", "channel_name", "channel_type", "region"], channels)
    write("members", ["member_id", "gender", "age", "city_tier", "member_level", "signup_date", "spend_band"], members)
    write("member_months", ["member_id", "month", "channel_id", "orders", "gmv", "coupons_used",
                            "active_at_start", "lapsed", "upgraded"], mm_rows)
    write("orders", ["order_id", "member_id", "order_date", "channel_id", "category", "amount", "returned"], order_rows)


if __name__ == "__main__":
    main()
