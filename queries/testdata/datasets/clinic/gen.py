#!/usr/bin/env python3
"""Generate the synthetic dental-clinic chain data set (clinic).

Python 3 standard library only, fixed seed: running it rewrites identical
CSVs. No real persons: every row is invented.

Tables:
  clinics.csv          one row per clinic (门店)
  patients.csv         one row per patient (first visit 2022-01 .. 2024-12)
  patient_quarters.csv one row per patient per quarter from the quarter of the
                       first visit until the patient lapses or 2024-Q4
"""
import csv
import datetime as dt
import math
import os
import random

SEED = 20250620
OUT = os.path.dirname(os.path.abspath(__file__))

# clinic_id, name zh, name en, city zh, city en, district zh, opened, chairs
CLINICS = [
    ("C01", "上海徐汇店", "Shanghai Xuhui", "上海", "Shanghai", "徐汇区", 2012, 14),
    ("C02", "上海浦东店", "Shanghai Pudong", "上海", "Shanghai", "浦东新区", 2015, 18),
    ("C03", "上海静安店", "Shanghai Jing'an", "上海", "Shanghai", "静安区", 2019, 10),
    ("C04", "上海闵行店", "Shanghai Minhang", "上海", "Shanghai", "闵行区", 2021, 8),
    ("C05", "杭州西湖店", "Hangzhou Xihu", "杭州", "Hangzhou", "西湖区", 2016, 12),
    ("C06", "杭州滨江店", "Hangzhou Binjiang", "杭州", "Hangzhou", "滨江区", 2022, 6),
    ("C07", "南京鼓楼店", "Nanjing Gulou", "南京", "Nanjing", "鼓楼区", 2014, 11),
    ("C08", "南京江宁店", "Nanjing Jiangning", "南京", "Nanjing", "江宁区", 2020, 9),
    ("C09", "苏州园区店", "Suzhou SIP", "苏州", "Suzhou", "工业园区", 2018, 10),
    ("C10", "苏州姑苏店", "Suzhou Gusu", "苏州", "Suzhou", "姑苏区", 2023, 5),
]

# neighbouring home districts per city (zh, en)
DISTRICTS = {
    "上海": [("徐汇区", "Xuhui"), ("浦东新区", "Pudong"), ("静安区", "Jing'an"),
            ("闵行区", "Minhang"), ("长宁区", "Changning"), ("杨浦区", "Yangpu")],
    "杭州": [("西湖区", "Xihu"), ("滨江区", "Binjiang"), ("拱墅区", "Gongshu"), ("余杭区", "Yuhang")],
    "南京": [("鼓楼区", "Gulou"), ("江宁区", "Jiangning"), ("玄武区", "Xuanwu"), ("建邺区", "Jianye")],
    "苏州": [("工业园区", "SIP"), ("姑苏区", "Gusu"), ("吴中区", "Wuzhong")],
}

INSURANCE = [("医保", 0.45), ("商保", 0.2), ("自费", 0.35)]
REFERRAL = [("walk_in", 0.25), ("friend", 0.25), ("online", 0.3), ("insurer", 0.1), ("corporate", 0.1)]

N_PATIENTS = 3200
QUARTERS = [dt.date(y, m, 1) for y in (2022, 2023, 2024) for m in (1, 4, 7, 10)]


def pick(rng, pairs):
    r = rng.random()
    acc = 0.0
    for v, w in pairs:
        acc += w
        if r < acc:
            return v
    return pairs[-1][0]


def quarter_of(d):
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def main():
    rng = random.Random(SEED)
    with open(os.path.join(OUT, "clinics.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["clinic_id", "clinic_name", "clinic_name_en", "city", "city_en",
                    "clinic_district", "opened_year", "chairs"])
        for c in CLINICS:
            w.writerow(c)

    # clinic weights by chairs; a clinic only takes patients after it opens
    patients = []
    start = dt.date(2022, 1, 1)
    span = (dt.date(2024, 12, 31) - start).days
    for i in range(N_PATIENTS):
        # arrivals grow a little over time
        u = rng.random() ** 0.85
        fv = start + dt.timedelta(days=int(u * span))
        open_clinics = [c for c in CLINICS if c[6] <= fv.year]
        clinic = rng.choices(open_clinics, weights=[c[7] for c in open_clinics])[0]
        age = max(4, min(88, int(rng.gauss(38, 16))))
        gender = "F" if rng.random() < 0.56 else "M"
        ins = pick(rng, INSURANCE)
        if age < 18 and ins == "商保":
            ins = "医保"
        ref = pick(rng, REFERRAL)
        if rng.random() < 0.04:
            ref = None
        city = clinic[3]
        if rng.random() < 0.7:
            dz = [d for d in DISTRICTS[city] if d[0] == clinic[5]][0]
        else:
            dz = rng.choice(DISTRICTS[city])
        district, district_en = dz
        if rng.random() < 0.03:
            district, district_en = None, None
        patients.append({
            "patient_id": "P%05d" % (i + 1), "first_visit_date": fv, "age": age,
            "gender": gender, "insurance_type": ins, "home_district": district,
            "home_district_en": district_en, "referral_source": ref,
            "clinic_id": clinic[0],
        })
    patients.sort(key=lambda p: (p["first_visit_date"], p["patient_id"]))

    with open(os.path.join(OUT, "patients.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        cols = ["patient_id", "first_visit_date", "age", "gender", "insurance_type",
                "home_district", "home_district_en", "referral_source", "clinic_id"]
        w.writerow(cols)
        for p in patients:
            w.writerow(["" if p[c] is None else p[c] for c in cols])

    rows = []
    for p in patients:
        q0 = quarter_of(p["first_visit_date"])
        # propensity to come back
        base = 0.36
        base += {"医保": 0.05, "商保": 0.12, "自费": -0.10}[p["insurance_type"]]
        base += {"friend": 0.08, "corporate": 0.05, "insurer": 0.06, "walk_in": -0.05,
                 "online": -0.08, None: 0.0}[p["referral_source"]]
        if p["age"] >= 55:
            base += 0.06
        elif p["age"] < 25:
            base -= 0.07
        spend_mult = {"医保": 0.8, "商保": 1.5, "自费": 1.1}[p["insurance_type"]]
        empty = 0
        on_plan = 0
        for q in QUARTERS:
            if q < q0:
                continue
            new = q == q0
            prev_empty = empty
            recall_sent = (not new) and prev_empty >= 1
            recall_answered = recall_sent and rng.random() < (0.3 + 0.2 * (base > 0.4))
            pv = base + (0.25 if on_plan > 0 else 0) + (0.2 if recall_answered else 0)
            if new:
                visits = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
            elif rng.random() < pv:
                visits = 1 + (rng.random() < 0.35 + (0.3 if on_plan else 0)) + (rng.random() < 0.12)
            else:
                visits = 0
            plan = False
            if visits > 0 and on_plan == 0 and rng.random() < (0.22 if new else 0.08):
                plan = True
                on_plan = rng.randint(2, 5)
            spend = 0.0
            for _ in range(visits):
                s = math.exp(rng.gauss(math.log(420), 0.6)) * spend_mult
                if on_plan:
                    s *= 2.8
                spend += s
            if plan:
                spend += rng.choice([3800, 6800, 9800, 15800, 23800]) * spend_mult
            spend = round(spend, 2)
            if on_plan:
                on_plan -= 1
            if visits > 0:
                empty = 0
            else:
                empty += 1
            lapsed = empty >= 4
            rows.append([q.isoformat(), p["patient_id"], p["clinic_id"], visits, "%.2f" % spend,
                         str(plan).lower(), str(new).lower(), str(recall_sent).lower(),
                         str(recall_answered).lower(), str(lapsed).lower()])
            if lapsed:
                break

    rows.sort(key=lambda r: (r[0], r[1]))
    with open(os.path.join(OUT, "patient_quarters.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["quarter_start", "patient_id", "clinic_id", "visits", "spend",
                    "plan_started", "new_patient", "recall_sent", "recall_answered", "lapsed"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
