"""gunicorn in production: the Procfile's `web` and `board` lines (`gunicorn -c gunicorn.conf.py app:app`).

Threads, not one request per process: coordinators' boards poll every two seconds, and a
sync worker busy with one slow board keeps everyone else (someone asking for help) waiting
behind it. With gthread each process serves WEB_THREADS requests at once, so cheap polls and
posts pass a slow render. Every setting comes from the environment; honcho sets PORT.

`board` is the same app in processes of its own (BOARD_CONCURRENCY, 1 by default, at nice
10), to which the reverse proxy sends coordinators' boards (deploy/nginx.conf): a hundred
polls a second then share no process, no interpreter lock and no equal share of the CPU with
a person asking for help.
"""
import os

bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # processes: about one per core
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))  # SQLAlchemy's pool (5 + 10 overflow) covers them
# Of these, board polls take BOARD_POLLS_AT_ONCE (4) at most; the rest stay free for people asking for help.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))  # a request stuck this long restarts its worker
graceful_timeout = 20
keepalive = 5  # seconds a polling browser's connection stays open between polls
accesslog = os.environ.get("ACCESS_LOG") or None  # "-" for stdout; off by default (one line a poll)
errorlog = "-"
proc_name = "aid-web"  # the board's processes are named aid-board on the Procfile's line
control_socket_disable = True  # unused; the web and board masters on one host would share its path

