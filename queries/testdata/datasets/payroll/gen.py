#!/usr/bin/env python3
"""Generate the synthetic payroll-service (代发工资) data set.

Deterministic: a fixed seed, standard library only. `python3 gen.py`
rewrites teams.csv, companies.csv and company_months.csv identically.
"""
import csv
import datetime
import random

rng = random.Random(20251205)

TEAMS = [
    ("T01", "华南一部", "South China 1", "华南", "South"),
    ("T02", "华南二部", "South China 2", "华南", "South"),
    ("T03", "华东一部", "East China 1", "华东", "East"),
    ("T04", "华东二部", "East China 2", "华东", "East"),
    ("T05", "华北团队", "North China", "华北", "North"),
    ("T06", "西部团队", "West China", "西部", "West"),
]
PROVINCES = {  # province -> teams that cover it
    "广东": ["T01", "T02"], "福建": ["T02"],
    "上海": ["T03"], "江苏": ["T03", "T04"], "浙江": ["T04"],
    "北京": ["T05"], "山东": ["T05"],
    "四川": ["T06"], "重庆": ["T06"],
}
PROV_W = {"广东": 18, "福建": 6, "上海": 12, "江苏": 14, "浙江": 13,
          "北京": 10, "山东": 9, "四川": 10, "重庆": 8}
# industry -> (weight, mean monthly salary in yuan, base monthly termination hazard)
INDUSTRIES = {
    "制造业": (26, 7200, 0.006),
    "批发零售": (18, 6000, 0.010),
    "信息技术": (14, 16500, 0.007),
    "建筑": (12, 8200, 0.011),
    "餐饮": (12, 5200, 0.016),
    "教育": (8, 8800, 0.006),
    "医疗": (10, 10500, 0.004),
}
MONTHS = []
d = datetime.date(2023, 1, 1)
while d <= datetime.date(2025, 8, 1):
    MONTHS.append(d)
    d = datetime.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def band(h):
    if h < 50:
        return "<50"
    if h < 200:
        return "50-199"
    if h < 1000:
        return "200-999"
    return "1000+"


def pick(weights):
    keys = list(weights)
    return rng.choices(keys, [weights[k] if not isinstance(weights[k], tuple) else weights[k][0] for k in keys])[0]


def main():
    with open("teams.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["team_id", "team_name", "team_name_en", "region", "region_en"])
        for t in TEAMS:
            w.writerow(t)

    companies = []
    for i in range(1, 461):
        cid = "C%04d" % i
        # sign-up between 2018-01 and 2025-06, more recent sign-ups more frequent
        y = rng.choices(range(2018, 2026), [5, 6, 7, 8, 10, 14, 16, 9])[0]
        m = rng.randint(1, 6 if y == 2025 else 12)
        signup = datetime.date(y, m, rng.randint(1, 28))
        ind = pick(INDUSTRIES)
        prov = pick(PROV_W)
        team = rng.choice(PROVINCES[prov])
        r = rng.random()
        if r < 0.35:
            h = rng.randint(8, 49)
        elif r < 0.70:
            h = rng.randint(50, 199)
        elif r < 0.92:
            h = rng.randint(200, 999)
        else:
            h = rng.randint(1000, 6000)
        loan = rng.random() < (0.15 + 0.25 * (h >= 200))
        companies.append(dict(company_id=cid, company_name="企业%04d" % i,
                              signup_date=signup, signup_year=y, industry=ind,
                              province=prov, team_id=team, headcount=h,
                              headcount_band=band(h), has_loan=loan))

    with open("companies.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        cols = ["company_id", "company_name", "signup_date", "signup_year", "industry",
                "province", "team_id", "headcount", "headcount_band", "has_loan"]
        w.writerow(cols)
        for c in companies:
            row = [c[k] for k in cols]
            row[9] = "true" if c["has_loan"] else "false"
            w.writerow(row)

    with open("company_months.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["month", "company_id", "employees_paid", "payroll_wan", "fee_yuan",
                    "active", "terminated", "days_late"])
        for c in companies:
            _, salary, hazard = INDUSTRIES[c["industry"]]
            salary *= rng.uniform(0.8, 1.25)
            if c["headcount"] < 50:
                salary *= 0.9
            if c["has_loan"]:
                hazard *= 0.5
            start = datetime.date(c["signup_date"].year, c["signup_date"].month, 1)
            for mo in MONTHS:
                if mo < start:
                    continue
                months_in = (mo.year - start.year) * 12 + mo.month - start.month
                h = hazard * (1.8 if months_in < 12 else 1.0)
                terminated = rng.random() < h
                active = rng.random() > 0.06 and not terminated
                if active:
                    emp = max(1, int(c["headcount"] * rng.uniform(0.82, 1.0)))
                    season = 1.6 if mo.month in (1, 12) else 1.0  # year-end bonus
                    pay = emp * salary * season * rng.uniform(0.95, 1.05) / 10000
                    fee = round(max(50.0, emp * rng.choice([1.0, 1.5, 2.0])), 2)
                    late = 0 if rng.random() < 0.8 else rng.randint(1, 10)
                    if rng.random() < 0.03:
                        late = None  # not recorded
                else:
                    emp, pay, fee, late = 0, 0.0, 0.0, None
                w.writerow([mo.isoformat(), c["company_id"], emp, "%.2f" % pay,
                            "%.2f" % fee, "true" if active else "false",
                            "true" if terminated else "false",
                            "" if late is None else late])
                if terminated:
                    break


if __name__ == "__main__":
    main()
