"""Fixtures: the app on SQLite and PostgreSQL (built by the real migrations), a private Redis."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("AID_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("AID_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
PASSWORD = "correct horse battery"

pytest_plugins = ["tests.peers.fixtures"]  # smtp_peer, sms_gateway, push_service


def free_port(*offsets):
    """A free port on 127.0.0.1 that is also free `offset` above it for each offset.

    honcho gives a Procfile's process types ports 100 apart (web on -p, board on -p + 100).
    """
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if all(_free(port + offset) for offset in offsets):
            return port


def _free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Database:
    """A database of one backend, migrated once per test session and emptied between tests."""

    def __init__(self, backend, tmp):
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp}/aid-test.sqlite"
        else:
            self.name = f"aid_test_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                                     isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            except sa.exc.OperationalError as error:
                pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (set AID_TEST_PG_URL): {error}")
            finally:
                admin.dispose()
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def migrate(self):
        from flask_migrate import upgrade

        app = make_app(self.url)
        with app.app_context():
            upgrade()
            dispose(app)

    def drop(self):
        if self.backend == "postgresql":
            admin = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                                     isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.dispose()


def make_app(url, **config):
    from aid import create_app

    settings = {
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SWEEP_SECONDS": 0, "REDIS_URL": None,
        "BOARD_FRESH_SECONDS": 0,  # a poll right after a change sees it (tests/integration/test_board_live.py tests the wait)
    }
    settings.update(config)
    return create_app(settings)


def dispose(app):
    from aid.extensions import db

    db.session.remove()
    db.engine.dispose()


def empty_tables(app):
    from aid.extensions import db

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                conn.exec_driver_sql("UPDATE regions SET hub_union_id = NULL")  # regions <-> unions cycle
                for table in tables:
                    conn.exec_driver_sql(f"DELETE FROM {table}")


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    db = Database(request.param, tmp_path_factory.mktemp(request.param))
    db.migrate()
    yield db
    db.drop()


@pytest.fixture
def make(database):
    """Build apps on this test's database (emptied first); every app is disposed after the test."""
    apps = []

    def build(**config):
        app = make_app(database.url, **config)
        apps.append(app)
        return app

    empty_tables(build())
    yield build
    for app in apps:
        jobs = app.extensions["aid_jobs"]
        if hasattr(jobs, "drain"):
            assert jobs.drain(), "a background job was still running after the test"
        with app.app_context():
            dispose(app)


@pytest.fixture
def app(make):
    return make()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A private redis-server on a free port, so runs never share a key space."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (the test command installs it)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def listening(port, process, what, seconds=10):
    """Return once something listens on 127.0.0.1:port; raise if `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None:
                said = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
                raise RuntimeError(f"{what} exited with {process.returncode}: {said}") from None
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


class RedisServer:
    def __init__(self, binary, directory, port=None):
        self.binary, self.directory, self.port = binary, directory, port or free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        listening(self.port, self.process, "redis-server")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class Nginx:
    """nginx with the repository's deploy/nginx.conf, its upstreams and listen port moved to free ones."""

    def __init__(self, directory, web_port, board_port):
        self.directory, self.port = Path(directory), free_port()
        while self.port in (web_port, board_port):  # free now, but theirs in a moment
            self.port = free_port()
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(binary, os.X_OK):
            pytest.fail("nginx is not installed: scripts/test installs Debian's nginx-light")
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        for shipped, here in (("127.0.0.1:8000", f"127.0.0.1:{web_port}"), ("127.0.0.1:8100", f"127.0.0.1:{board_port}"),
                              ("listen 80;", f"listen 127.0.0.1:{self.port};")):
            assert shipped in site, f"deploy/nginx.conf no longer says {shipped}"
            site = site.replace(shipped, here)
        (self.directory / "aid.conf").write_text(site)
        temp = " ".join(f"{kind}_temp_path {self.directory / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                                 "uwsgi", "scgi"))
        user = "user root;" if os.geteuid() == 0 else ""  # else its workers, as nobody, could not write the temp files
        (self.directory / "nginx.conf").write_text(
            f"{user} worker_processes 1; pid {self.directory / 'nginx.pid'}; error_log {self.directory / 'error.log'};\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{ access_log off; {temp} include {self.directory / 'aid.conf'}; }}\n")
        self.process = subprocess.Popen([binary, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf"),
                                         "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        listening(self.port, self.process, "nginx")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def run_worker(database_url, redis_url, queue="aid", timeout=60):
    """Run the real `flask aid worker --burst` (an rq worker) until the queue is empty."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret",
           "SWEEP_SECONDS": "0", "RQ_QUEUE": queue}
    done = subprocess.run(["flask", "--app", "app", "aid", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


class LiveWorker:
    """A real `flask aid worker` (not burst) that queues the sweep every SWEEP_SECONDS, in its own process group."""

    def __init__(self, database_url, redis_url, queue, directory, sweep_seconds=1):
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret",
               "SWEEP_SECONDS": str(sweep_seconds), "RQ_QUEUE": queue}
        self.log_path = Path(directory) / f"worker-{uuid.uuid4().hex[:6]}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(["flask", "--app", "app", "aid", "worker"], cwd=ROOT, env=env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def kill(self):
        """SIGKILL the worker, its work horse and its scheduler at once: nothing gets to clean up."""
        family = _descendants(self.process.pid)  # rq puts each horse in a process group of its own
        os.killpg(self.process.pid, signal.SIGKILL)
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def _descendants(pid):
    """Every process below pid, read from /proc."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def until(predicate, timeout=60, every=0.2):
    """Poll until predicate() is true; returns the seconds it took, or fails the test."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true after {timeout} s")
        time.sleep(every)
    return time.monotonic() - started


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2 at its lowest cost: the tests check behaviour, not hashing strength."""
    from argon2 import PasswordHasher

    from aid.services import accounts

    with pytest.MonkeyPatch.context() as patch:  # the real hasher comes back after the session
        patch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


def at_once(calls, timeout=60):
    """Run each call in its own thread, all released together; returns what each returned.

    A call that raised returns its exception; a thread still running after `timeout` fails
    the test. Each call opens its own app context, so each has its own connection and commits.
    """
    import threading

    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001  (handed back to the test to assert on)
            results[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def stop_tree(process):
    """SIGTERM to the parent alone (honcho stops its processes, then kills what is left); then any survivor."""
    family = {pid: command_line(pid) for pid in _descendants(process.pid)}
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    for pid, command in family.items():  # one that outlived its parent, if still that very process
        if command and command_line(pid) == command:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def command_line(pid):
    """A process's command line, or None once it has gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
