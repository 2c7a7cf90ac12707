"""A stand-in Kubernetes API server for end-to-end tests: no Kubernetes API server can run on this
machine, so this serves the recorded API responses of replay/ over plain HTTP, routed by path:

    GET /api/v1/<kind>?limit=N           the recorded LIST body replay/<kind>_list.json
    GET /api/v1/<kind>?watch=1&...       a chunked 200 that stays open without events (the
                                         cluster does not change), until the client closes it
    anything else                        404 with a Status body

Usable as a module (ReplayApi(port).start()) or run directly: replay_api.py PORT.
"""
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse

REPLAY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "replay")
KINDS = ("pods", "services", "endpoints", "nodes", "namespaces")

# The recorded pod the end-to-end tests resolve (replay/pods_list.json): behind the services
# default/frontend and default/web, one container.
FRONTEND = {
    "ip": "10.244.1.17",
    "uid": "3f9a8e61-0c2a-4d36-9a55-2b6b5b8f0c11",
    "name": "default/frontend-7d4b9c6f5-x2x9q",
    "node": "node-a",
    "services": '["default/frontend","default/web"]',
    "container_id": "4c8b7d5e2f1a3b6c9d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c",
    "container_name": "frontend",
}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass

    def _send(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        self.server.requests.append(self.path)
        if len(parts) != 3 or parts[:2] != ["api", "v1"] or parts[2] not in KINDS:
            self._send(404, json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                        "reason": "NotFound", "code": 404}))
            return
        if query.get("watch", ["0"])[0] in ("1", "true"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            # Hold the watch open until the client goes away or the server stops.
            while not self.server.stopping.is_set():
                time.sleep(0.1)
            return
        with open(os.path.join(REPLAY_DIR, f"{parts[2]}_list.json")) as f:
            self._send(200, f.read())


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class ReplayApi:
    def __init__(self, port=0):
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.requests = []
        self.server.stopping = threading.Event()
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def requests(self):
        return list(self.server.requests)

    def stop(self):
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    api = ReplayApi(int(sys.argv[1]) if len(sys.argv) > 1 else 0).start()
    print(f"replaying recorded Kubernetes API responses on http://127.0.0.1:{api.port}", flush=True)
    try:
        api.thread.join()
    except KeyboardInterrupt:
        api.stop()
