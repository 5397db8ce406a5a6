#!/usr/bin/env python3
"""Generate the synthetic brokerage data set (retail securities accounts).

Python 3 standard library only, fixed seed: `python3 gen.py` rewrites the
same three CSV files (branches.csv, accounts.csv, account_months.csv) next
to this script. No real persons are described.
"""
import csv
import math
import os
import random

SEED = 20260410
HERE = os.path.dirname(os.path.abspath(__file__))

# First and last month of the account-month history.
START = (2023, 7)
END = (2025, 12)

BRANCHES = [
    # id, name zh, name en, province zh, province en, city zh, city en
    (1, "深圳福田营业部", "Shenzhen Futian", "广东", "Guangdong", "深圳", "Shenzhen"),
    (2, "深圳南山营业部", "Shenzhen Nanshan", "广东", "Guangdong", "深圳", "Shenzhen"),
    (3, "广州天河营业部", "Guangzhou Tianhe", "广东", "Guangdong", "广州", "Guangzhou"),
    (4, "上海陆家嘴营业部", "Shanghai Lujiazui", "上海", "Shanghai", "上海", "Shanghai"),
    (5, "上海徐汇营业部", "Shanghai Xuhui", "上海", "Shanghai", "上海", "Shanghai"),
    (6, "北京金融街营业部", "Beijing Financial Street", "北京", "Beijing", "北京", "Beijing"),
    (7, "北京中关村营业部", "Beijing Zhongguancun", "北京", "Beijing", "北京", "Beijing"),
    (8, "杭州钱江新城营业部", "Hangzhou Qianjiang", "浙江", "Zhejiang", "杭州", "Hangzhou"),
    (9, "宁波鄞州营业部", "Ningbo Yinzhou", "浙江", "Zhejiang", "宁波", "Ningbo"),
    (10, "南京新街口营业部", "Nanjing Xinjiekou", "江苏", "Jiangsu", "南京", "Nanjing"),
    (11, "苏州工业园区营业部", "Suzhou SIP", "江苏", "Jiangsu", "苏州", "Suzhou"),
    (12, "成都高新营业部", "Chengdu Hi-tech", "四川", "Sichuan", "成都", "Chengdu"),
    (13, "武汉光谷营业部", "Wuhan Optics Valley", "湖北", "Hubei", "武汉", "Wuhan"),
    (14, "青岛市南营业部", "Qingdao Shinan", "山东", "Shandong", "青岛", "Qingdao"),
    (15, "济南泉城营业部", "Jinan Quancheng", "山东", "Shandong", "济南", "Jinan"),
    (16, "厦门思明营业部", "Xiamen Siming", "福建", "Fujian", "厦门", "Xiamen"),
]
BRANCH_WEIGHTS = [9, 7, 8, 10, 6, 8, 5, 7, 4, 6, 5, 6, 5, 4, 3, 4]

RISK = ["C1", "C2", "C3", "C4", "C5"]
CHANNELS = ["app", "branch", "bank"]

# Market mood by month: scales trading activity and asset values.
MARKET = {
    (2023, 7): 1.00, (2023, 8): 0.92, (2023, 9): 0.90, (2023, 10): 0.86,
    (2023, 11): 0.88, (2023, 12): 0.85, (2024, 1): 0.78, (2024, 2): 0.86,
    (2024, 3): 0.90, (2024, 4): 0.91, (2024, 5): 0.92, (2024, 6): 0.88,
    (2024, 7): 0.86, (2024, 8): 0.83, (2024, 9): 0.98, (2024, 10): 1.22,
    (2024, 11): 1.20, (2024, 12): 1.15, (2025, 1): 1.10, (2025, 2): 1.16,
    (2025, 3): 1.14, (2025, 4): 1.05, (2025, 5): 1.09, (2025, 6): 1.12,
    (2025, 7): 1.18, (2025, 8): 1.30, (2025, 9): 1.36, (2025, 10): 1.33,
    (2025, 11): 1.31, (2025, 12): 1.34,
}


def months():
    y, m = START
    while (y, m) <= END:
        yield (y, m)
        m += 1
        if m == 13:
            y, m = y + 1, 1


def month_index(y, m):
    return y * 12 + m - 1


def main():
    rnd = random.Random(SEED)
    with open(os.path.join(HERE, "branches.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["branch_id", "branch_name", "branch_name_en", "province", "province_en", "city", "city_en"])
        for b in BRANCHES:
            w.writerow(b)

    accounts = []
    all_months = list(months())
    n_accounts = 1100
    for i in range(n_accounts):
        aid = "A%05d" % (10001 + i)
        # 55% were opened before the history starts, the rest during it.
        if rnd.random() < 0.55:
            oy = rnd.randint(2012, 2023)
            om = rnd.randint(1, 12) if oy < 2023 else rnd.randint(1, 6)
        else:
            # more openings in the autumn 2024 rally and in 2025
            weights = [MARKET[mm] ** 3 for mm in all_months]
            oy, om = rnd.choices(all_months, weights=weights)[0]
        od = rnd.randint(1, 28)
        opened = "%04d-%02d-%02d" % (oy, om, od)
        channel = rnd.choices(CHANNELS, weights=[5, 3, 2] if oy >= 2020 else [2, 6, 2])[0]
        age = int(min(80, max(18, rnd.gauss(44 if channel != "app" else 34, 12))))
        gender = "M" if rnd.random() < 0.58 else "F"
        # younger investors take more risk
        rw = [1.5, 2.5, 4.0, 2.5, 1.2] if age < 35 else ([3.5, 3.5, 3.0, 1.2, 0.5] if age >= 55 else [2.0, 3.0, 4.0, 2.0, 0.8])
        risk = rnd.choices(RISK, weights=rw)[0]
        branch = rnd.choices(BRANCHES, weights=BRANCH_WEIGHTS)[0][0]
        base_assets = math.exp(rnd.gauss(math.log(18 + max(0, age - 25) * 1.1), 1.0))
        margin_p = 0.02 + (0.25 if base_assets >= 50 else 0.0) + (0.1 if risk in ("C4", "C5") else 0.0)
        margin = "Y" if (rnd.random() < margin_p and age >= 22) else "N"
        shown_age = age if rnd.random() > 0.012 else None  # a few ages were never captured
        accounts.append(dict(id=aid, opened=opened, oy=oy, om=om, age=shown_age, real_age=age,
                             gender=gender, risk=risk, channel=channel, branch=branch,
                             margin=margin, assets=base_assets))

    with open(os.path.join(HERE, "accounts.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "open_date", "age", "gender", "risk_level", "channel", "margin_enabled", "branch_id"])
        for a in accounts:
            w.writerow([a["id"], a["opened"], "" if a["age"] is None else a["age"], a["gender"],
                        a["risk"], a["channel"], a["margin"], a["branch"]])

    activity = {"C1": 0.8, "C2": 1.5, "C3": 3.0, "C4": 5.5, "C5": 9.0}
    rate = {"app": 0.00015, "branch": 0.00028, "bank": 0.0002}
    with open(os.path.join(HERE, "account_months.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["month", "account_id", "tenure_months", "assets_wan", "trades", "commission",
                    "dormant", "closed", "transferred_out"])
        for a in accounts:
            assets = a["assets"]
            idle_streak = 0
            lazy = rnd.random() < 0.25  # a quarter of holders rarely trade
            for (y, m) in all_months:
                if (y, m) < (a["oy"], a["om"]):
                    continue
                tenure = month_index(y, m) - month_index(a["oy"], a["om"])
                mk = MARKET[(y, m)]
                assets = max(0.01, assets * math.exp(rnd.gauss(0.004 + (mk - 1.0) * 0.03, 0.06)))
                lam = activity[a["risk"]] * mk * (0.25 if lazy else 1.0) * (1.3 if a["margin"] == "Y" else 1.0)
                trades = 0
                # Poisson draw by inversion
                L, p, k = math.exp(-lam), 1.0, 0
                while True:
                    p *= rnd.random()
                    if p <= L:
                        break
                    k += 1
                trades = k
                dormant = 1 if trades == 0 else 0
                idle_streak = idle_streak + 1 if dormant else 0
                trade_size = max(2000.0, assets * 10000 * rnd.uniform(0.05, 0.35))
                commission = round(sum(max(5.0, trade_size * rate[a["channel"]] * rnd.uniform(0.7, 1.3))
                                       for _ in range(trades)), 2)
                # exit hazard: short tenure, partner-bank channel, long idling and small balances raise it
                h = 0.006
                if tenure < 12:
                    h += 0.010
                if a["channel"] == "bank":
                    h += 0.006
                if idle_streak >= 3:
                    h += 0.012
                if assets < 5:
                    h += 0.008
                if mk < 0.9:
                    h += 0.004
                if a["margin"] == "Y":
                    h *= 0.5
                closed = transferred = 0
                if tenure > 0 and rnd.random() < h:
                    # wealthier accounts move to another broker; small ones close
                    if rnd.random() < (0.65 if assets >= 30 else 0.3):
                        transferred = 1
                    else:
                        closed = 1
                shown_assets = "%.2f" % assets
                w.writerow(["%04d-%02d-01" % (y, m), a["id"], tenure, shown_assets, trades,
                            "%.2f" % commission, dormant, closed, transferred])
                if closed or transferred:
                    break


if __name__ == "__main__":
    main()
