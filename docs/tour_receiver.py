"""The tour's webhook receiver: verifies each delivery with `standardwebhooks` and the subscription's secret,
prints one JSON line per verified delivery ({"type", "webhook-id"}), answers 401 to anything it cannot verify.

    .venv/bin/python docs/tour_receiver.py --port 9000 --secret whsec_…
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

MAX_BODY = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    webhook = Webhook(args.secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(min(length, MAX_BODY))
            try:
                payload = webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError:
                self.send_response(401)
                self.end_headers()
                return
            line = {"type": payload.get("type"), "webhook-id": self.headers.get("webhook-id")}
            print(json.dumps(line), flush=True)
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:  # the tour asks whether the receiver listens yet
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
