"""A webhook receiver for HostSafetyTest, run inside the test's network namespace: it reads each
POST, prints "hit", sends its headers at once and then one byte of body a second for ten minutes.
Argument: the port on 127.0.0.1. Prints "ready" once it listens."""
import http.server
import socketserver
import sys
import time


class Trickle(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print("hit", flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "600")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass  # the client gave up: what the test wants

    def log_message(self, *args):
        pass


server = socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), Trickle)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
