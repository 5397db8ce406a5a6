#!/usr/bin/env python3
"""Generate the synthetic SME banking book (python3 gen.py rewrites identical CSVs)."""
import csv
import random

SEED = 20261124
MONTHS = [(2025 + (m - 1) // 12, (m - 1) % 12 + 1) for m in range(3, 23)]  # 2025-03 .. 2026-10
N_CLIENTS = 1100

INDUSTRIES = [  # zh value, en name, weight, deposit scale, loan propensity
    ("餐饮", "catering", 18, 0.6, 0.35),
    ("零售", "retail", 22, 0.8, 0.40),
    ("制造业", "manufacturing", 16, 2.2, 0.75),
    ("批发", "wholesale", 12, 1.6, 0.60),
    ("建筑", "construction", 8, 1.9, 0.70),
    ("科技", "technology", 10, 1.8, 0.30),
    ("物流", "logistics", 8, 1.2, 0.55),
    ("农业", "agriculture", 6, 0.7, 0.50),
]
PROVINCES = [("广东", 20), ("浙江", 17), ("江苏", 16), ("上海", 12), ("北京", 10), ("山东", 10), ("四川", 8), ("湖北", 7)]
SIZES = [("micro", 50, (1, 9), (50, 600)), ("small", 35, (10, 99), (300, 5000)), ("medium", 15, (100, 300), (5000, 40000))]
TEAMS = {"广东": "华南一组", "浙江": "华东一组", "江苏": "华东二组", "上海": "华东二组",
         "北京": "华北组", "山东": "华北组", "四川": "西部组", "湖北": "西部组"}


def pick(rng, items, wi):
    return rng.choices(items, weights=[x[wi] for x in items])[0]


def month_str(ym):
    return "%04d-%02d-01" % ym


def main():
    rng = random.Random(SEED)
    clients, rows = [], []
    for cid in range(1, N_CLIENTS + 1):
        ind = pick(rng, INDUSTRIES, 2)
        prov = pick(rng, PROVINCES, 1)[0]
        size = pick(rng, SIZES, 1)
        emp = rng.randint(*size[2])
        rev = round(rng.uniform(*size[3]) * (0.7 + 0.3 * ind[3]), 1)
        # onboarding: most before the window, some during it
        if rng.random() < 0.72:
            y = rng.randint(2016, 2024)
            m = rng.randint(1, 12)
            if y == 2024 and m > 12:
                m = 12
            onboard = (y, m)
            first_idx = 0
        else:
            first_idx = rng.randint(0, len(MONTHS) - 1)
            onboard = MONTHS[first_idx]
        tenure_years = (MONTHS[0][0] - onboard[0]) if first_idx == 0 else 0
        # monthly closure hazard: higher for micro, catering, new clients
        hazard = 0.006
        if size[0] == "micro":
            hazard *= 1.8
        if ind[0] in ("餐饮", "零售"):
            hazard *= 1.6
        if tenure_years < 2:
            hazard *= 1.7
        dormant_prone = rng.random() < 0.12
        base_dep = max(5.0, rev * 0.08 * ind[3] * rng.uniform(0.4, 1.6))
        has_loan = rng.random() < ind[4] * (0.6 if size[0] == "micro" else 1.0)
        base_loan = round(rev * rng.uniform(0.1, 0.45), 1) if has_loan else 0.0
        risky = rng.random() < (0.10 if ind[0] in ("餐饮", "建筑") else 0.05)
        status = "active"
        closed_month = None
        dormant_from = None
        dep = base_dep
        loan = base_loan
        overdue = 0
        for i in range(first_idx, len(MONTHS)):
            ym = MONTHS[i]
            at_start = i > first_idx or first_idx == 0
            closed = rng.random() < hazard and i > first_idx
            if dormant_prone and dormant_from is None and rng.random() < 0.08:
                dormant_from = i
            dormant = dormant_from is not None and i >= dormant_from
            season = 1.12 if ym[1] in (12, 1) else (0.93 if ym[1] == 2 else 1.0)
            dep = max(0.0, dep * rng.uniform(0.94, 1.07))
            if dormant:
                dep *= 0.9
            dep_out = round(dep * season, 2)
            if loan > 0:
                loan = max(0.0, round(loan * rng.uniform(0.97, 1.02), 2))
            if loan > 0 and risky:
                if overdue > 0:
                    overdue = overdue + 30 if rng.random() < 0.7 else 0
                elif rng.random() < 0.15:
                    overdue = rng.choice([5, 12, 20, 35])
            else:
                overdue = 0
            txn = 0 if dormant else max(1, int(rng.gauss(12 + emp * 0.3, 5) * season))
            fees = 0 if dormant else round(txn * rng.uniform(8, 20) + (loan * 3 if loan else 0), 2)
            if closed:
                dep_out = round(dep_out * 0.1, 2)
                txn = max(txn, 1)
            # a few missing overdue readings on loan-free accounts
            od = "" if loan == 0 and rng.random() < 0.02 else overdue
            rows.append([month_str(ym), cid, dep_out, round(loan, 2), txn, fees,
                         "true" if at_start else "false", "true" if closed else "false", od])
            if closed:
                closed_month = ym
                status = "closed"
                break
        if status != "closed" and dormant_from is not None:
            status = "dormant"
        emp_out = "" if rng.random() < 0.015 else emp
        clients.append([cid, ind[0], ind[1], prov, size[0], emp_out, rev, TEAMS[prov],
                        month_str(onboard), status])
    with open("sme_clients.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["client_id", "industry", "industry_en", "province", "size_band", "employees",
                    "annual_revenue_wan", "rm_team", "onboard_month", "status"])
        w.writerows(clients)
    with open("sme_monthly.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "client_id", "deposit_wan", "loan_wan", "txn_count", "fees_yuan",
                    "active_at_start", "closed", "overdue_days"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
