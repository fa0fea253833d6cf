"""A hostile answer from an outside system is a BadAnswer for the client (connectors/http.py), never a crash,
never more than MAX_PAGE_BYTES in memory; the client goes on working afterwards."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.errors import BadAnswer
from connectors.http import CallPolicy, HttpClient
from robots.contract.limits import MAX_PAGE_BYTES

QUICK = CallPolicy(connect_timeout=1.0, read_timeout=5.0, attempts=2, budget=10.0, backoff_initial=0.01, backoff_max=0.02, jitter=0.0)
ANSWERS = {
    "/deep": b"[" * 100_000 + b"]" * 100_000,
    "/digits": b'{"amount": ' + b"9" * 5_000 + b"}",
    "/nan": b'{"amount": NaN}',
    "/infinity": b'{"amount": 1e999}',
    "/surrogate": b'{"name": "\\ud800"}',
    "/latin1": b'{"name": "caf\xe9"}',
    "/html": b"<html>oops</html>",
    "/huge": b'{"x": "' + b"x" * (MAX_PAGE_BYTES + 10) + b'"}',
    "/fine": b'{"ok": true, "amount": 7200.0}',
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that a connection left half read would show

    def do_GET(self):
        body = ANSWERS[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: as it should for /huge

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path,says", [
    ("/deep", "nested deeper than 40 levels"), ("/digits", "an integer with more than 15 digits"), ("/nan", "NaN is not a number"),
    ("/infinity", "too large to be represented"), ("/surrogate", "lone surrogate"), ("/latin1", "not UTF-8 text"),
    ("/html", "not valid JSON (line 1, column 1"), ("/huge", "too large: more than 4194304 bytes (4 MiB)"),
])
@pytest.mark.parametrize("safe_to_repeat", [True, False])
def test_a_hostile_answer_is_a_bad_answer_and_the_client_goes_on(server, path, says, safe_to_repeat):
    client = HttpClient(server, name="hostile", policy=QUICK, max_concurrency=2)
    with pytest.raises(BadAnswer) as e:
        client.call("GET", path, safe_to_repeat=safe_to_repeat)
    assert says in str(e.value) and "\n" not in str(e.value) and len(str(e.value)) < 300
    for _ in range(3):  # the same pool, the same connections: nothing left half read on them
        assert client.call("GET", "/fine", safe_to_repeat=True) == (200, {"ok": True, "amount": 7200.0})
    client.close()
