"""What each problem `type` means and what to do about it, in English and Thai: the text of the pages that
`/problems/{slug}` serves, so that the `type` of every problem the API answers resolves to an explanation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    title: str
    meaning: str
    action: str


@dataclass(frozen=True)
class ProblemType:
    status: int | None  # None: the status varies (the answer's `status` says which)
    en: Text
    th: Text

    def text(self, lang: str) -> Text:
        return self.th if lang == "th" else self.en


CATALOGUE: dict[str, ProblemType] = {
    "bad-request": ProblemType(
        400,
        Text(
            "Bad request",
            "The request could not be read: its body is not UTF-8 JSON, or it is otherwise malformed.",
            "Send the body as JSON encoded in UTF-8 with `Content-Type: application/json`, and read `detail` "
            "for what was wrong.",
        ),
        Text(
            "คำขอไม่ถูกต้อง",
            "ระบบอ่านคำขอไม่ได้ เช่น ข้อมูลที่ส่งมาไม่ใช่ JSON แบบ UTF-8 หรือมีรูปแบบผิด",
            "ส่งข้อมูลเป็น JSON เข้ารหัส UTF-8 พร้อม `Content-Type: application/json` และอ่านรายละเอียดใน `detail`",
        ),
    ),
    "unauthorized": ProblemType(
        401,
        Text(
            "Authentication required",
            "The request has no credentials, or its API key or user token is wrong, revoked, disabled or "
            "expired (user tokens last 30 minutes).",
            "Send `Authorization: Bearer <API key or user token>`. Sign in again with "
            "`POST /api/v1/auth/token` for a fresh token, or ask an administrator for a new API key.",
        ),
        Text(
            "ต้องยืนยันตัวตน",
            "คำขอไม่มีข้อมูลยืนยันตัวตน หรือคีย์ API หรือโทเค็นผู้ใช้ไม่ถูกต้อง ถูกเพิกถอน ถูกระงับ "
            "หรือหมดอายุแล้ว (โทเค็นผู้ใช้มีอายุ 30 นาที)",
            "ส่ง `Authorization: Bearer <คีย์ API หรือโทเค็นผู้ใช้>` หากโทเค็นหมดอายุให้เข้าสู่ระบบใหม่ที่ "
            "`POST /api/v1/auth/token` หรือขอคีย์ API ใหม่จากผู้ดูแลระบบ",
        ),
    ),
    "forbidden": ProblemType(
        403,
        Text(
            "Forbidden",
            "Your role may not do this, or the resource is outside the area (scope) your key or account "
            "covers. Each operation's description in the API documentation says which roles may call it.",
            "Use an account or key of a role that may do it, for the right village, district, local "
            "government or province; ask an administrator if your role or scope is wrong.",
        ),
        Text(
            "ไม่มีสิทธิ์ดำเนินการ",
            "บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้ หรือข้อมูลอยู่นอกขอบเขตพื้นที่ของบัญชีหรือคีย์ของคุณ "
            "คำอธิบายของแต่ละรายการในเอกสาร API ระบุว่าบทบาทใดเรียกใช้ได้",
            "ใช้บัญชีหรือคีย์ของบทบาทที่มีสิทธิ์ สำหรับหมู่บ้าน อำเภอ อปท. หรือจังหวัดที่ถูกต้อง "
            "หากบทบาทหรือขอบเขตของคุณไม่ถูกต้องให้ติดต่อผู้ดูแลระบบ",
        ),
    ),
    "not-found": ProblemType(
        404,
        Text(
            "Not found",
            "There is no such resource or path, or it exists outside the area your key or account may see: "
            "the API does not tell the two apart.",
            "Check the code or id in the path and your scope. A list (`GET` on the collection) shows what "
            "you can see.",
        ),
        Text(
            "ไม่พบข้อมูล",
            "ไม่มีข้อมูลหรือเส้นทางนี้ หรือข้อมูลนั้นอยู่นอกขอบเขตที่บัญชีหรือคีย์ของคุณมองเห็น (ระบบไม่แยกสองกรณีนี้ออกจากกัน)",
            "ตรวจสอบรหัสหรือหมายเลขในเส้นทางและขอบเขตของคุณ ดูรายการข้อมูลที่คุณมองเห็นได้จากการเรียก `GET` ที่รายการนั้น",
        ),
    ),
    "method-not-allowed": ProblemType(
        405,
        Text(
            "Method not allowed",
            "This path exists, but not with this HTTP method.",
            "Use one of the methods listed in the answer's `Allow` header.",
        ),
        Text(
            "ไม่รองรับเมธอดนี้",
            "เส้นทางนี้มีอยู่ แต่ไม่รองรับเมธอด HTTP ที่ส่งมา",
            "ใช้เมธอดที่ระบุในส่วนหัว `Allow` ของคำตอบ",
        ),
    ),
    "conflict": ProblemType(
        409,
        Text(
            "Conflict",
            "The change conflicts with the resource as it is now: it already exists, something still refers "
            "to it, the plan is no longer editable, or someone changed it at the same moment.",
            "Read the resource again, see `detail`, and retry only if the change still makes sense.",
        ),
        Text(
            "ข้อมูลขัดแย้งกัน",
            "การเปลี่ยนแปลงขัดแย้งกับสถานะปัจจุบันของข้อมูล เช่น มีข้อมูลนี้อยู่แล้ว ยังมีข้อมูลอื่นอ้างถึง "
            "แผนแก้ไขไม่ได้แล้ว หรือมีผู้อื่นแก้ไขพร้อมกัน",
            "อ่านข้อมูลใหม่ ดูรายละเอียดใน `detail` แล้วลองใหม่หากการเปลี่ยนแปลงยังจำเป็น",
        ),
    ),
    "wrong-state": ProblemType(
        409,
        Text(
            "Action not possible in this state",
            "The plan's workflow status does not allow this action now (for example approving a plan that "
            "is still a draft). Nothing was changed.",
            "See `allowed_actions` in the answer (and in the plan) for what can be done now, and by which "
            "role; read the plan again if someone else moved it.",
        ),
        Text(
            "ดำเนินการไม่ได้ในสถานะนี้",
            "สถานะของแผนในขั้นตอนการทำงานไม่อนุญาตให้ดำเนินการนี้ในตอนนี้ (เช่น เห็นชอบแผนที่ยังเป็นร่าง) "
            "ระบบไม่ได้เปลี่ยนแปลงข้อมูลใด",
            "ดู `allowed_actions` ในคำตอบ (และในแผน) ว่าทำอะไรได้บ้างในตอนนี้ หากมีผู้อื่นเปลี่ยนสถานะแผน ให้อ่านแผนใหม่",
        ),
    ),
    "guard-not-met": ProblemType(
        409,
        Text(
            "Condition not met",
            "The action needs a condition the plan does not meet yet, named in `guard`: "
            "`has_activities` (at least one activity), `quality_assessment_exists`, `quality_grade_a` or "
            "`standard_good_or_better`. Nothing was changed.",
            "Meet the condition first (add an activity, assess the plan's quality, reach grade A, or a "
            "standard assessment of level good or better) and take the action again.",
        ),
        Text(
            "ยังไม่เป็นไปตามเงื่อนไข",
            "การดำเนินการนี้ต้องเป็นไปตามเงื่อนไขที่ระบุใน `guard` ซึ่งแผนยังไม่ผ่าน เช่น ต้องมีกิจกรรม "
            "อย่างน้อยหนึ่งกิจกรรม ต้องประเมินคุณภาพแผนแล้ว ต้องได้ระดับ A หรือผลการประเมินมาตรฐานระดับดีขึ้นไป "
            "ระบบไม่ได้เปลี่ยนแปลงข้อมูลใด",
            "ทำให้แผนเป็นไปตามเงื่อนไขก่อน (เพิ่มกิจกรรม ประเมินคุณภาพแผน หรือประเมินมาตรฐาน) แล้วดำเนินการอีกครั้ง",
        ),
    ),
    "precondition-failed": ProblemType(
        412,
        Text(
            "The resource changed since you read it",
            "The `If-Match` you sent is not the resource's current `ETag`: someone changed it after you read "
            "it. Nothing was changed, so no one's work was overwritten.",
            "Read the resource again (its answer has the current `ETag`), redo your change on what it is "
            "now, and send it with the new `ETag` as `If-Match`.",
        ),
        Text(
            "ข้อมูลถูกเปลี่ยนไปแล้ว",
            "ค่า `If-Match` ที่ส่งมาไม่ตรงกับ `ETag` ปัจจุบัน แสดงว่ามีผู้แก้ไขข้อมูลหลังจากที่คุณอ่าน ระบบจึงไม่บันทึกทับงานของผู้อื่น",
            "อ่านข้อมูลใหม่ (คำตอบมี `ETag` ปัจจุบัน) แก้ไขจากข้อมูลล่าสุด แล้วส่ง `ETag` ใหม่เป็น `If-Match`",
        ),
    ),
    "precondition-required": ProblemType(
        428,
        Text(
            "If-Match required",
            "This installation requires every change or deletion of a resource to name the version it "
            "changes (`REQUIRE_IF_MATCH`), so that two writers cannot overwrite each other unknowingly. "
            "The request had no `If-Match` header. Nothing was changed.",
            "Read the resource, take its `ETag` and send it back as `If-Match` with the change.",
        ),
        Text(
            "ต้องระบุ If-Match",
            "ระบบนี้กำหนดให้การแก้ไขหรือลบข้อมูลทุกครั้งต้องระบุรุ่นของข้อมูลที่จะแก้ไข เพื่อไม่ให้ผู้แก้ไขสองคน"
            "เขียนทับกันโดยไม่รู้ตัว คำขอนี้ไม่มีส่วนหัว `If-Match` จึงยังไม่มีการเปลี่ยนแปลงใด",
            "อ่านข้อมูลนั้นก่อน นำค่า `ETag` ที่ได้ส่งกลับมาเป็น `If-Match` พร้อมกับการแก้ไข",
        ),
    ),
    "json-too-deep": ProblemType(
        400,
        Text(
            "JSON nested too deeply",
            "The request's JSON nests arrays or objects more than 64 levels deep. No document of this API "
            "needs that many, and it is refused before it is parsed. Nothing was changed.",
            "Send the document the operation describes; its schema and example show the shape.",
        ),
        Text(
            "JSON ซ้อนกันลึกเกินไป",
            "JSON ในคำขอมีอาร์เรย์หรืออ็อบเจกต์ซ้อนกันเกิน 64 ชั้น ซึ่งไม่มีเอกสารใดของ API นี้ต้องใช้ "
            "จึงถูกปฏิเสธก่อนอ่าน และยังไม่มีการเปลี่ยนแปลงใด",
            "ส่งเอกสารตามรูปแบบที่การดำเนินการนั้นกำหนด ดูได้จากสคีมาและตัวอย่าง",
        ),
    ),
    "payload-too-large": ProblemType(
        413,
        Text(
            "Request body too large",
            "The body is larger than the service accepts for this request (1 MiB for JSON by default; bulk "
            "uploads have their own, larger limit).",
            "Send less at once: split the data, or use a bulk upload (`POST /api/v1/bulk/{kind}`) for many "
            "rows.",
        ),
        Text(
            "ข้อมูลที่ส่งมามีขนาดใหญ่เกินไป",
            "ข้อมูลที่ส่งมาใหญ่เกินกว่าที่ระบบรับได้ (JSON ไม่เกิน 1 MiB โดยค่าเริ่มต้น "
            "ส่วนการนำเข้าข้อมูลครั้งละมาก ๆ มีขีดจำกัดที่สูงกว่า)",
            "ส่งข้อมูลให้น้อยลงในแต่ละครั้ง หรือใช้การนำเข้าข้อมูลครั้งละมาก ๆ ที่ `POST /api/v1/bulk/{kind}`",
        ),
    ),
    "unsupported-media-type": ProblemType(
        415,
        Text(
            "Unsupported media type",
            "The body's `Content-Type` or charset is not one this operation reads.",
            "Send JSON as `application/json`; bulk uploads as `text/csv` (UTF-8, or Windows-874 as Thai "
            "Excel saves it) or `application/x-ndjson`.",
        ),
        Text(
            "ไม่รองรับชนิดข้อมูลนี้",
            "ชนิดข้อมูล (`Content-Type`) หรือชุดอักขระที่ส่งมาไม่ใช่แบบที่รายการนี้อ่านได้",
            "ส่ง JSON เป็น `application/json` ส่วนการนำเข้าข้อมูลให้ส่งเป็น `text/csv` (UTF-8 หรือ "
            "Windows-874 แบบที่ Excel ภาษาไทยบันทึก) หรือ `application/x-ndjson`",
        ),
    ),
    "validation": ProblemType(
        422,
        Text(
            "Invalid request",
            "Some of what you sent is not valid. `errors` lists each field (by its path, such as "
            "`scores.learning`) with the reason.",
            "Correct the fields listed in `errors` and send the request again; nothing was changed.",
        ),
        Text(
            "ข้อมูลที่ส่งมาไม่ถูกต้อง",
            "ข้อมูลบางส่วนที่ส่งมาไม่ถูกต้อง `errors` ระบุแต่ละฟิลด์ (ตามเส้นทาง เช่น `scores.learning`) พร้อมเหตุผล",
            "แก้ไขฟิลด์ที่ระบุใน `errors` แล้วส่งใหม่ ระบบยังไม่ได้เปลี่ยนแปลงข้อมูลใด",
        ),
    ),
    "bulk-file": ProblemType(
        422,
        Text(
            "The uploaded file cannot be used",
            "The file itself is unusable: it holds binary data, is not valid text in its encoding, has no "
            "header row or no rows, or its columns are not the ones this kind of upload takes.",
            "Save the spreadsheet as CSV (UTF-8, or Windows-874), start from the template "
            "(`GET /api/v1/bulk/{kind}/template.csv`) and send it again.",
        ),
        Text(
            "ใช้ไฟล์ที่อัปโหลดไม่ได้",
            "ตัวไฟล์ใช้ไม่ได้ เช่น เป็นข้อมูลไบนารี เข้ารหัสอักขระไม่ถูกต้อง ไม่มีแถวหัวตารางหรือไม่มีข้อมูล "
            "หรือคอลัมน์ไม่ตรงกับชนิดข้อมูลที่นำเข้า",
            "บันทึกตารางเป็น CSV (UTF-8 หรือ Windows-874) โดยเริ่มจากแม่แบบที่ "
            "`GET /api/v1/bulk/{kind}/template.csv` แล้วส่งใหม่",
        ),
    ),
    "bulk-rejected": ProblemType(
        422,
        Text(
            "Rows of the upload were rejected",
            "Some rows are invalid, and an atomic upload writes all rows or none, so nothing was written. "
            "`errors` lists each rejected row with its row number (1 = the first data row), field and "
            "reason; `bulk` has the counts.",
            "Fix the rows listed and upload the file again, or upload with `?mode=partial` to write the "
            "valid rows now; `?dry_run=true` checks a file without writing anything.",
        ),
        Text(
            "มีแถวที่ไม่ผ่านการตรวจสอบ",
            "บางแถวไม่ถูกต้อง และการนำเข้าแบบทั้งหมดหรือไม่มีเลย (atomic) จึงไม่ได้บันทึกข้อมูลใด "
            "`errors` ระบุแต่ละแถวที่ไม่ผ่าน (แถวที่ 1 คือแถวข้อมูลแรก) ฟิลด์ และเหตุผล ส่วน `bulk` "
            "แสดงจำนวนแถว",
            "แก้ไขแถวที่ระบุแล้วอัปโหลดใหม่ หรืออัปโหลดด้วย `?mode=partial` เพื่อบันทึกเฉพาะแถวที่ถูกต้อง "
            "และใช้ `?dry_run=true` เพื่อตรวจไฟล์โดยไม่บันทึก",
        ),
    ),
    "idempotency-key-reused": ProblemType(
        422,
        Text(
            "Idempotency-Key used for another request",
            "This `Idempotency-Key` was already used, within the last day, with a different request (another "
            "path or another body). Nothing was changed.",
            "Use a new, unique key for each new request; reuse a key only to retry the very same request.",
        ),
        Text(
            "Idempotency-Key นี้เคยใช้กับคำขออื่นแล้ว",
            "`Idempotency-Key` นี้เคยใช้ภายในหนึ่งวันที่ผ่านมากับคำขออื่น (เส้นทางหรือข้อมูลต่างกัน) ระบบไม่ได้เปลี่ยนแปลงข้อมูลใด",
            "ใช้คีย์ใหม่ที่ไม่ซ้ำสำหรับคำขอใหม่ทุกครั้ง และใช้คีย์เดิมเฉพาะเมื่อส่งคำขอเดิมซ้ำ",
        ),
    ),
    "too-many-requests": ProblemType(
        429,
        Text(
            "Too many requests",
            "You reached a rate limit, per API key or user or per client address. The `RateLimit` and "
            "`RateLimit-Policy` headers say which limit and how much of it is left.",
            "Wait the seconds given in `Retry-After`, then retry; spread requests out, or page through lists "
            "with larger `limit` values rather than polling faster.",
        ),
        Text(
            "ส่งคำขอถี่เกินไป",
            "คุณส่งคำขอเกินอัตราที่กำหนด (ต่อคีย์ API หรือผู้ใช้ หรือต่อที่อยู่เครื่อง) ส่วนหัว `RateLimit` "
            "และ `RateLimit-Policy` บอกว่าเกินข้อจำกัดใดและเหลือเท่าใด",
            "รอตามจำนวนวินาทีใน `Retry-After` แล้วลองใหม่ และกระจายคำขอให้ห่างขึ้น",
        ),
    ),
    "internal": ProblemType(
        500,
        Text(
            "Internal server error",
            "Something went wrong on the service's side; the error has been logged. It is not a problem "
            "with your request.",
            "Retry later. If it persists, report it to the service's operators with the time and the "
            "request id (`X-Request-ID`).",
        ),
        Text(
            "เกิดข้อผิดพลาดภายในระบบ",
            "เกิดข้อผิดพลาดที่ฝั่งระบบ และได้บันทึกไว้แล้ว ไม่ใช่ความผิดพลาดของคำขอของคุณ",
            "ลองใหม่ภายหลัง หากยังเกิดซ้ำให้แจ้งผู้ดูแลระบบพร้อมเวลาและหมายเลขคำขอ (`X-Request-ID`)",
        ),
    ),
    "busy": ProblemType(
        503,
        Text(
            "Service busy",
            "The database is busy with another write (an installation on SQLite writes one thing at a "
            "time, and a large upload can take a while). Nothing was changed.",
            "Wait the seconds given in `Retry-After` and send the same request again.",
        ),
        Text(
            "ระบบไม่ว่าง",
            "ฐานข้อมูลกำลังบันทึกงานอื่นอยู่ (ระบบที่ใช้ SQLite บันทึกได้ครั้งละหนึ่งงาน "
            "และการนำเข้าข้อมูลขนาดใหญ่อาจใช้เวลานาน) ระบบยังไม่ได้เปลี่ยนแปลงข้อมูลใด",
            "รอตามจำนวนวินาทีใน `Retry-After` แล้วส่งคำขอเดิมอีกครั้ง",
        ),
    ),
    "not-ready": ProblemType(
        503,
        Text(
            "Service not ready",
            "The service cannot reach its database, or the database is not migrated to the version this "
            "release needs (`/readyz`).",
            "Operators: check the database connection (`DATABASE_URL`) and run `cplan migrate`. Clients: "
            "retry later.",
        ),
        Text(
            "ระบบยังไม่พร้อมให้บริการ",
            "ระบบเชื่อมต่อฐานข้อมูลไม่ได้ หรือฐานข้อมูลยังไม่ได้ปรับโครงสร้างเป็นรุ่นที่ระบบรุ่นนี้ต้องการ (`/readyz`)",
            "ผู้ดูแลระบบ: ตรวจสอบการเชื่อมต่อฐานข้อมูล (`DATABASE_URL`) และสั่ง `cplan migrate` ผู้เรียกใช้: ลองใหม่ภายหลัง",
        ),
    ),
    "http-error": ProblemType(
        None,
        Text(
            "HTTP error",
            "The request was refused at the HTTP level, for the reason in `title` and `status`.",
            "Read `status` and `detail`, correct the request and retry.",
        ),
        Text(
            "ข้อผิดพลาดระดับ HTTP",
            "คำขอถูกปฏิเสธในระดับ HTTP ด้วยเหตุผลตาม `title` และ `status`",
            "อ่าน `status` และ `detail` แก้ไขคำขอแล้วลองใหม่",
        ),
    ),
}
