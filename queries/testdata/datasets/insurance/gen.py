#!/usr/bin/env python3
"""Generate the synthetic life/health insurance policy book.

Standard library only, fixed seed: `python3 gen.py` rewrites the same CSVs
in this folder. No real persons; every name, id and amount is invented.

Tables (one CSV each):
  agencies       one row per sales agency
  policyholders  one row per policyholder
  policies       one row per policy (issue attributes)
  policy_months  one row per policy per month it is on the books,
                 2023-01 .. 2025-06 (from its issue month, or 2023-01, to
                 the month it lapses, or 2025-06)
  claims         one row per claim filed, 2023-01-01 .. 2025-06-30
"""

import csv
import datetime as dt
import math
import os
import random

SEED = 20250630
FIRST = (2023, 1)
LAST = (2025, 6)
HERE = os.path.dirname(os.path.abspath(__file__))

# province, English name, cities (zh, en)
PROVINCES = [
    ("广东", "Guangdong", [("广州", "Guangzhou"), ("深圳", "Shenzhen")]),
    ("浙江", "Zhejiang", [("杭州", "Hangzhou"), ("宁波", "Ningbo")]),
    ("江苏", "Jiangsu", [("南京", "Nanjing"), ("苏州", "Suzhou")]),
    ("山东", "Shandong", [("济南", "Jinan"), ("青岛", "Qingdao")]),
    ("四川", "Sichuan", [("成都", "Chengdu")]),
    ("湖北", "Hubei", [("武汉", "Wuhan")]),
    ("北京", "Beijing", [("北京", "Beijing")]),
    ("上海", "Shanghai", [("上海", "Shanghai")]),
    ("河南", "Henan", [("郑州", "Zhengzhou")]),
    ("福建", "Fujian", [("福州", "Fuzhou"), ("厦门", "Xiamen")]),
]
# relative size of each province's book
PROVINCE_WEIGHT = {"广东": 16, "浙江": 12, "江苏": 12, "山东": 9, "四川": 8,
                   "湖北": 7, "北京": 10, "上海": 11, "河南": 7, "福建": 8}

BANKS = [("工行", "ICBC"), ("建行", "CCB"), ("招行", "CMB"), ("中行", "BOC"),
         ("农行", "ABC")]

PRODUCTS = ["重疾", "医疗", "寿险", "意外"]
# product mix by channel
PRODUCT_MIX = {
    "代理人": {"重疾": 45, "医疗": 15, "寿险": 30, "意外": 10},
    "银保": {"重疾": 15, "医疗": 5, "寿险": 75, "意外": 5},
    "网销": {"重疾": 12, "医疗": 55, "寿险": 5, "意外": 28},
}
INCOME_BANDS = ["低", "中", "中高", "高"]


def pick(rng, weights):
    """Draw a key of weights with probability proportional to its value."""
    total = sum(weights.values())
    r = rng.random() * total
    for k, w in weights.items():
        r -= w
        if r < 0:
            return k
    return k


def month_index(y, m):
    return y * 12 + (m - 1)


def ym(idx):
    return idx // 12, idx % 12 + 1


def make_agencies(rng):
    rows = []
    aid = 1
    for prov, prov_en, cities in PROVINCES:
        big = PROVINCE_WEIGHT[prov] >= 10
        # agent offices per city, one or two bank partners, one online desk
        for city, city_en in cities:
            rows.append([aid, f"{city}个险营销服务部", f"{city_en} Agency Office",
                         prov, prov_en, "代理人"])
            aid += 1
        if big:
            city, city_en = cities[0]
            rows.append([aid, f"{city}第二营销服务部", f"{city_en} Agency Office No.2",
                         prov, prov_en, "代理人"])
            aid += 1
        nbanks = 2 if big else 1
        for b in rng.sample(BANKS, nbanks):
            city, city_en = cities[0]
            rows.append([aid, f"{b[0]}{city}分行银保部", f"{b[1]} {city_en} Bancassurance",
                         prov, prov_en, "银保"])
            aid += 1
        if prov in ("广东", "浙江", "北京", "上海", "四川"):
            city, city_en = cities[0]
            rows.append([aid, f"{prov}互联网销售中心", f"{prov_en} Online Sales",
                         prov, prov_en, "网销"])
            aid += 1
    return rows


def make_holders(rng, n):
    rows = []
    provs = {p: w for p, w in PROVINCE_WEIGHT.items()}
    for i in range(n):
        hid = 5001 + i
        prov = pick(rng, provs)
        cities = next(c for p, _, c in PROVINCES if p == prov)
        city, city_en = rng.choice(cities)
        gender = "F" if rng.random() < 0.53 else "M"
        age = int(min(72, max(20, rng.gauss(40, 11))))
        birth_year = 2025 - age
        inc_w = {"低": 25, "中": 40, "中高": 22, "高": 13}
        if city in ("北京", "上海", "深圳", "杭州"):
            inc_w = {"低": 15, "中": 35, "中高": 30, "高": 20}
        income = pick(rng, inc_w)
        r = rng.random()
        by, ag = birth_year, age
        if r < 0.012:          # birth date never captured
            by, ag = None, None
        if rng.random() < 0.04:  # income not declared
            income = None
        c_zh, c_en = city, city_en
        if rng.random() < 0.01:  # address missing
            c_zh, c_en = None, None
        rows.append({"holder_id": hid, "gender": gender, "birth_year": by,
                     "age": ag, "city": c_zh, "city_en": c_en,
                     "income_band": income, "_prov": prov, "_age": age,
                     "_income": income or "中"})
    return rows


def premium_for(rng, product, channel, age, income):
    """Annual premium (yuan) and sum insured for a new policy."""
    if product == "重疾":
        si = rng.choice([100000, 200000, 300000, 300000, 500000])
        if income in ("中高", "高"):
            si = max(si, rng.choice([300000, 500000]))
        rate = 0.018 + 0.0011 * max(0, age - 25)
        return int(round(si * rate * rng.uniform(0.9, 1.1), -1)), si
    if product == "医疗":
        si = rng.choice([1000000, 2000000, 4000000])
        return int(round((180 + 16 * max(0, age - 18)) * rng.uniform(0.85, 1.2))), si
    if product == "寿险":
        if channel == "银保":  # savings-type whole life, large premiums
            p = rng.choice([10000, 20000, 30000, 50000, 50000, 100000])
            if income == "高":
                p *= rng.choice([1, 2, 3])
            return p, int(p * rng.choice([8, 10, 12]))
        si = rng.choice([500000, 1000000, 1500000])
        rate = 0.0012 + 0.00012 * max(0, age - 25)
        return int(round(si * rate * rng.uniform(0.9, 1.1), -1)), si
    si = rng.choice([300000, 500000, 1000000])
    return int(round(rng.uniform(100, 300) + 0.0003 * si, -1)), si


def main():
    rng = random.Random(SEED)
    agencies = make_agencies(rng)
    by_prov_channel = {}
    for a in agencies:
        by_prov_channel.setdefault((a[3], a[5]), []).append(a[0])
    by_channel = {}
    for a in agencies:
        by_channel.setdefault(a[5], []).append(a[0])
    online = by_channel["网销"]

    holders = make_holders(rng, 2050)

    first = month_index(*FIRST)
    last = month_index(*LAST)

    # issue months: a book already in force in 2023-01 (issued 2018..2022)
    # and new business 2023-01 .. 2025-06 with the January push (开门红)
    policies = []
    pid = 1001
    season = {1: 3.0, 2: 1.6, 3: 1.5, 4: 0.9, 5: 0.8, 6: 1.1, 7: 0.8, 8: 0.8,
              9: 0.9, 10: 0.8, 11: 0.9, 12: 1.2}
    new_months = {}
    for idx in range(first, last + 1):
        y, m = ym(idx)
        growth = 1 + 0.25 * (y - 2023)
        new_months[idx] = season[m] * growth
    old_months = {idx: season[ym(idx)[1]] * (0.6 + 0.1 * (ym(idx)[0] - 2018))
                  for idx in range(month_index(2018, 1), first)}

    def new_policy(holder, issue_idx):
        nonlocal pid
        age_at_issue = holder["_age"] - (2025 - ym(issue_idx)[0])
        age_at_issue = max(18, age_at_issue)
        cw = {"代理人": 50, "银保": 25, "网销": 25}
        if age_at_issue < 32:
            cw = {"代理人": 35, "银保": 8, "网销": 57}
        elif age_at_issue >= 48:
            cw = {"代理人": 45, "银保": 45, "网销": 10}
        if ym(issue_idx)[0] >= 2024:
            cw["网销"] *= 1.3
        channel = pick(rng, cw)
        cands = by_prov_channel.get((holder["_prov"], channel))
        if channel == "网销":
            cands = cands or online
            if rng.random() < 0.4:
                cands = online
        if not cands or rng.random() < 0.05:
            cands = by_channel[channel]
        agency = rng.choice(cands)
        product = pick(rng, PRODUCT_MIX[channel])
        prem, si = premium_for(rng, product, channel, age_at_issue, holder["_income"])
        y, m = ym(issue_idx)
        day = rng.randint(1, 28)
        p = {"policy_id": pid, "holder_id": holder["holder_id"], "agency_id": agency,
             "product_line": product, "issue_date": dt.date(y, m, day),
             "annual_premium": prem, "sum_insured": si, "_channel": channel,
             "_issue_idx": issue_idx, "_holder": holder}
        pid += 1
        policies.append(p)
        return p

    # every holder has a first policy; about one in five a second one
    for h in holders:
        if rng.random() < 0.12:
            idx = pick(rng, old_months)
        else:
            idx = pick(rng, new_months)
        new_policy(h, idx)
    for h in rng.sample(holders, 560):
        new_policy(h, pick(rng, new_months))

    # simulate month by month from 2023-01
    pm_rows = []
    claim_rows = []
    cid = 700001
    for p in sorted(policies, key=lambda q: q["policy_id"]):
        h = p["_holder"]
        issue_idx = p["_issue_idx"]
        start = max(first, issue_idx)
        product, channel = p["product_line"], p["_channel"]
        for idx in range(start, last + 1):
            y, m = ym(idx)
            in_force_at_start = 0 if idx == issue_idx else 1
            lapsed = 0
            renewed = None
            years = (idx - issue_idx) // 12
            due = idx != issue_idx and (idx - issue_idx) % 12 == 0
            mult = 1.0
            if channel == "网销":
                mult *= 1.4
            elif channel == "银保":
                mult *= 0.85
            if h["_age"] < 30:
                mult *= 1.3
            if h["_income"] == "低":
                mult *= 1.35
            elif h["_income"] == "高":
                mult *= 0.7
            if y == 2025:
                mult *= 1.2
            if due:
                if product == "医疗":
                    q = 0.18
                elif product == "意外":
                    q = 0.26
                elif product == "重疾":
                    q = {1: 0.10, 2: 0.07}.get(years, 0.035)
                else:
                    q = {1: 0.07}.get(years, 0.03)
                if rng.random() < min(0.6, q * mult):
                    renewed, lapsed = 0, 1
                else:
                    renewed = 1
            elif in_force_at_start:
                hz = 0.0022 if product in ("重疾", "寿险") else 0.0012
                if rng.random() < hz * mult:
                    lapsed = 1
            pm_rows.append([p["policy_id"], p["holder_id"], p["agency_id"],
                            dt.date(y, m, 1).isoformat(), product,
                            p["annual_premium"], in_force_at_start, lapsed,
                            "" if renewed is None else renewed])
            # claims arising in the month
            age = h["_age"] - (2025 - y)
            if product == "医疗":
                pc = 0.16 * (0.6 + age / 60)
            elif product == "意外":
                pc = 0.035
            elif product == "重疾":
                pc = 0.003 * (0.3 + age / 35)
            else:
                pc = 0.0006 * (0.3 + age / 45)
            if lapsed:
                pc *= 0.4
            nclaims = 0
            while rng.random() < pc and nclaims < 3:
                nclaims += 1
                pc *= 0.5
            for _ in range(nclaims):
                lo = p["issue_date"].day if idx == issue_idx else 1
                d = dt.date(y, m, rng.randint(lo, 28))
                if product == "医疗":
                    amt = min(300000.0, math.exp(rng.gauss(math.log(3500), 1.05)))
                elif product == "意外":
                    amt = min(200000.0, math.exp(rng.gauss(math.log(2500), 1.2)))
                else:
                    amt = float(p["sum_insured"])
                pr = 0.08
                waiting = (d - p["issue_date"]).days < 90
                if waiting and product in ("重疾", "医疗"):
                    pr = 0.45
                if channel == "网销":
                    pr *= 1.3
                if product in ("重疾", "寿险") and years < 2:
                    pr += 0.1
                status = "rejected" if rng.random() < pr else "approved"
                amount = round(amt, 2)
                if status == "rejected" and rng.random() < 0.06:
                    amount = None  # never assessed
                claim_rows.append([cid, p["policy_id"], d.isoformat(),
                                   "" if amount is None else f"{amount:.2f}", status])
                cid += 1
            if lapsed:
                break

    pm_rows.sort(key=lambda r: (r[3], r[0]))
    claim_rows.sort(key=lambda r: (r[2], r[1]))
    for i, r in enumerate(claim_rows):
        r[0] = 700001 + i

    def write(name, header, rows):
        with open(os.path.join(HERE, name + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in rows:
                w.writerow(["" if v is None else v for v in r])

    write("agencies", ["agency_id", "agency_name", "agency_name_en", "province",
                       "province_en", "channel"], agencies)
    write("policyholders", ["holder_id", "gender", "birth_year", "age", "city",
                            "city_en", "income_band"],
          [[h["holder_id"], h["gender"], h["birth_year"], h["age"], h["city"],
            h["city_en"], h["income_band"]] for h in holders])
    write("policies", ["policy_id", "holder_id", "agency_id", "product_line",
                       "issue_date", "annual_premium", "sum_insured"],
          [[p["policy_id"], p["holder_id"], p["agency_id"], p["product_line"],
            p["issue_date"].isoformat(), p["annual_premium"], p["sum_insured"]]
           for p in sorted(policies, key=lambda q: q["policy_id"])
           if p["_issue_idx"] <= last])
    write("policy_months", ["policy_id", "holder_id", "agency_id", "month",
                            "product_line", "annual_premium", "in_force_at_start",
                            "lapsed", "renewed"], pm_rows)
    write("claims", ["claim_id", "policy_id", "claim_date", "amount", "status"],
          claim_rows)


if __name__ == "__main__":
    main()
