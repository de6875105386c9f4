"""Fills a destination's ephemeral ports for ForesightTest, inside the test's network namespace.

  port_filler.py server HOST PORT              accept; each connection kept until the peer closes, then closed
  port_filler.py client HOST PORT TOTAL CLOSE  open TOTAL connections, then close CLOSE of them first (their
                                               ports wait in TIME_WAIT), keep the rest (ESTABLISHED)

Both print "ready" once in place. The client then answers each "connect" line on stdin with "ok" or the
errno name of one more connect() to HOST:PORT (EADDRNOTAVAIL once the ports are all in use)."""
import errno
import socket
import sys
import threading
import time


def serve(host, port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    print("ready", flush=True)

    def keep(conn):
        while conn.recv(4096):
            pass
        conn.close()

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=keep, args=(conn,), daemon=True).start()


def fill(host, port, total, close):
    kept = []
    for _ in range(total):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect((host, port))
        kept.append(s)
    for s in kept[:close]:
        s.close()
    kept = kept[close:]
    time.sleep(1)  # the server's FINs answered: the closed ones are in TIME_WAIT
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "connect":
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect((host, port))
            kept.append(s)
            print("ok", flush=True)
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
            s.close()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        fill(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
