#!/usr/bin/env python3
"""Generate the synthetic hotel-loyalty data set (fixed seed, stdlib only).

Writes hotels.csv, members.csv and member_months.csv beside this file.
All people and hotels are invented; run `python3 gen.py` to rewrite the
identical files.
"""
import csv
import os
import random

SEED = 20260120
HERE = os.path.dirname(os.path.abspath(__file__))

CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都"]
BRANDS = [("澜庭", 5), ("悦栖", 4), ("云居", 4), ("锦程", 3)]
TIERS = ["银卡", "金卡", "铂金", "钻石"]
SOURCES = ["app", "front_desk", "ota", "corporate"]
ADR = {"澜庭": 1150, "悦栖": 620, "云居": 540, "锦程": 330}

MONTHS = []
y, m = 2023, 4
while (y, m) <= (2025, 9):
    MONTHS.append((y, m))
    m += 1
    if m == 13:
        y, m = y + 1, 1


def month_index(y, m):
    return (y - 2023) * 12 + (m - 4)


def main():
    rnd = random.Random(SEED)
    hotels = []
    hid = 100
    for city in CITIES:
        for brand, star in BRANDS:
            if rnd.random() < 0.85:
                hid += 1
                hotels.append((hid, f"{brand}·{city}{rnd.choice(['中心', '机场', '新区', '站前'])}店", brand, city, star,
                               rnd.randint(2008, 2022)))
    with open(os.path.join(HERE, "hotels.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["hotel_id", "hotel_name", "brand", "city", "star_rating", "opened_year"])
        w.writerows(hotels)

    members = []
    rows = []
    for mid in range(1, 1301):
        ey = rnd.choices([2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025],
                         [5, 6, 5, 8, 10, 14, 15, 10])[0]
        em = rnd.randint(1, 12 if ey < 2025 else 9)
        ed = rnd.randint(1, 28)
        age = max(19, min(78, int(rnd.gauss(39, 11))))
        gender = "M" if rnd.random() < 0.56 else "F"
        source = rnd.choices(SOURCES, [35, 25, 28, 12])[0]
        corporate = source == "corporate" or rnd.random() < 0.12
        city = rnd.choices(CITIES, [24, 20, 14, 14, 14, 14])[0]
        t0 = rnd.choices([0, 1, 2, 3], [55, 27, 13, 5])[0]
        if corporate:
            t0 = min(3, t0 + rnd.choice([0, 1]))
        base = 0.35 + 0.25 * t0 + (0.35 if corporate else 0) + (0.15 if 30 <= age <= 55 else 0)
        # churn risk: OTA and silver and young lapse more
        risk = 0.010 + (0.012 if source == "ota" else 0) + (0.008 if t0 == 0 else 0) + (0.006 if age < 30 else 0)
        pref_city = city if rnd.random() < 0.5 else rnd.choice(CITIES)
        local = [h for h in hotels if h[3] == pref_city] or hotels
        fav = rnd.choice(local)
        tier = t0
        start_idx = month_index(ey, em) if ey >= 2023 and (ey, em) >= (2023, 4) else 0
        last_stay = start_idx - 1 if start_idx > 0 else rnd.randint(-10, -1)
        gone = False
        for (yy, mm) in MONTHS:
            i = month_index(yy, mm)
            if i < start_idx:
                continue
            if not gone and rnd.random() < risk:
                gone = True
            season = 1.25 if mm in (7, 8, 10) else (0.8 if mm in (1, 2) else 1.0)
            lam = 0 if gone else base * season * (1.08 if yy == 2025 else 1.0)
            stays = 0
            # Poisson-ish
            p = lam
            while p > 0:
                if rnd.random() < min(p, 0.85):
                    stays += 1
                p -= 0.85 if p >= 0.85 else p
                if stays >= 6:
                    break
            nights = 0
            revenue = 0
            hotel = ""
            if stays:
                h = fav if rnd.random() < 0.7 else rnd.choice(hotels)
                hotel = h[0]
                for _ in range(stays):
                    nights += rnd.choices([1, 2, 3, 4, 5], [40, 30, 15, 10, 5])[0]
                rate = ADR[h[2]] * rnd.uniform(0.85, 1.2) * (1.05 if yy == 2025 else 1.0)
                revenue = round(nights * rate)
                last_stay = i
            mult = [1.0, 1.25, 1.5, 2.0][tier]
            earned = round(revenue * mult)
            redeemed = 0
            if rnd.random() < 0.12 + 0.05 * tier:
                redeemed = rnd.choice([500, 1000, 2000, 3000, 5000, 8000])
            upgraded = 0
            if stays and tier < 3 and rnd.random() < 0.02 * nights:
                tier += 1
                upgraded = 1
            lapsed = 1 if i - last_stay >= 12 else 0
            complaint = 1 if stays and rnd.random() < 0.025 + 0.02 * (nights > 6) else 0
            rows.append((f"{yy}-{mm:02d}-01", mid, hotel, TIERS[tier], stays, nights, revenue, earned,
                         redeemed, int(stays > 0), lapsed, upgraded, complaint))
        members.append((mid, f"{ey}-{em:02d}-{ed:02d}", ey, age if rnd.random() > 0.02 else "", gender, TIERS[tier],
                        city, source, "true" if corporate else "false"))
    with open(os.path.join(HERE, "members.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["member_id", "enrol_date", "enrol_year", "age", "gender", "tier", "home_city",
                    "enrol_source", "corporate_account"])
        w.writerows(members)
    with open(os.path.join(HERE, "member_months.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["month", "member_id", "hotel_id", "tier", "stays", "nights", "room_revenue", "points_earned",
                    "points_redeemed", "active", "lapsed", "upgraded", "complaint"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
