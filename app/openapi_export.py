"""Writes (or checks) `openapi/openapi.json`, the document integrators generate clients from.

python -m app.openapi_export           # write it
python -m app.openapi_export --check   # exit 1 when the committed file differs from the app
"""

from __future__ import annotations

import json
import secrets
import sys
from typing import Any

from app.core.config import Settings
from app.migrations import PROJECT_ROOT

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def current_document() -> str:
    from app.main import create_app

    # The document depends on neither the database nor the key: any URL builds the app without connecting,
    # and a throwaway key never signs anything.
    settings = Settings(
        database_url="sqlite+aiosqlite:///:memory:", secret_key=secrets.token_urlsafe(48), secret_key_file=""
    )
    app = create_app(settings)
    return render(app.openapi())


def main(argv: list[str]) -> int:
    document = current_document()
    if "--check" in argv:
        committed = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
        if committed != document:
            print("openapi/openapi.json is out of date: run `python -m app.openapi_export`", file=sys.stderr)
            return 1
        print("openapi/openapi.json matches the app")
        return 0
    OPENAPI_PATH.write_text(document, encoding="utf-8")
    print(f"wrote {OPENAPI_PATH.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
