"""Message catalogue in English and Thai, and the choice between them from `Accept-Language`."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

# key -> (English, Thai). Parameters are filled with str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    # titles
    "title.not_found": ("Not found", "ไม่พบข้อมูล"),
    "title.validation": ("Invalid request", "ข้อมูลที่ส่งมาไม่ถูกต้อง"),
    "title.conflict": ("Conflict", "ข้อมูลขัดแย้งกัน"),
    "title.precondition_failed": ("Precondition failed", "ข้อมูลถูกเปลี่ยนไปแล้ว"),
    "title.precondition_required": ("Precondition required", "ต้องระบุ If-Match"),
    "title.unauthorized": ("Authentication required", "ต้องยืนยันตัวตน"),
    "title.forbidden": ("Forbidden", "ไม่มีสิทธิ์ดำเนินการ"),
    "title.bad_request": ("Bad request", "คำขอไม่ถูกต้อง"),
    "title.payload_too_large": ("Request body too large", "ข้อมูลที่ส่งมามีขนาดใหญ่เกินไป"),
    "title.method_not_allowed": ("Method not allowed", "ไม่รองรับเมธอดนี้"),
    "title.unsupported_media_type": ("Unsupported media type", "ไม่รองรับชนิดข้อมูลนี้"),
    "title.not_acceptable": ("Not acceptable", "ไม่สามารถส่งข้อมูลในรูปแบบที่ขอได้"),
    "title.internal": ("Internal server error", "เกิดข้อผิดพลาดภายในระบบ"),
    "title.unavailable": ("Service unavailable", "ระบบยังไม่พร้อมให้บริการ"),
    "title.too_many_requests": ("Too many requests", "ส่งคำขอถี่เกินไป"),
    # details
    "detail.validation": (
        "The request has {count} invalid field(s).",
        "ข้อมูลไม่ถูกต้อง {count} รายการ",
    ),
    "detail.not_found": ("{resource} {key} does not exist.", "ไม่พบ{resource_th} {key}"),
    "detail.route_not_found": ("No such path: {path}.", "ไม่พบเส้นทาง {path}"),
    "detail.method_not_allowed": ("{method} is not allowed here.", "ไม่รองรับเมธอด {method} ที่เส้นทางนี้"),
    "detail.already_exists": ("{resource} {key} already exists.", "มี{resource_th} {key} อยู่แล้ว"),
    "detail.in_use": (
        "{resource} {key} is still referenced by {what}.",
        "{resource_th} {key} ยังถูกใช้งานโดย{what_th}",
    ),
    "detail.stale": (
        "The resource has changed since you read it (If-Match {given}, current {current}). "
        "Read it again and retry.",
        "ข้อมูลถูกแก้ไขไปแล้วหลังจากที่คุณอ่าน (If-Match {given}, ปัจจุบัน {current}) กรุณาอ่านใหม่แล้วลองอีกครั้ง",
    ),
    "detail.if_match_required": (
        "This server requires If-Match on changes: read the resource, then send its ETag in If-Match.",
        "ระบบนี้กำหนดให้ส่ง If-Match เมื่อแก้ไขหรือลบข้อมูล กรุณาอ่านข้อมูลก่อน แล้วส่ง ETag ที่ได้ใน If-Match",
    ),
    "detail.unknown_query": (
        "Unknown query parameter(s): {names}.",
        "ไม่รู้จักพารามิเตอร์: {names}",
    ),
    "detail.concurrent_update": (
        "Someone else changed this resource at the same time. Read it again and retry.",
        "มีผู้อื่นแก้ไขข้อมูลนี้พร้อมกัน กรุณาอ่านใหม่แล้วลองอีกครั้ง",
    ),
    "detail.integrity": (
        "The change conflicts with data stored at the same moment (it may already exist). Read and retry.",
        "ข้อมูลขัดแย้งกับข้อมูลที่เพิ่งบันทึก (อาจมีอยู่แล้ว) กรุณาอ่านใหม่แล้วลองอีกครั้ง",
    ),
    "detail.plan_frozen": (
        "The plan is {status}: its content can be changed only in draft or returned.",
        "แผนอยู่ในสถานะ {status} แก้ไขเนื้อหาได้เฉพาะเมื่อเป็นร่างหรือถูกส่งกลับแก้ไข",
    ),
    "detail.plan_not_draft": (
        "Only a draft plan can be deleted; this one is {status}.",
        "ลบได้เฉพาะแผนที่เป็นร่าง แผนนี้อยู่ในสถานะ {status}",
    ),
    "detail.plan_exists": (
        "Village {village} already has a plan for {year}: make a revision of it instead.",
        "หมู่บ้าน {village} มีแผนปี {year} อยู่แล้ว กรุณาปรับปรุงแผนเดิมแทน",
    ),
    "detail.not_latest_revision": (
        "Only the newest revision ({latest}) of a year can be revised.",
        "ปรับปรุงได้เฉพาะฉบับล่าสุด (ฉบับที่ {latest}) ของปีนั้น",
    ),
    "detail.activity_frozen": (
        "The plan is {status}: only the activity's status (progress) can still change.",
        "แผนอยู่ในสถานะ {status} แก้ไขได้เฉพาะสถานะความคืบหน้าของกิจกรรม",
    ),
    "detail.wrong_state": (
        "A plan that is {status} cannot be given '{action}'. See allowed_actions for what can be done now.",
        "แผนที่อยู่ในสถานะ {status} ดำเนินการ '{action}' ไม่ได้ ดู allowed_actions สำหรับสิ่งที่ทำได้ในตอนนี้",
    ),
    "detail.wrong_role": (
        "Only the {role} role may '{action}' a plan.",
        "เฉพาะบทบาท {role} เท่านั้นที่ดำเนินการ '{action}' กับแผนได้",
    ),
    "detail.guard_not_met": (
        "'{action}' needs the condition '{guard}', which the plan does not meet.",
        "การดำเนินการ '{action}' ต้องเป็นไปตามเงื่อนไข '{guard}' ซึ่งแผนนี้ยังไม่ผ่าน",
    ),
    "detail.not_adoptable": (
        "The plan is {status}: activities can be adopted once the district has approved the plan.",
        "แผนอยู่ในสถานะ {status} จะรับกิจกรรมเข้าแผนพัฒนาท้องถิ่นได้เมื่ออำเภอเห็นชอบแผนแล้ว",
    ),
    "detail.activity_cancelled": ("A cancelled activity cannot be adopted.", "กิจกรรมที่ยกเลิกแล้วรับเข้าแผนไม่ได้"),
    "detail.bulk_media_type": (
        "Send text/csv or application/x-ndjson.",
        "กรุณาส่งเป็น text/csv หรือ application/x-ndjson",
    ),
    "detail.bulk_charset": (
        "Unsupported charset {charset}: send UTF-8 or Windows-874 (TIS-620).",
        "ไม่รองรับชุดอักขระ {charset} กรุณาส่งเป็น UTF-8 หรือ Windows-874 (TIS-620)",
    ),
    "detail.bulk_binary": (
        "The file holds binary data, not text.",
        "ไฟล์นี้เป็นข้อมูลไบนารี ไม่ใช่ข้อความ",
    ),
    "detail.bulk_encoding": (
        "The file is not valid {encoding} text.",
        "ไฟล์นี้ไม่ใช่ข้อความที่เข้ารหัสแบบ {encoding} ที่ถูกต้อง",
    ),
    "detail.bulk_empty": ("The file has no header row.", "ไฟล์ไม่มีแถวหัวตาราง"),
    "detail.bulk_no_rows": ("The file has a header but no rows.", "ไฟล์มีแต่หัวตาราง ไม่มีข้อมูล"),
    "detail.bulk_unreadable": ("The CSV cannot be read: {reason}.", "อ่านไฟล์ CSV ไม่ได้: {reason}"),
    "detail.bulk_columns": (
        "Unknown columns: {unknown}. Missing required columns: {missing}. Allowed: {allowed}.",
        "คอลัมน์ที่ไม่รู้จัก: {unknown} คอลัมน์ที่ขาด: {missing} คอลัมน์ที่ใช้ได้: {allowed}",
    ),
    "detail.bulk_rejected": (
        "{rejected} of {received} rows were rejected; nothing was written.",
        "มี {rejected} จาก {received} แถวที่ไม่ผ่าน จึงไม่ได้บันทึกข้อมูลใดเลย",
    ),
    "detail.rate_limited": (
        "The rate limit {policy} ({quota} requests per {window} s) is reached; retry in {seconds} s.",
        "ส่งคำขอเกินกำหนด {policy} ({quota} คำขอต่อ {window} วินาที) โปรดลองใหม่ในอีก {seconds} วินาที",
    ),
    "detail.cors_refused": (
        "Cross-origin request refused: {what} not allowed.",
        "ไม่อนุญาตคำขอข้ามโดเมน: {what} ไม่ได้รับอนุญาต",
    ),
    "detail.busy": (
        "The database is busy with another write; retry in a few seconds.",
        "ฐานข้อมูลกำลังบันทึกงานอื่นอยู่ โปรดลองใหม่ในอีกสักครู่",
    ),
    "detail.bulk_job_gave_up": (
        "The job failed {attempts} times and was given up: {reason}.",
        "งานล้มเหลว {attempts} ครั้ง จึงหยุดทำ: {reason}",
    ),
    "detail.unauthorized": (
        "A valid bearer token or API key is required.",
        "ต้องส่งโทเค็นหรือคีย์ API ที่ถูกต้อง",
    ),
    "detail.forbidden": ("Your role may not do this.", "บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้"),
    "detail.outside_scope": ("{code} is outside your scope.", "{code} อยู่นอกขอบเขตของคุณ"),
    "detail.area_outside_scope": (
        "{what} {code} is outside your scope.",
        "{what_th} {code} อยู่นอกขอบเขตของคุณ",
    ),
    "detail.bad_cursor": ("The cursor is not valid for this list.", "ค่า cursor ไม่ถูกต้องสำหรับรายการนี้"),
    "detail.body_too_large": (
        "The request body is larger than {limit} bytes.",
        "ข้อมูลที่ส่งมาใหญ่เกิน {limit} ไบต์",
    ),
    "detail.body_unreadable": (
        "The request body could not be read as UTF-8 JSON.",
        "อ่านข้อมูลที่ส่งมาเป็น JSON แบบ UTF-8 ไม่ได้",
    ),
    "detail.json_too_deep": (
        "The JSON body nests arrays and objects more than {limit} levels deep.",
        "ข้อมูล JSON ที่ส่งมามีอาร์เรย์หรือออบเจ็กต์ซ้อนกันเกิน {limit} ชั้น",
    ),
    "detail.unsupported_media_type": (
        "Send the body as application/json.",
        "กรุณาส่งข้อมูลเป็น application/json",
    ),
    "detail.idempotency_mismatch": (
        "This Idempotency-Key was already used with a different request.",
        "Idempotency-Key นี้เคยใช้กับคำขออื่นแล้ว",
    ),
    "detail.idempotency_in_flight": (
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
        "คำขอที่ใช้ Idempotency-Key นี้กำลังดำเนินการอยู่ กรุณาลองใหม่ในอีกสักครู่",
    ),
    "detail.internal": (
        "Something went wrong on our side. The error has been logged.",
        "เกิดข้อผิดพลาดในระบบ ได้บันทึกข้อผิดพลาดไว้แล้ว",
    ),
    "detail.login_throttled": (
        "Too many failed sign-ins. Wait {seconds} seconds before trying again.",
        "เข้าสู่ระบบไม่สำเร็จหลายครั้งเกินไป กรุณารอ {seconds} วินาทีก่อนลองใหม่",
    ),
    "detail.login_in_flight": (
        "Too many sign-ins from your address at the same moment. Retry in {seconds} seconds.",
        "มีการเข้าสู่ระบบจากที่อยู่ของคุณพร้อมกันมากเกินไป กรุณาลองใหม่ในอีก {seconds} วินาที",
    ),
    "detail.passwords_busy": (
        "The server is busy checking other passwords. Retry in a second.",
        "ระบบกำลังตรวจสอบรหัสผ่านอื่นอยู่จำนวนมาก กรุณาลองใหม่ในอีกสักครู่",
    ),
    "detail.not_ready": ("The database is not ready: {reason}.", "ฐานข้อมูลยังไม่พร้อม: {reason}"),
    # field messages from domain rules
    "field.unknown_subdistrict": (
        "Subdistrict {code} does not exist.",
        "ไม่มีตำบลรหัส {code}",
    ),
    "field.unknown_query": (
        "This endpoint has no such query parameter. It takes: {allowed}.",
        "ไม่มีพารามิเตอร์นี้ พารามิเตอร์ที่ใช้ได้: {allowed}",
    ),
    "field.no_query": (
        "This endpoint takes no query parameters.",
        "เส้นทางนี้ไม่รับพารามิเตอร์ใด ๆ",
    ),
    "field.unknown_province": ("Province {code} does not exist.", "ไม่มีจังหวัดรหัส {code}"),
    "field.unknown_district": ("District {code} does not exist.", "ไม่มีอำเภอรหัส {code}"),
    "field.unknown_local_government": (
        "Local government {code} does not exist.",
        "ไม่มีองค์กรปกครองส่วนท้องถิ่นรหัส {code}",
    ),
    "field.moo_mismatch": (
        "moo {moo} does not agree with village code {code} (its last two digits).",
        "หมู่ที่ {moo} ไม่ตรงกับรหัสหมู่บ้าน {code} (สองหลักสุดท้าย)",
    ),
    "field.moo_zero": (
        "The last two digits of a village code (moo) must be 01–99.",
        "สองหลักสุดท้ายของรหัสหมู่บ้าน (หมู่ที่) ต้องเป็น 01–99",
    ),
    "field.subdistrict_outside_province": (
        "Subdistrict {code} is not in province {province}.",
        "ตำบล {code} ไม่อยู่ในจังหวัด {province}",
    ),
    "field.lgo_other_province": (
        "Local government {lgo} is in province {lgo_province}, not {province}.",
        "องค์กรปกครองส่วนท้องถิ่น {lgo} อยู่ในจังหวัด {lgo_province} ไม่ใช่ {province}",
    ),
    "field.lgo_not_covering": (
        "Local government {lgo} does not cover subdistrict {subdistrict}.",
        "องค์กรปกครองส่วนท้องถิ่น {lgo} ไม่ได้ดูแลตำบล {subdistrict}",
    ),
    "field.duplicate": ("{value} is listed more than once.", "{value} ซ้ำกัน"),
    "field.blank": ("Must not be blank.", "ต้องไม่เป็นค่าว่าง"),
    "field.unknown_role": ("Unknown role {role}.", "ไม่รู้จักบทบาท {role}"),
    "field.scope_not_allowed": ("The admin role takes no scope code.", "บทบาทผู้ดูแลระบบไม่ต้องระบุขอบเขต"),
    "field.scope_required": ("Role {role} needs a scope code.", "บทบาท {role} ต้องระบุรหัสขอบเขต"),
    "field.unknown_scope": (
        "{code} is not a scope for role {role}: it must be an existing code of the kind the role needs.",
        "{code} ไม่ใช่ขอบเขตที่ใช้ได้กับบทบาท {role} ต้องเป็นรหัสที่มีอยู่จริงตามชนิดที่บทบาทนั้นต้องการ",
    ),
    "field.unknown_indicator": ("{key} is not in this rubric.", "{key} ไม่มีในเกณฑ์การประเมินนี้"),
    "field.score_missing": ("A score is required for this indicator.", "ต้องให้คะแนนตัวชี้วัดนี้"),
    "field.score_items_expected": (
        "This indicator is scored per item: send an object of item scores.",
        "ตัวชี้วัดนี้ให้คะแนนเป็นรายข้อ กรุณาส่งคะแนนแต่ละข้อ",
    ),
    "field.score_range": ("Must be a whole number from 0 to {max}.", "ต้องเป็นจำนวนเต็มตั้งแต่ 0 ถึง {max}"),
    "field.scores_not_allowed": (
        "A quality assessment is computed from the plan's data: send no scores.",
        "การประเมินคุณภาพคำนวณจากข้อมูลของแผน ไม่ต้องส่งคะแนน",
    ),
    "field.over_total": (
        "{field} ({value}) cannot be more than households_total ({total}).",
        "{field} ({value}) ต้องไม่เกินจำนวนครัวเรือนทั้งหมด ({total})",
    ),
    "field.unknown_village": ("Village {code} does not exist.", "ไม่มีหมู่บ้านรหัส {code}"),
    "field.revision_year": (
        "A revision is for the same year ({year}) or the next ({next}).",
        "การปรับปรุงแผนทำได้สำหรับปีเดียวกัน ({year}) หรือปีถัดไป ({next}) เท่านั้น",
    ),
    "field.comment_required": ("'{action}' needs a comment.", "การดำเนินการ '{action}' ต้องระบุความเห็น"),
    "field.not_village_lgo": (
        "{code} is not the local government of this activity's village.",
        "{code} ไม่ใช่องค์กรปกครองส่วนท้องถิ่นของหมู่บ้านที่กิจกรรมนี้สังกัด",
    ),
    "field.unknown_event_type": ("Unknown event type {type}.", "ไม่รู้จักชนิดเหตุการณ์ {type}"),
    "field.url_invalid": ("Not a valid URL.", "URL ไม่ถูกต้อง"),
    "field.url_scheme": (
        "Only http and https URLs can receive webhooks.",
        "รับ webhook ได้เฉพาะ URL แบบ http หรือ https",
    ),
    "field.url_unresolvable": ("{host} cannot be resolved.", "ไม่พบที่อยู่ของ {host}"),
    "field.url_private": (
        "The target is not a public address: a webhook URL must lead only to globally routable addresses "
        "unless they are inside WEBHOOK_ALLOWED_NETWORKS.",
        "ปลายทางไม่ใช่ที่อยู่สาธารณะ URL ของ webhook ต้องชี้ไปยังที่อยู่สาธารณะเท่านั้น "
        "เว้นแต่อยู่ในรายการ WEBHOOK_ALLOWED_NETWORKS",
    ),
    "field.unknown_plan": ("Plan {id} does not exist.", "ไม่มีแผนชุมชนรหัส {id}"),
    "field.lgo_still_has_villages": (
        "{code} still has villages in the subdistricts this row leaves out.",
        "{code} ยังมีหมู่บ้านอยู่ในตำบลที่แถวนี้ไม่ได้ระบุ",
    ),
    "field.plan_frozen_row": (
        "That plan is {status}: it can no longer be changed.",
        "แผนนั้นอยู่ในสถานะ {status} แก้ไขไม่ได้แล้ว",
    ),
    "field.duplicate_row": ("The same as row {row} of this file.", "ซ้ำกับแถวที่ {row} ของไฟล์นี้"),
    "field.exists": ("Already exists (on_conflict=error).", "มีอยู่แล้ว (on_conflict=error)"),
    "field.ragged_row": (
        "The row has {cells} cells; the header has {columns}.",
        "แถวนี้มี {cells} ช่อง แต่หัวตารางมี {columns} ช่อง",
    ),
    "field.formula": (
        "Looks like a spreadsheet formula; start the text with a letter or digit.",
        "ข้อความดูเหมือนสูตรของโปรแกรมตารางคำนวณ กรุณาขึ้นต้นด้วยตัวอักษรหรือตัวเลข",
    ),
    "field.json_too_deep": (
        "The line nests arrays and objects more than {limit} levels deep.",
        "บรรทัดนี้มีอาร์เรย์หรือออบเจ็กต์ซ้อนกันเกิน {limit} ชั้น",
    ),
    "field.not_json_object": ("Each line must be one JSON object.", "แต่ละบรรทัดต้องเป็นออบเจ็กต์ JSON หนึ่งรายการ"),
    "field.row_outside_scope": ("Outside your scope.", "อยู่นอกขอบเขตของคุณ"),
    "field.outside_scope": ("{code} is outside your scope.", "{code} อยู่นอกขอบเขตของคุณ"),
    # forums, lessons and reports
    "field.plan_other_district": (
        "Plan {id} is in district {plan_district}, not in the forum's district {district}.",
        "แผนชุมชน {id} อยู่ในอำเภอ {plan_district} ไม่ใช่อำเภอ {district} ที่จัดเวที",
    ),
    "field.date_too_far": (
        "The date can be at most a year ahead (on or before {latest}).",
        "วันที่ต้องไม่เกินหนึ่งปีข้างหน้า (ไม่เกิน {latest})",
    ),
    "field.date_too_early": (
        "The date must be on or after {earliest}.",
        "วันที่ต้องไม่ก่อน {earliest}",
    ),
    "field.scope_code_level": (
        "A {level} code has {length} digits.",
        "รหัส{level_th}ต้องมี {length} หลัก",
    ),
    "field.unknown_area": ("There is no {level} with code {code}.", "ไม่มี{level_th}รหัส {code}"),
    "field.district_outside_province": (
        "District {code} is not in province {province}.",
        "อำเภอ {code} ไม่อยู่ในจังหวัด {province}",
    ),
}

# How a resource is named inside Thai sentences.
RESOURCE_TH: dict[str, str] = {
    "Village": "หมู่บ้าน",
    "Local government": "องค์กรปกครองส่วนท้องถิ่น",
    "Province": "จังหวัด",
    "District": "อำเภอ",
    "Subdistrict": "ตำบล",
    "API key": "คีย์ API",
    "User": "ผู้ใช้",
    "villages": "หมู่บ้าน",
    "plans": "แผนชุมชน",
    "Plan": "แผนชุมชน",
    "Activity": "กิจกรรม",
    "Assessment": "ผลการประเมิน",
    "Committee member": "กรรมการหมู่บ้าน",
    "Adoption": "การรับกิจกรรมเข้าแผน",
    "Webhook subscription": "การสมัครรับ webhook",
    "Delivery": "การส่ง webhook",
    "Forum": "เวทีประชาคมอำเภอ",
    "Lesson": "บทเรียน",
    "Bulk job": "งานนำเข้าข้อมูล",
}


def language(conn: HTTPConnection | None) -> str:
    """'th' when the client prefers Thai over English, else 'en'."""
    if conn is None:
        return "en"
    header = conn.headers.get("accept-language", "")
    best_lang, best_q = "en", -1.0
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0]
        if primary not in ("th", "en"):
            continue
        # ties go to the earlier entry
        if q > best_q or (q == best_q and position == 0):
            best_lang, best_q = primary, q
    return best_lang


def message(key: str, lang: str, /, **params: Any) -> str:
    en, th = MESSAGES[key]
    if lang == "th":
        for name in ("resource", "what"):
            if name in params:
                params.setdefault(f"{name}_th", RESOURCE_TH.get(str(params[name]), str(params[name])))
        return th.format(**params)
    params = {k: v for k, v in params.items()}
    return en.format(**params)


# Thai wording for pydantic's validation error types; ctx values fill the braces.
PYDANTIC_TH: dict[str, str] = {
    "missing": "ต้องระบุค่านี้",
    "extra_forbidden": "ไม่รู้จักฟิลด์นี้",
    "string_type": "ต้องเป็นข้อความ",
    "string_too_short": "ต้องยาวอย่างน้อย {min_length} ตัวอักษร",
    "string_too_long": "ต้องยาวไม่เกิน {max_length} ตัวอักษร",
    "string_pattern_mismatch": "รูปแบบไม่ถูกต้อง (ต้องตรงกับ {pattern})",
    "int_type": "ต้องเป็นจำนวนเต็ม",
    "int_parsing": "ต้องเป็นจำนวนเต็ม",
    "int_from_float": "ต้องเป็นจำนวนเต็ม ไม่มีทศนิยม",
    "bool_type": "ต้องเป็น true หรือ false",
    "bool_parsing": "ต้องเป็น true หรือ false",
    "greater_than": "ต้องมากกว่า {gt}",
    "greater_than_equal": "ต้องไม่น้อยกว่า {ge}",
    "less_than": "ต้องน้อยกว่า {lt}",
    "less_than_equal": "ต้องไม่เกิน {le}",
    "enum": "ต้องเป็นค่าใดค่าหนึ่งใน {expected}",
    "literal_error": "ต้องเป็นค่าใดค่าหนึ่งใน {expected}",
    "list_type": "ต้องเป็นรายการ (array)",
    "dict_type": "ต้องเป็นออบเจ็กต์",
    "model_type": "ต้องเป็นออบเจ็กต์",
    "model_attributes_type": "ต้องเป็นออบเจ็กต์",
    "json_invalid": "JSON ไม่ถูกต้อง",
    "json_type": "JSON ไม่ถูกต้อง",
    "too_long": "มีได้ไม่เกิน {max_length} รายการ",
    "too_short": "ต้องมีอย่างน้อย {min_length} รายการ",
    "decimal_parsing": "ต้องเป็นตัวเลขทศนิยม",
    "decimal_max_places": "มีทศนิยมได้ไม่เกิน {decimal_places} ตำแหน่ง",
    "datetime_parsing": "วันเวลาไม่ถูกต้อง",
    "datetime_from_date_parsing": "วันเวลาไม่ถูกต้อง",
    "date_parsing": "วันที่ไม่ถูกต้อง",
    "date_type": "ต้องเป็นวันที่แบบ ISO 8601 เช่น 2026-03-01",
    "datetime_type": "ต้องเป็นวันเวลาแบบ ISO 8601 เช่น 2026-03-01T09:00:00+07:00",
    "not_null": "ต้องไม่เป็นค่า null",
    "uuid_parsing": "UUID ไม่ถูกต้อง",
    "value_error": "ค่าไม่ถูกต้อง",
}


def pydantic_message_th(error_type: str, ctx: dict[str, Any] | None, fallback: str) -> str:
    template = PYDANTIC_TH.get(error_type)
    if template is None:
        return fallback
    ctx = dict(ctx or {})
    expected = ctx.get("expected")
    if isinstance(expected, str) and " or " in expected:
        # pydantic lists the allowed values in English ("'a', 'b' or 'c'"); the values are ours, the "or" is
        # not.
        head, _, last = expected.rpartition(" or ")
        ctx["expected"] = f"{head} หรือ {last}"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return fallback
