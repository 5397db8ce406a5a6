#!/usr/bin/env python3
"""Generate the synthetic credit-card portfolio data set (cards).

Python 3 standard library only, fixed seed: running `python3 gen.py` in this
directory rewrites cardholders.csv, card_months.csv and complaints.csv with
identical content. No real persons: every value is drawn at random.
"""
import csv
import datetime
import os
import random

SEED = 20251031
FIRST = (2024, 1)   # first statement month
LAST = (2025, 10)   # last statement month
N_CARDS = 1400

CITIES = [  # city, English name, region
    ("上海", "Shanghai", "华东"), ("杭州", "Hangzhou", "华东"), ("南京", "Nanjing", "华东"),
    ("北京", "Beijing", "华北"), ("天津", "Tianjin", "华北"),
    ("广州", "Guangzhou", "华南"), ("深圳", "Shenzhen", "华南"),
    ("成都", "Chengdu", "西部"), ("重庆", "Chongqing", "西部"), ("西安", "Xi'an", "西部"),
    ("武汉", "Wuhan", "华中"), ("长沙", "Changsha", "华中"),
]
CITY_W = [14, 8, 6, 13, 5, 10, 11, 8, 7, 5, 8, 5]
TIERS = [("普卡", "Classic"), ("金卡", "Gold"), ("白金卡", "Platinum"), ("钻石卡", "Diamond")]
INCOME = ["low", "mid", "high", "top"]
CHANNELS = ["branch", "online", "telesales", "cobrand"]
COMPLAINT_CATS = ["fee", "fraud", "billing", "service", "limit", "rewards"]
COMPLAINT_CH = ["phone", "app", "branch"]


def months():
    y, m = FIRST
    out = []
    while (y, m) <= LAST:
        out.append((y, m))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def mindex(ym):
    return ym[0] * 12 + ym[1] - 1


def make_cards(rng):
    cards = []
    last_i = mindex(LAST)
    first_i = mindex(FIRST)
    for n in range(N_CARDS):
        card_id = "C%05d" % (10001 + n)
        gender = rng.choice("MF")
        age = max(20, min(72, int(rng.gauss(38, 11))))
        city, city_en, region = rng.choices(CITIES, weights=CITY_W)[0]
        inc = rng.choices(range(4), weights=[30, 40, 20, 10])[0]
        if age < 26 and inc > 1:
            inc = 1
        tier_w = [[70, 25, 5, 0], [35, 45, 18, 2], [10, 35, 45, 10], [2, 13, 45, 40]][inc]
        tier = rng.choices(range(4), weights=tier_w)[0]
        channel = rng.choices(CHANNELS, weights=[30, 40, 15, 15])[0]
        base = [8000, 25000, 60000, 150000][tier]
        limit = int(round(base * rng.uniform(0.6, 1.6) * (1 + 0.15 * inc), -3))
        autopay = rng.random() < [0.35, 0.5, 0.65, 0.75][tier]
        # about 22% of cards are opened inside the statement history
        if rng.random() < 0.22:
            open_i = rng.randint(first_i + 1, last_i - 1)
        else:
            open_i = first_i - rng.randint(1, 120)
        util = min(0.98, max(0.0, rng.betavariate(1.6, 3.2) * (1.25 if inc == 0 else 1.0)))
        cards.append(dict(card_id=card_id, gender=gender, age=age, city=city, city_en=city_en,
                          region=region, income_band=INCOME[inc], inc=inc, tier=tier,
                          channel=channel, limit=limit, autopay=autopay, open_i=open_i,
                          util=util, close_i=None))
    # a few unknown income bands
    for c in rng.sample(cards, 42):
        c["income_band"] = ""
    return cards


def statement_rows(rng, cards):
    rows = []
    first_i = mindex(FIRST)
    for ym in months():
        mi = mindex(ym)
        season = 1.0 + (0.25 if ym[1] in (1, 2) else 0) + (0.2 if ym[1] in (11, 12) else 0) \
            + (0.1 if ym[1] == 10 else 0)
        for c in cards:
            if c["open_i"] > mi or (c["close_i"] is not None and c["close_i"] < mi):
                continue
            tenure = mi - c["open_i"]
            active_at_start = c["open_i"] < mi
            u = min(1.0, max(0.0, c["util"] + rng.gauss(0, 0.06)))
            balance = int(round(c["limit"] * u))
            revolving = u > 0.35 and rng.random() < 0.35 + u * 0.6 and not (c["autopay"] and rng.random() < 0.6)
            min_paid = revolving and rng.random() < 0.45
            p_dpd = 0.012 + (0.07 if revolving else 0) + (0.05 if min_paid else 0) + (0.03 if c["inc"] == 0 else 0)
            dpd = 0
            if rng.random() < p_dpd:
                dpd = rng.choices([5, 15, 30, 45, 60, 90, 120], weights=[25, 25, 18, 10, 10, 7, 5])[0]
            active = rng.random() < 0.9 - 0.1 * (u > 0.85)
            if active:
                spend = round(c["limit"] * rng.uniform(0.05, 0.35) * season, 2)
                txn = max(1, int(spend / rng.uniform(150, 600) * (1.6 if c["tier"] == 0 else 1.0)))
            else:
                spend, txn = 0.0, 0
            # monthly closure hazard: higher for low tiers, short tenure, high utilisation
            h = [0.016, 0.011, 0.007, 0.004][c["tier"]]
            if tenure < 12:
                h *= 2.2
            elif tenure < 24:
                h *= 1.4
            if u > 0.8:
                h *= 1.8
            if not c["autopay"]:
                h *= 1.3
            if dpd >= 90:
                h *= 3
            closed = active_at_start and rng.random() < h
            if closed:
                c["close_i"] = mi
                spend, txn = 0.0, 0
            rows.append(["%04d-%02d-01" % ym, c["card_id"], balance, "%.2f" % spend, txn,
                         str(min_paid).lower(), dpd, str(revolving).lower(), str(closed).lower(),
                         str(active_at_start).lower()])
    return rows


def complaint_rows(rng, cards):
    rows = []
    start = datetime.date(2024, 1, 1)
    end = datetime.date(2025, 10, 31)
    n = 0
    for c in cards:
        lam = 0.35 + (0.3 if c["tier"] == 0 else 0) + (0.25 if c["close_i"] is not None else 0)
        k = 0
        while rng.random() < lam / (1 + lam) and k < 4:
            k += 1
        for _ in range(k):
            lo = max(start, datetime.date(2024, 1, 1) if c["open_i"] < mindex(FIRST)
                     else datetime.date(c["open_i"] // 12, c["open_i"] % 12 + 1, 1))
            hi = end
            if c["close_i"] is not None:
                y, m = divmod(c["close_i"], 12)
                hi = datetime.date(y, m + 1, 28)
            if hi <= lo:
                continue
            d = lo + datetime.timedelta(days=rng.randint(0, (hi - lo).days))
            cat = rng.choices(COMPLAINT_CATS, weights=[25, 10, 20, 20, 15, 10])[0]
            ch = rng.choices(COMPLAINT_CH, weights=[50, 35, 15])[0]
            resolved = rng.random() < (0.75 if d > datetime.date(2025, 9, 30) else 0.93)
            days = rng.randint(1, 10 if cat != "fraud" else 25) if resolved else ""
            n += 1
            rows.append(["K%05d" % n, c["card_id"], d.isoformat(), cat, ch, str(resolved).lower(), days])
    rows.sort(key=lambda r: (r[2], r[0]))
    return rows


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    cards = make_cards(rng)
    stmts = statement_rows(rng, cards)
    comps = complaint_rows(rng, cards)
    last_i = mindex(LAST)
    with open(os.path.join(here, "cardholders.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["card_id", "gender", "age", "city", "city_en", "region", "income_band", "card_tier",
                    "card_tier_en", "channel", "credit_limit", "open_month", "tenure_months", "autopay"])
        for c in cards:
            y, m = divmod(c["open_i"], 12)
            end_i = c["close_i"] if c["close_i"] is not None else last_i
            w.writerow([c["card_id"], c["gender"], c["age"], c["city"], c["city_en"], c["region"],
                        c["income_band"], TIERS[c["tier"]][0], TIERS[c["tier"]][1], c["channel"],
                        c["limit"], "%04d-%02d-01" % (y, m + 1), end_i - c["open_i"],
                        str(c["autopay"]).lower()])
    with open(os.path.join(here, "card_months.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "card_id", "balance", "spend_amount", "txn_count", "min_paid_only",
                    "days_past_due", "revolving", "closed", "active_at_start"])
        w.writerows(stmts)
    with open(os.path.join(here, "complaints.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["complaint_id", "card_id", "complaint_date", "category", "channel", "resolved",
                    "resolution_days"])
        w.writerows(comps)


if __name__ == "__main__":
    main()
