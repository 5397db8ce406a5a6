#!/usr/bin/env python3
"""Generate the synthetic loan book of a consumer-credit lender.

Python 3 standard library only, fixed seed: running `python3 gen.py` in this
folder rewrites byte-identical CSV files.

Tables (one CSV each):
  branches     one row per branch
  borrowers    one row per borrower (a snapshot, no dates)
  loans        one row per loan (origination terms)
  loan_months  one row per loan per month it was on the book, 2022-07 .. 2025-09
  collections  one row per collection call, 2022-07-01 .. 2025-09-30

Everything is invented; no real persons.
"""

import csv
import math
import random

SEED = 20251001
FIRST_MONTH = (2022, 7)   # first month written to loan_months
LAST_MONTH = (2025, 9)    # last month written (the data ends here)
SIM_START = (2021, 7)     # loans originated before the window run in from here

BRANCHES = [
    # id, name, name_en, province, province_en, tier
    ("B01", "广州天河支行", "Guangzhou Tianhe", "广东", "Guangdong", 1),
    ("B02", "深圳南山支行", "Shenzhen Nanshan", "广东", "Guangdong", 1),
    ("B03", "佛山禅城支行", "Foshan Chancheng", "广东", "Guangdong", 2),
    ("B04", "东莞南城支行", "Dongguan Nancheng", "广东", "Guangdong", 2),
    ("B05", "杭州西湖支行", "Hangzhou Xihu", "浙江", "Zhejiang", 2),
    ("B06", "宁波鄞州支行", "Ningbo Yinzhou", "浙江", "Zhejiang", 2),
    ("B07", "温州鹿城支行", "Wenzhou Lucheng", "浙江", "Zhejiang", 3),
    ("B08", "南京鼓楼支行", "Nanjing Gulou", "江苏", "Jiangsu", 2),
    ("B09", "苏州园区支行", "Suzhou Industrial Park", "江苏", "Jiangsu", 2),
    ("B10", "无锡滨湖支行", "Wuxi Binhu", "江苏", "Jiangsu", 3),
    ("B11", "成都锦江支行", "Chengdu Jinjiang", "四川", "Sichuan", 2),
    ("B12", "绵阳涪城支行", "Mianyang Fucheng", "四川", "Sichuan", 3),
    ("B13", "武汉江汉支行", "Wuhan Jianghan", "湖北", "Hubei", 2),
    ("B14", "宜昌西陵支行", "Yichang Xiling", "湖北", "Hubei", 3),
    ("B15", "济南历下支行", "Jinan Lixia", "山东", "Shandong", 2),
    ("B16", "青岛市南支行", "Qingdao Shinan", "山东", "Shandong", 2),
    ("B17", "临沂兰山支行", "Linyi Lanshan", "山东", "Shandong", 3),
    ("B18", "郑州金水支行", "Zhengzhou Jinshui", "河南", "Henan", 2),
    ("B19", "洛阳涧西支行", "Luoyang Jianxi", "河南", "Henan", 3),
    ("B20", "南阳宛城支行", "Nanyang Wancheng", "河南", "Henan", 3),
]

PRODUCTS = ["房贷", "车贷", "消费贷", "经营贷"]
EMPLOYMENT = ["工薪", "个体", "自由职业"]

# Monthly hazard of a current loan falling behind, and of being prepaid.
DELINQ_BASE = {"房贷": 0.0035, "车贷": 0.009, "消费贷": 0.024, "经营贷": 0.016}
PREPAY_BASE = {"房贷": 0.005, "车贷": 0.012, "消费贷": 0.018, "经营贷": 0.014}
ANNUAL_RATE = {"房贷": 0.042, "车贷": 0.058, "消费贷": 0.098, "经营贷": 0.066}


def month_index(ym):
    return ym[0] * 12 + ym[1] - 1


def ym_of(index):
    return (index // 12, index % 12 + 1)


def days_in_month(ym):
    y, m = ym
    nxt = month_index(ym) + 1
    ny, nm = ym_of(nxt)
    import datetime
    return (datetime.date(ny, nm, 1) - datetime.date(y, m, 1)).days


def make_borrowers(rng, n):
    rows = []
    for i in range(1, n + 1):
        gender = "M" if rng.random() < 0.56 else "F"
        age = int(min(66, max(21, rng.gauss(38, 10))))
        r = rng.random()
        employment = "工薪" if r < 0.60 else ("个体" if r < 0.85 else "自由职业")
        base = {"工薪": 140000, "个体": 190000, "自由职业": 110000}[employment]
        age_factor = 0.7 + min(age, 50) / 50 * 0.6
        income = base * age_factor * math.exp(rng.gauss(0, 0.45))
        income = int(round(income / 100.0)) * 100
        score = 560 + 45 * math.log(income / 60000.0) + (age - 22) * 1.2 + rng.gauss(0, 55)
        if employment == "自由职业":
            score -= 25
        score = int(min(850, max(350, score)))
        home = rng.choices(BRANCHES, weights=[9, 10, 5, 5, 8, 6, 4, 7, 7, 4, 8, 3, 7, 3, 6, 6, 3, 6, 3, 3])[0][0]
        income_out = "" if rng.random() < 0.012 else income
        score_out = "" if rng.random() < 0.02 else score
        rows.append({
            "borrower_id": "C%05d" % i, "gender": gender, "age": age,
            "annual_income": income_out, "employment_type": employment,
            "credit_score": score_out,
            # kept for the simulation only
            "_income": income, "_score": score, "_home": home,
        })
    return rows


def pick_product(rng, b):
    w = {"房贷": 0.07, "车贷": 0.20, "消费贷": 0.53, "经营贷": 0.20}
    if b["employment_type"] == "个体":
        w["经营贷"] *= 3.0
    if b["age"] < 27:
        w["房贷"] *= 0.3
        w["消费贷"] *= 1.5
    if b["age"] > 55:
        w["房贷"] *= 0.4
    names = list(w)
    return rng.choices(names, weights=[w[k] for k in names])[0]


def principal_and_term(rng, product, tier, income):
    if product == "房贷":
        p = rng.uniform(400000, 1600000) * (1.6 if tier == 1 else (1.0 if tier == 2 else 0.6))
        term = rng.choice([240, 300, 360])
    elif product == "车贷":
        p = rng.uniform(60000, 300000)
        term = rng.choice([12, 24, 24, 36])
    elif product == "消费贷":
        p = min(rng.uniform(10000, 150000), max(10000, income * rng.uniform(0.2, 0.6)))
        term = rng.choice([6, 6, 12, 12, 24])
    else:
        p = rng.uniform(100000, 900000)
        term = rng.choice([6, 12, 12, 24])
    return int(round(p / 1000.0)) * 1000, term


def balance_after(principal, annual_rate, term, paid):
    """Remaining balance of an equal-instalment loan after `paid` instalments."""
    if paid >= term:
        return 0.0
    r = annual_rate / 12
    pay = principal * r / (1 - (1 + r) ** -term)
    return principal * (1 + r) ** paid - pay * ((1 + r) ** paid - 1) / r


def macro(ym):
    """Credit cycle: delinquency rises from 2024 on."""
    i = month_index(ym) - month_index((2024, 1))
    return 1.0 if i < 0 else 1.0 + 0.025 * i


def prepay_wave(product, ym):
    """The 2023 wave of early mortgage repayment."""
    if product == "房贷" and (2023, 2) <= ym <= (2023, 10):
        return 3.0
    return 1.0


def main():
    rng = random.Random(SEED)
    borrowers = make_borrowers(rng, 2600)
    tier_of = {b[0]: b[5] for b in BRANCHES}

    first_i, last_i, sim_i = month_index(FIRST_MONTH), month_index(LAST_MONTH), month_index(SIM_START)
    loans = []
    n = 0
    for b in borrowers:
        k = 1 if rng.random() < 0.86 else 2
        for _ in range(k):
            n += 1
            product = pick_product(rng, b)
            branch = b["_home"] if rng.random() < 0.93 else rng.choice(BRANCHES)[0]
            # origination month: the book grows, so later months are likelier
            while True:
                o = rng.randint(sim_i, last_i)
                if rng.random() < 0.45 + 0.55 * (o - sim_i) / (last_i - sim_i):
                    break
            principal, term = principal_and_term(rng, product, tier_of[branch], b["_income"])
            rate = round(ANNUAL_RATE[product] + rng.uniform(-0.01, 0.015), 4)
            loans.append({
                "loan_id": "L%05d" % n, "borrower_id": b["borrower_id"], "branch_id": branch,
                "product": product, "origination_month": "%04d-%02d-01" % ym_of(o),
                "principal": principal, "term_months": term, "interest_rate": rate,
                "_o": o, "_b": b,
            })

    months, calls = [], []
    for loan in loans:
        b, product = loan["_b"], loan["product"]
        risk = math.exp(-(b["_score"] - 660) / 75.0)
        risk *= {"工薪": 1.0, "个体": 1.3, "自由职业": 1.7}[b["employment_type"]]
        if b["age"] < 26:
            risk *= 1.3
        prepay_k = 0.7 + min(b["_income"], 400000) / 400000.0
        paid, dpd, o = 0, 0, loan["_o"]
        i = o
        while i <= last_i:
            ym = ym_of(i)
            first = i == o
            defaulted = prepaid = 0
            if first:
                bal = float(loan["principal"])
            else:
                if dpd == 0:
                    if rng.random() < min(0.5, DELINQ_BASE[product] * risk * macro(ym)):
                        dpd = rng.randint(1, 29)
                    elif rng.random() < PREPAY_BASE[product] * prepay_k * prepay_wave(product, ym):
                        prepaid = 1
                    else:
                        paid += 1
                else:
                    cure = {0: 0.55, 1: 0.38, 2: 0.25}[dpd // 30]
                    if rng.random() < cure:
                        dpd = 0
                        paid += 1
                    else:
                        dpd += rng.choice([30, 31])
                        if dpd >= 90:
                            defaulted = 1
                bal = 0.0 if prepaid else balance_after(loan["principal"], loan["interest_rate"], loan["term_months"], paid)
            if i >= first_i:
                months.append({
                    "loan_id": loan["loan_id"], "borrower_id": b["borrower_id"], "branch_id": loan["branch_id"],
                    "month": "%04d-%02d-01" % ym, "product": product,
                    "balance": "%.0f" % bal, "days_past_due": dpd,
                    "active_at_start": 0 if first else 1,
                    "defaulted": defaulted, "prepaid": prepaid,
                })
                if dpd > 0:
                    ncalls = rng.randint(1, 2 + dpd // 30)
                    for _ in range(ncalls):
                        day = rng.randint(1, days_in_month(ym))
                        bucket = dpd // 30
                        w = [(0.30, 0.36, 0.34), (0.18, 0.34, 0.48), (0.08, 0.27, 0.65), (0.03, 0.17, 0.80)][min(bucket, 3)]
                        outcome = rng.choices(["paid", "promised", "no_answer"], weights=w)[0]
                        calls.append((loan["loan_id"], "%04d-%02d-%02d" % (ym[0], ym[1], day), outcome))
            if defaulted or prepaid or bal <= 0.005:
                break
            i += 1

    calls.sort(key=lambda c: (c[1], c[0]))
    with open("branches.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["branch_id", "branch_name", "branch_name_en", "province", "province_en", "tier"])
        for row in BRANCHES:
            w.writerow(row)
    with open("borrowers.csv", "w", newline="", encoding="utf-8") as f:
        cols = ["borrower_id", "gender", "age", "annual_income", "employment_type", "credit_score"]
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for b in borrowers:
            w.writerow([b[c] for c in cols])
    with open("loans.csv", "w", newline="", encoding="utf-8") as f:
        cols = ["loan_id", "borrower_id", "branch_id", "product", "origination_month", "principal", "term_months", "interest_rate"]
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for loan in loans:
            w.writerow([loan[c] for c in cols])
    months.sort(key=lambda r: (r["month"], r["loan_id"]))
    with open("loan_months.csv", "w", newline="", encoding="utf-8") as f:
        cols = ["loan_id", "borrower_id", "branch_id", "month", "product", "balance", "days_past_due", "active_at_start", "defaulted", "prepaid"]
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in months:
            w.writerow([r[c] for c in cols])
    with open("collections.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["call_id", "loan_id", "call_date", "outcome"])
        for k, (loan_id, day, outcome) in enumerate(calls, 1):
            w.writerow(["K%06d" % k, loan_id, day, outcome])


if __name__ == "__main__":
    main()
