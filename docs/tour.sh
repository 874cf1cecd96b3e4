#!/usr/bin/env bash
# A short tour of the Community Plans API, from a village to a certified plan whose activity a local
# government adopts into its budget (and is told by a signed webhook).
#
# Start the service in one terminal, from the project's folder, allowing webhooks to loopback for the tour:
#     WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8 .venv/bin/cplan serve
# and run the tour in another terminal, from the same folder (it shares the server's cplan.db):
#     bash docs/tour.sh
# It stops at the first step that does not answer as it should. tests/test_tour.py runs it on every CI run.
set -euo pipefail

CPLAN=${CPLAN:-.venv/bin/cplan}                 # the cplan command of the install
PYTHON=${PYTHON:-.venv/bin/python}              # its Python (has standardwebhooks, for the receiver)
BASE=${CPLAN_URL:-http://127.0.0.1:8000}        # where `cplan serve` listens
HOOK_PORT=${HOOK_PORT:-9000}                    # where the tour's webhook receiver listens
WORK=${TOUR_DIR:-$(mktemp -d)}                  # the tour's files: book.html, book.pdf, activities.csv
API=$BASE/api/v1
HERE=$(cd "$(dirname "$0")" && pwd)
RECEIVER_PID=""
trap '[ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null; true' EXIT

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
field() { "$PYTHON" -c 'import sys, json; print(json.load(sys.stdin)'"$1"')'; }  # field '["id"]'
call() { curl -s --fail-with-body "$@"; echo; }                               # fails on a 4xx/5xx

say "A demo province (Surat Thani: its local governments and villages) and an admin key"
"$CPLAN" demo
KEY=$("$CPLAN" create-api-key --name tour --role admin | tail -n1)
H="Authorization: Bearer $KEY"
J='Content-Type: application/json'

say "Geography: districts of Surat Thani, subdistricts of Ko Pha-ngan"
call -H "$H" "$API/districts?province_code=84&limit=3"
call -H "$H" "$API/subdistricts?district_code=8405&limit=3"

say "A local government, and a village in it (its subdistrict, district and province come from its code)"
call -H "$H" -H "$J" -X POST "$API/local-governments" -d '{
  "code": "6840599", "name_th": "องค์การบริหารส่วนตำบลทดลอง", "kind": "subdistrict_administration",
  "province_code": "84", "subdistrict_codes": ["840503"]}'
call -H "$H" -H "$J" -H 'Idempotency-Key: tour-1' -X POST "$API/villages" -d '{
  "code": "84050390", "name_th": "บ้านแม่หาด", "households": 120, "population": 410,
  "local_government_code": "6840599"}'

say "Update it with the ETag you read; a stale ETag answers 412 and changes nothing"
ETAG=$(curl -s -D - -o /dev/null -H "$H" "$API/villages/84050390" | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
call -H "$H" -H "$J" -H "If-Match: $ETAG" -X PATCH "$API/villages/84050390" -d '{"households": 125}'
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" -H "$J" -H "If-Match: $ETAG" -X PATCH \
  "$API/villages/84050390" -d '{"households": 130}')
[ "$STATUS" = 412 ] && echo "stale ETag: $STATUS"

say "Errors in Thai"
curl -s -H "$H" -H 'Accept-Language: th' "$API/villages/84059999"; echo

say "A community plan for 2569 with an activity (money is a decimal string)"
PLAN=$(call -H "$H" -H "$J" -X POST "$API/plans" -d '{"village_code": "84050390", "year": 2569,
  "households_contributing_data": 100, "participating_households": 95,
  "lgo_participated_from_start": true, "sufficiency_economy_process": true}' | field '["id"]')
ACT=$(call -H "$H" -H "$J" -X POST "$API/plans/$PLAN/activities" -d '{"title": "ปลูกผักสวนครัวปลอดสารพิษ",
  "working_group": "economy", "kind": "self_reliance", "budget": "15000.00", "status": "completed"}' | field '["id"]')
echo "plan $PLAN, activity $ACT"

say "More activities from a spreadsheet: the template with example rows, imported with a progress bar"
curl -s --fail-with-body -H "$H" "$API/bulk/activities/template.csv?examples=true&plan_id=$PLAN" \
  > "$WORK/activities.csv"
cat "$WORK/activities.csv"
"$CPLAN" import "$WORK/activities.csv" --kind activities --mode atomic --url "$BASE" --key "$KEY"

say "The written plan book (HTML, and PDF in Sarabun): printing it is what makes the book exist"
curl -s --fail-with-body -H "$H" "$API/plans/$PLAN/book" > "$WORK/book.html"
say "Its quality assessment, computed from the plan's own data: grade A needs all 6 indicators"
GRADE=$(call -H "$H" -H "$J" -X POST "$API/plans/$PLAN/assessments" -d '{"kind": "quality"}' | field '["grade"]')
echo "quality grade: $GRADE"
[ "$GRADE" = A ]
curl -s --fail-with-body -H "$H" "$API/plans/$PLAN/book" > "$WORK/book.html"
curl -s --fail-with-body -H "$H" -H 'Accept: application/pdf' "$API/plans/$PLAN/book" > "$WORK/book.pdf"
echo "book: $WORK/book.html, $WORK/book.pdf"

say "The workflow: each step by its own role, scoped to the plan's village, district, local government or province"
VC=$("$CPLAN" create-api-key --name committee --role village_committee --scope 84050390 | tail -n1)
DO=$("$CPLAN" create-api-key --name district --role district_officer --scope 8405 | tail -n1)
LG=$("$CPLAN" create-api-key --name lgo --role lgo_planner --scope 6840599 | tail -n1)
PO=$("$CPLAN" create-api-key --name province --role provincial_officer --scope 84 | tail -n1)
step() { call -H "Authorization: Bearer $1" -H "$J" -X POST "$API/plans/$PLAN/transitions" \
  -d "{\"action\": \"$2\"}" | field '["status"]'; }
step "$VC" submit                  # → submitted (needs at least one activity)
step "$DO" approve                 # → district_approved (needs a quality assessment)

say "The local government subscribes a webhook, adopts the activity into its budget, and is told"
SECRET=$(call -H "Authorization: Bearer $LG" -H "$J" -X POST "$API/webhook-subscriptions" \
  -d "{\"url\": \"http://127.0.0.1:$HOOK_PORT/hooks\", \"local_government_code\": \"6840599\"}" | field '["secret"]')
"$PYTHON" "$HERE/tour_receiver.py" --port "$HOOK_PORT" --secret "$SECRET" > "$WORK/received.jsonl" &
RECEIVER_PID=$!
until curl -s -o /dev/null "http://127.0.0.1:$HOOK_PORT/"; do sleep 0.1; done   # listening
call -H "Authorization: Bearer $LG" -H "$J" -X PUT "$API/activities/$ACT/adoption" -d '{
  "local_government_code": "6840599", "fiscal_year": 2570, "budget": "15000.00", "lgo_project_ref": "ผ.02/2570-15"}'
for _ in $(seq 100); do grep -q '"activity.adopted"' "$WORK/received.jsonl" && break; sleep 0.2; done
echo "the receiver verified: $(cat "$WORK/received.jsonl")"
grep -q '"activity.adopted"' "$WORK/received.jsonl"
call -H "Authorization: Bearer $LG" "$API/events?limit=5"                      # the same events, to pull
call -H "Authorization: Bearer $LG" "$API/local-governments/6840599/adopted-activities"

say "Tambon integration, then provincial certification (needs grade A and a standard of good or better)"
step "$LG" integrate               # → tambon_integrated
step "$DO" request_certification   # → certification_requested
call -H "Authorization: Bearer $PO" -H "$J" -X POST "$API/plans/$PLAN/assessments" -d '{"kind": "standard",
  "scores": {"sufficiency_economy": 18, "participation": 17, "learning": 16, "plan_use": 15, "plan_structure": 18}}' \
  | field '["level"]'
STATUS=$(step "$PO" certify)       # → certified
echo "the plan is $STATUS"
[ "$STATUS" = certified ]
call -H "$H" "$API/plans/$PLAN/history"
