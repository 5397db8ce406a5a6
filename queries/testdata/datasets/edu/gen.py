#!/usr/bin/env python3
"""Generate the synthetic online-education data set (edu).

Deterministic: a fixed seed, standard library only. `python3 gen.py` rewrites
subjects.csv, learners.csv and learner_month.csv beside this file with
identical bytes every time. No real persons: every value is drawn at random.
"""
import csv
import os
import random

SEED = 20261124
N_LEARNERS = 2000
FIRST = (2024, 3)   # first month of learner_month
LAST = (2026, 2)    # last month of learner_month

SUBJECTS = [
    # code, zh, en, category (zh), category (en)
    ("ENG", "英语", "English", "语言", "Language"),
    ("JPN", "日语", "Japanese", "语言", "Language"),
    ("PY", "Python编程", "Python programming", "编程", "Programming"),
    ("WEB", "前端开发", "Web development", "编程", "Programming"),
    ("DATA", "数据分析", "Data analysis", "编程", "Programming"),
    ("KAOYAN", "考研", "Postgraduate entrance exam", "考试", "Exam prep"),
    ("IELTS", "雅思", "IELTS", "考试", "Exam prep"),
    ("CPA", "注册会计师", "CPA exam", "考试", "Exam prep"),
    ("PIANO", "钢琴", "Piano", "兴趣", "Hobby"),
    ("DRAW", "绘画", "Drawing", "兴趣", "Hobby"),
]
SUBJECT_WEIGHTS = [18, 6, 12, 8, 9, 12, 8, 6, 11, 10]

PROVINCES = [
    ("广东", "Guangdong", 14), ("江苏", "Jiangsu", 10), ("浙江", "Zhejiang", 10),
    ("山东", "Shandong", 9), ("河南", "Henan", 8), ("四川", "Sichuan", 8),
    ("湖北", "Hubei", 7), ("北京", "Beijing", 8), ("上海", "Shanghai", 8),
    ("福建", "Fujian", 6), ("湖南", "Hunan", 6), ("陕西", "Shaanxi", 6),
]

# code, zh, weight, lapse multiplier
CHANNELS = [
    ("douyin", "抖音", 30, 1.6),
    ("wechat", "微信", 25, 1.0),
    ("appstore", "应用商店", 20, 1.1),
    ("web", "官网", 15, 0.75),
    ("referral", "老学员推荐", 10, 0.6),
]

# plan, weight, monthly base hazard, months per payment, discount
PLANS = [
    ("monthly", 50, 0.075, 1, 1.0),
    ("semester", 30, 0.035, 6, 0.9),
    ("annual", 20, 0.018, 12, 0.8),
]

PRICES = [49, 69, 99, 129, 159, 199]


def month_iter():
    y, m = FIRST
    while (y, m) <= LAST:
        yield y, m
        m += 1
        if m == 13:
            y, m = y + 1, 1


def month_index(y, m):
    return (y - FIRST[0]) * 12 + (m - FIRST[1])


def pick(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    months = list(month_iter())

    with open(os.path.join(here, "subjects.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["subject_code", "subject_zh", "subject_en", "category", "category_en"])
        for s in SUBJECTS:
            w.writerow(s)

    learners = []
    facts = []
    for i in range(N_LEARNERS):
        lid = 100001 + i
        gender = "F" if rng.random() < 0.54 else "M"
        subj = pick(rng, SUBJECTS, SUBJECT_WEIGHTS)
        cat = subj[3]
        if cat == "考试":
            age = rng.randint(19, 34)
        elif cat == "兴趣":
            age = rng.randint(8, 60)
        else:
            age = rng.randint(16, 48)
        if rng.random() < 0.025:
            age = None
        prov = pick(rng, PROVINCES, [p[2] for p in PROVINCES])
        ch = pick(rng, CHANNELS, [c[2] for c in CHANNELS])
        plan = pick(rng, PLANS, [p[1] for p in PLANS])
        price = rng.choice(PRICES)
        if cat == "考试":
            price = rng.choice(PRICES[2:])
        tablet = rng.random() < (0.45 if (age is not None and age < 18) else 0.3)
        # signup: a third before the data starts, the rest spread over it
        if rng.random() < 0.35:
            sy, sm = 2023, rng.randint(1, 12)
            if rng.random() < 0.3:
                sy = 2022
            start_idx = 0
        else:
            k = rng.randint(0, len(months) - 1)
            sy, sm = months[k]
            start_idx = k
        sday = rng.randint(1, 28)
        engagement = rng.betavariate(2.0, 2.2)  # 0..1, learner's diligence
        lapsed_at = None
        rows = []
        for k in range(start_idx, len(months)):
            y, m = months[k]
            signup_month = (y, m) == (sy, sm)
            active_at_start = not signup_month
            lessons = max(0, int(round(rng.gauss(2 + 14 * engagement, 3))))
            if rng.random() < 0.08:
                lessons = 0
            minutes = lessons * rng.randint(22, 48) + (rng.randint(0, 30) if lessons else rng.randint(0, 15))
            # payment
            months_since = (y - sy) * 12 + (m - sm)
            per = plan[3]
            if months_since % per == 0:
                paid = round(price * per * plan[4], 2)
            else:
                paid = 0.0
            refunds = 0
            lapsed = False
            if active_at_start:
                h = plan[2] * ch[3]
                if lessons < 4:
                    h *= 2.2
                elif lessons >= 12:
                    h *= 0.6
                if tablet:
                    h *= 0.85
                if rng.random() < h:
                    lapsed = True
                    if rng.random() < 0.25:
                        refunds = 1
            if not lapsed and rng.random() < 0.01:
                refunds = 1
            rows.append([
                "%04d-%02d-01" % (y, m), lid, lessons, minutes,
                "%.2f" % paid, "true" if active_at_start else "false",
                "true" if lapsed else "false", refunds,
            ])
            if lapsed:
                lapsed_at = (y, m)
                break
        facts.extend(rows)
        learners.append([
            lid, gender, "" if age is None else age, prov[0], prov[1], ch[0], ch[1],
            plan[0], price, "true" if tablet else "false",
            "lapsed" if lapsed_at else "active", "%04d-%02d-%02d" % (sy, sm, sday), subj[0],
        ])

    with open(os.path.join(here, "learners.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["learner_id", "gender", "age", "province", "province_en", "channel_code",
                    "channel_zh", "plan", "monthly_price", "uses_tablet", "status",
                    "signup_date", "subject_code"])
        w.writerows(learners)

    facts.sort(key=lambda r: (r[0], r[1]))
    with open(os.path.join(here, "learner_month.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "learner_id", "lessons", "minutes", "amount_paid",
                    "active_at_start", "lapsed", "refunds"])
        w.writerows(facts)


if __name__ == "__main__":
    main()
