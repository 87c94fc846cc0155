#!/usr/bin/env python3
"""Writes hand-made seed inputs of the fuzz targets into fuzz/corpus/<target>/.

The seeds are valid examples of each input shape (the fuzzer finds its own way from there);
the committed corpus is what `cargo fuzz cmin` kept of them and of what fuzzing found. Run
it again after changing a target's input format (python3 fuzz/make_seeds.py), then fuzz and
minimise (see scripts/fuzz).
"""

import datetime
import io
import json
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(first17):
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- id_number: 2 bytes "today" (days since 1900-01-01, little endian), then the text -------
today = (datetime.date(2026, 11, 24) - datetime.date(1900, 1, 1)).days
day = struct.pack("<H", today)
for i, text in enumerate([
    id_number("11010519491231002"),
    id_number("15052519800101001").lower(),
    " " + id_number("44030620000229123") + "\t",
    id_number("15052519800101001")[:17] + "0",
    "150525198013010011",
    "99052519800101001X",
    "1505251980010100",
    "１５０５２５１９８００１０１００１X",
    id_number("65010220261124001"),
]):
    write("id_number", f"seed{i}", day + text.encode())
write("id_number", "seed_early", struct.pack("<H", 20000) + id_number("15052519800101001").encode())

# --- import_rows: 1 byte file name (0 .csv, 1 .xlsx, 2 .xls, 3 none), then the file ---------
HEADERS = ["姓名", "身份证号码", "手机号码", "退役军人", "中共党员", "技能"]
ROWS = [
    ["王志强", id_number("15052519800101001"), "13800000001", "是", "否", "应急救援、驾驶"],
    ["李卫国", id_number("15052519750505002").lower(), "+86 139-0000-0002", "Y", "1", ""],
    ["", "150525198001010011", "12345", "也许", "否", "驾驶"],
    [],
    ["赵", id_number("15052520150101003"), "13800000003", "否", "否", "x" * 60, "多余"],
]


def csv_bytes(rows, bom=False):
    def q(c):
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\n') else c
    text = "\r\n".join(",".join(q(c) for c in r) for r in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


write("import_rows", "csv_valid", b"\x00" + csv_bytes([HEADERS] + ROWS))
write("import_rows", "csv_bom_quoted", b"\x03" + csv_bytes([HEADERS, ['张"三"', "1,2", "a\nb"]], bom=True))
write("import_rows", "csv_bad_header", b"\x00" + csv_bytes([["姓名", "身份证"], ["a", "b"]]))
write("import_rows", "csv_not_utf8", b"\x00" + "姓名\n".encode("gbk"))


def xlsx_bytes(rows, compress, formula=True):
    shared = HEADERS
    cells = []
    for r, row in enumerate([None] + rows, start=1):
        if r == 1:
            cs = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(len(shared)))
        else:
            cs = ""
            for i, v in enumerate(row):
                ref = f"{chr(65 + i)}{r}"
                if v.isdigit() and len(v) == 11:
                    cs += f'<c r="{ref}"><v>{v}</v></c>'  # a phone number stored as a number
                else:
                    cs += f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        cells.append(f'<row r="{r}">{cs}</row>')
    if formula:
        cells.append('<row r="9"><c r="A9" t="str"><f>CONCAT("王","五")</f><v>王五</v></c>'
                     '<c r="B9"><v>1.5</v></c><c r="C9" t="b"><v>1</v></c><c r="D9" t="e"><v>#N/A</v></c>'
                     '<c r="BZ9" t="inlineStr"><is><t>far right</t></is></c></row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(cells)}</sheetData></worksheet>')
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="志愿者" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
    }
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, text)
    return buf.getvalue()


write("import_rows", "xlsx_stored", b"\x01" + xlsx_bytes(ROWS, compress=False))
write("import_rows", "xlsx_deflated", b"\x03" + xlsx_bytes(ROWS[:2], compress=True, formula=False))

# --- json_bodies: 1 byte endpoint (index into ENDPOINTS), then the body ---------------------
# $O county, $W township, $T team, $V volunteer, $A activity, $I incident.
BODIES = [
    {"name": "兴仁社区", "level": "village", "parent_id": "$W", "population": 800},
    {"name": "奈曼旗", "population": 3000, "unit_type": "service_centre", "version": 1},
    {"name": "第一分队", "org_id": "$O", "parent_team_id": "$T", "echelon": "detachment", "specialty": "应急救援"},
    {"name": "奈曼旗志愿服务队", "specialty": "应急救援", "version": 1},
    {"volunteer_id": "$V", "position": "member"},
    {"name": "李卫国", "id_number": id_number("15052519750505002"), "phone": "13900000002", "org_id": "$W",
     "veteran": True, "party_member": True, "skills": ["驾驶", "急救"], "home": {"lat": 42.85, "lon": 120.66},
     "health": "good", "branch": "陆军", "enlisted_year": 1993, "discharged_year": 1997, "military_rank": "中士",
     "consent_data": True, "consent_location": True, "guardian_consent": False},
    {"phone": "13800000009", "skills": ["驾驶"], "home": {"lat": 42.8, "lon": 120.6}, "health": "fair", "version": 1},
    {"team_id": "$T", "name": "李卫国", "id_number": id_number("15052519800101004"), "phone": "13900000004",
     "veteran": True, "branch": "陆军", "party_member": True, "health": "good", "no_record": True,
     "skills": ["驾驶"], "consent_data": True, "password": "Apply-pass-2026"},
    {"name": "关爱老兵", "category": "veteran_help", "description": "走访慰问", "org_id": "$O", "team_id": "$T", "brand": True},
    {"title": "清明祭扫", "team_id": "$T", "starts_at": "2030-04-05T08:00:00+08:00", "ends_at": "2030-04-05T11:00:00+08:00",
     "capacity": 20, "waitlist": True, "location": {"name": "烈士陵园", "lat": 42.85, "lon": 120.66},
     "required_skills": ["驾驶"], "recurrence": "weekly", "occurrences": 3,
     "signup_closes_at": "2030-04-04T20:00:00+08:00", "contact_phone": "13800000001"},
    {"volunteer_id": "$V", "walk_in": False},
    {"volunteer_id": "$V", "checked_in_at": "2030-04-04T08:00:00+08:00", "checked_out_at": "2030-04-04T11:30:00+08:00",
     "recipients": "烈士家属", "content": "祭扫", "evaluation": "好"},
    {"status": "cancelled"},
    {"title": "山火扑救", "kind": "fire", "org_id": "$O", "needed": 5, "skills": [],
     "location": {"lat": 42.9, "lon": 120.7, "address": "青龙山"}, "response_minutes": 30,
     "started_at": "2026-11-23T08:00:00+08:00"},
    {"volunteer_ids": ["$V"], "best": 3, "response_minutes": 20},
    {"volunteer_id": "$V", "action": "arrive"},
    {"status": "closed"},
    {"min_age": 18, "max_age": 60, "require_party_member": False, "require_veteran": True,
     "require_healthy": True, "require_no_record": True},
    {"levels": ["township", "county"]},
    {"prefix": "NM", "first_no": 1, "last_no": 9999},
    {"org_id": "$O", "size": 2},
    {"reason": "长期外出务工", "version": 1},
    {"from": "2026-01-01", "to": "2026-11-24"},
    {"title": "季度台账", "description": "报送本季度台账", "deadline": "2030-01-01T09:00:00+08:00", "org_id": "$O", "target_level": "township"},
    {"username": "zhang", "password": "Pass-word-2026", "role": "admin", "org_id": "$W"},
    {"username": "root", "password": "wrong"},
]
for i, body in enumerate(BODIES):
    write("json_bodies", f"endpoint{i:02}", bytes([i]) + json.dumps(body, ensure_ascii=False).encode())
write("json_bodies", "not_json", bytes([5]) + b'{"name": "\xff"')

# --- codes: 1 byte mode (0 activity token, 1 incident token, 2 certificate, 3 constructed) --
write("codes", "activity", b"\x00" + b"0193a5b2c3d47e8f9a0b1c2d3e4f5a6b.1790000060000.0123456789abcdef0123456789abcdef")
write("codes", "incident", b"\x01" + b"0193a5b2c3d47e8f9a0b1c2d3e4f5a6b.9999999999999.0123456789abcdef0123456789abcdef")
write("codes", "certificate", b"\x02" + b"0123456789abcdef0123456789abcdef01234567")
write("codes", "constructed", b"\x03" + struct.pack("<q", 1_790_000_060_000) + b"\x05x" + bytes(range(16)))
write("codes", "constructed_expired", b"\x03" + struct.pack("<q", 1_000) + b"\x30." + b"\x01\x93\xa5")
