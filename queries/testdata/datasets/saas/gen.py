#!/usr/bin/env python3
"""Generate the synthetic B2B SaaS customer-account data set (deterministic).

Run `python3 gen.py` in this folder: it rewrites sales_teams.csv, accounts.csv,
account_months.csv and tickets.csv identically every time (fixed seed,
standard library only). All companies are invented.
"""
import csv
import datetime as dt
import math
import random

SEED = 20251130
FIRST = (2023, 1)
LAST = (2025, 8)

TEAMS = [
    (1, "华东一组", "East-1", "华东"), (2, "华东二组", "East-2", "华东"),
    (3, "华东大客户组", "East-KA", "华东"), (4, "华东三组", "East-3", "华东"),
    (5, "华南一组", "South-1", "华南"), (6, "华南二组", "South-2", "华南"),
    (7, "华南大客户组", "South-KA", "华南"), (8, "华北一组", "North-1", "华北"),
    (9, "华北二组", "North-2", "华北"), (10, "华北大客户组", "North-KA", "华北"),
    (11, "海外亚太组", "Overseas-APAC", "海外"), (12, "海外欧美组", "Overseas-EMEA", "海外"),
]
REGION_W = {"华东": 0.38, "华南": 0.25, "华北": 0.24, "海外": 0.13}
INDUSTRY_W = [("制造", 0.30), ("零售", 0.24), ("金融", 0.14), ("教育", 0.17), ("医疗", 0.15)]
PRICE = {"basic": 58, "pro": 118, "enterprise": 196}
CATEGORIES = [("billing", 0.18), ("bug", 0.30), ("howto", 0.27), ("integration", 0.15), ("account", 0.10)]
PRIORITY = [("高", 0.2), ("中", 0.5), ("低", 0.3)]
SLA_P = {"高": 0.80, "中": 0.90, "低": 0.95}


def months():
    y, m = FIRST
    out = []
    while (y, m) <= LAST:
        out.append(dt.date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def pick(rng, pairs):
    r = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        r -= w
        if r <= 0:
            return v
    return pairs[-1][0]


def main():
    rng = random.Random(SEED)
    mlist = months()
    with open("sales_teams.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["team_id", "team_name", "team_name_en", "region"])
        for t in TEAMS:
            w.writerow(t)

    accounts = []
    for i in range(2500):
        aid = 10001 + i
        region = pick(rng, list(REGION_W.items()))
        teams = [t for t in TEAMS if t[3] == region]
        industry = pick(rng, INDUSTRY_W)
        emp = int(math.exp(rng.gauss(5.0, 1.3)))
        emp = max(8, min(emp, 60000))
        big = emp >= 1000
        if big:
            team = [t for t in teams if "KA" in t[2] or "大客户" in t[1]] or teams
            team = rng.choice(team)
        else:
            team = rng.choice([t for t in teams if "大客户" not in t[1]] or teams)
        if emp >= 2000:
            plan = pick(rng, [("enterprise", 0.65), ("pro", 0.3), ("basic", 0.05)])
        elif emp >= 300:
            plan = pick(rng, [("enterprise", 0.25), ("pro", 0.5), ("basic", 0.25)])
        else:
            plan = pick(rng, [("enterprise", 0.03), ("pro", 0.32), ("basic", 0.65)])
        tier = None if region == "海外" else pick(rng, [(1, 0.35), (2, 0.4), (3, 0.25)])
        if rng.random() < 0.4:
            sign = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 1461))
        else:
            sign = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 973))
        emp_out = "" if rng.random() < 0.02 else emp
        accounts.append(dict(id=aid, industry=industry, emp=emp, emp_out=emp_out, plan=plan,
                             tier=tier, sign=sign, team=team[0], region=region))

    with open("accounts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "industry", "employees", "city_tier", "sign_date", "plan", "team_id"])
        for a in accounts:
            w.writerow([a["id"], a["industry"], a["emp_out"], "" if a["tier"] is None else a["tier"],
                        a["sign"].isoformat(), a["plan"], a["team"]])

    rows = []
    tickets = []
    tid = 500001
    for a in accounts:
        sign_m = dt.date(a["sign"].year, a["sign"].month, 1)
        base_seats = max(3, int(a["emp"] * rng.uniform(0.05, 0.25)))
        if a["plan"] == "enterprise":
            base_seats = max(base_seats, 50)
        seats = min(base_seats, 2500)
        disc = rng.choice([1.0, 1.0, 0.95, 0.9, 0.85])
        churn_base = 0.016 * {"basic": 1.7, "pro": 1.0, "enterprise": 0.45}[a["plan"]]
        churn_base *= {"教育": 1.35, "零售": 1.15, "制造": 1.0, "金融": 0.8, "医疗": 0.9}[a["industry"]]
        for m in mlist:
            if m < sign_m:
                continue
            at_start = 1 if m > sign_m else 0
            churned = exp = con = 0
            tenure = (m.year - sign_m.year) * 12 + m.month - sign_m.month
            if at_start:
                p = churn_base * (1.7 if tenure <= 12 else 1.0)
                if m.year == 2025 and m.month in (1, 2):
                    p *= 1.3
                if rng.random() < p:
                    churned = 1
                else:
                    r = rng.random()
                    if r < 0.045 + (0.02 if a["plan"] == "enterprise" else 0):
                        exp = 1
                        seats = min(3000, seats + max(1, int(seats * rng.uniform(0.08, 0.35))))
                    elif r < 0.045 + 0.028:
                        con = 1
                        seats = max(1, seats - max(1, int(seats * rng.uniform(0.05, 0.25))))
            s_out = 0 if churned else seats
            mrr = 0 if churned else int(round(s_out * PRICE[a["plan"]] * disc))
            rows.append([a["id"], m.isoformat(), a["team"], s_out, mrr, at_start, churned, exp, con])
            # tickets for the month
            lam = 0.12 + 0.03 * math.log(seats + 1)
            if a["plan"] == "enterprise":
                lam *= 1.3
            n = 0
            while rng.random() < lam / (1 + n * 0.8):
                n += 1
            for _ in range(n):
                day = rng.randrange(1, 29)
                prio = pick(rng, PRIORITY)
                cat = pick(rng, CATEGORIES)
                opened = dt.date(m.year, m.month, day)
                if m == mlist[-1] and day > 24 and rng.random() < 0.6:
                    sla = ""
                elif rng.random() < 0.01:
                    sla = ""
                else:
                    sla = 1 if rng.random() < SLA_P[prio] - (0.05 if a["region"] == "海外" else 0) else 0
                tickets.append([tid, a["id"], opened.isoformat(), prio, sla, cat])
                tid += 1
            if churned:
                break

    with open("account_months.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "month", "team_id", "seats", "mrr", "active_at_start", "churned", "expanded", "contracted"])
        w.writerows(rows)
    tickets.sort(key=lambda t: (t[2], t[0]))
    with open("tickets.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "account_id", "opened_date", "priority", "sla_met", "category"])
        w.writerows(tickets)


if __name__ == "__main__":
    main()
