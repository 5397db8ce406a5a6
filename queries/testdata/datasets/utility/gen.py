#!/usr/bin/env python3
"""Generate the synthetic city gas-and-electricity utility data set (fixed seed)."""
import csv, random, datetime

R = random.Random(20251107)
DISTRICTS = [("D01","东城区","Dongcheng","城区"),("D02","西城区","Xicheng","城区"),("D03","南湖区","Nanhu","城区"),
             ("D04","北岸区","Beian","城区"),("D05","高新区","Hi-tech Zone","城区"),("D06","江口区","Jiangkou","城区"),
             ("D07","青山县","Qingshan","郊区"),("D08","柳河镇","Liuhe","郊区"),("D09","石桥县","Shiqiao","郊区"),
             ("D10","白沙镇","Baisha","郊区")]
MONTHS = []
y, m = 2022, 10
while (y, m) <= (2025, 7):
    MONTHS.append(datetime.date(y, m, 1)); m += 1
    if m == 13: y, m = y + 1, 1

def w(name, header, rows):
    with open(name + ".csv", "w", newline="", encoding="utf-8") as f:
        cw = csv.writer(f, lineterminator="\n"); cw.writerow(header); cw.writerows(rows)

w("districts", ["district_id","district_name","district_name_en","area_type"], DISTRICTS)
custs, cm, comp = [], [], []
N = 1700
for i in range(1, N + 1):
    cid = 10000 + i
    ctype = R.choices(["居民","商业","工业"], [0.8, 0.15, 0.05])[0]
    plan = R.choices(["阶梯","分时","固定"], [0.5, 0.3, 0.2] if ctype == "居民" else [0.1, 0.5, 0.4])[0]
    dist = R.choices(DISTRICTS, [12,11,10,10,9,9,7,6,6,5])[0][0]
    hh = R.choices([1,2,3,4,5,6], [15,30,28,17,7,3])[0] if ctype == "居民" else None
    if hh is not None and R.random() < 0.03: hh = None
    if R.random() < 0.55:
        start = datetime.date(2010, 1, 1) + datetime.timedelta(days=R.randrange(0, 4600))
    else:
        start = datetime.date(2022, 10, 1) + datetime.timedelta(days=R.randrange(0, 1000))
    autopay = 1 if R.random() < (0.6 if ctype == "居民" else 0.45) else 0
    custs.append([cid, ctype, plan, dist, "" if hh is None else hh, start.isoformat(), autopay])
    base = {"居民": 180 + 45 * (hh or 3), "商业": 1400, "工业": 6500}[ctype] * R.uniform(0.6, 1.5)
    price = {"阶梯": 0.62, "分时": 0.57, "固定": 0.66}[plan] * (1.25 if ctype != "居民" else 1.0)
    risk = 0.004 + (0.008 if plan == "固定" else 0) + (0.006 if autopay == 0 else 0) + (0.004 if dist in ("D07","D08","D09","D10") else 0)
    arrears = False
    for mo in MONTHS:
        if mo < datetime.date(start.year, start.month, 1): continue
        active = 1 if mo > datetime.date(start.year, start.month, 1) else 0
        season = 1.35 if mo.month in (7, 8) else 1.25 if mo.month in (12, 1, 2) else 0.95
        kwh = round(base * season * R.uniform(0.8, 1.2))
        bill = round(kwh * price + (20 if ctype == "居民" else 80) * season, 1)
        ontime = 1 if R.random() < (0.97 if autopay else 0.82) else 0
        if not ontime and R.random() < 0.5: arrears = True
        elif arrears and R.random() < 0.4: arrears = False
        closed = 1 if active and R.random() < risk * (2.5 if arrears else 1) * (1.5 if mo.year == 2025 else 1) else 0
        cm.append([cid, mo.isoformat(), kwh if R.random() > 0.004 else "", bill, ontime, int(arrears), active, closed])
        if R.random() < (0.045 if arrears else 0.02) * (1.6 if ctype != "居民" else 1):
            d = mo + datetime.timedelta(days=R.randrange(0, 28))
            topic = R.choices(["账单","停电","服务","抄表"], [40 if arrears else 25, 25 if mo.month in (7,8) else 12, 20, 15])[0]
            comp.append([None, cid, d.isoformat(), R.choices(["热线","APP","营业厅"], [50, 35, 15])[0], topic])
        if closed: break
comp.sort(key=lambda r: (r[2], r[1]))
for k, r in enumerate(comp, 1): r[0] = 500000 + k
w("customers", ["customer_id","customer_type","tariff_plan","district_id","household_size","contract_start","autopay"], custs)
w("customer_months", ["customer_id","month","kwh","bill_amount","paid_on_time","in_arrears","active_at_start","closed"], cm)
w("complaints", ["complaint_id","customer_id","complaint_date","channel","topic"], comp)
