"""The production set-up on one machine, for the scale-out test and the load bench: nginx with the site
file deploy/nginx/tumorboard.conf (its ports, certificate and paths replaced, nothing else), a self-signed
certificate, and two or more gunicorn servers with gunicorn.conf.py and the production configuration, on
one PostgreSQL database and one Redis.

    with production_stack(tmp_path, database_url, instances=2) as stack:
        session = stack.session()          # requests, verifying the stack's certificate
        stack.served_by(response)          # which gunicorn server answered (its access log says)
        stack.instances[0].kill()          # SIGKILL, master and workers at once

Everything started is stopped at the end (process groups), whatever happens.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
SITE_FILE = ROOT / "deploy" / "nginx" / "tumorboard.conf"
NGINX = Path("/usr/sbin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")
SECRET_KEY = "scale-out-secret-key-0123456789abcdef"
AUDIT_HMAC_KEY = "scale-out-audit-key-0123456789abcdef"
# Redis: database 7 holds the shared throttle, 8 the job queue (the test's own numbers).
THROTTLE_STORE = "redis://127.0.0.1:6379/7"
JOB_QUEUE = "redis://127.0.0.1:6379/8"
DEMO_PASSWORD = "tumorboard-demo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, what: str, timeout: float = 30.0, alive=lambda: None) -> None:
    """Polls `ready()` until it is true; `alive()` raises when the process it waits for has died."""
    deadline = time.monotonic() + timeout
    while not ready():
        alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready within {timeout:.0f} s")
        time.sleep(0.2)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def scratch_database(server_url: str, prefix: str = "tb_deploy_scale") -> Iterator[str]:
    """A new PostgreSQL database on `server_url`'s server for this run, dropped at the end (the
    benchmarks' own, bench/_harness.py)."""
    from bench._harness import fresh_database

    with fresh_database(server_url, prefix) as database:
        yield database.url


def prepare_database(url: str, *, bulk_cases: int = 0) -> None:
    """The schema by the migrations, the demo data (boards, one account per role, cases, meetings) and
    optionally `bulk_cases` synthetic cases, written with the production instances' audit key."""
    from flask_migrate import upgrade

    from config import TestConfig
    from tumorboard import create_app
    from tumorboard.cases.bulk_data import bulk_cases as add_bulk_cases
    from tumorboard.extensions import db
    from tumorboard.seed import seed_demo

    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=url, AUDIT_HMAC_KEY=AUDIT_HMAC_KEY, DEMO_PASSWORD=DEMO_PASSWORD
    )
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        if bulk_cases:
            add_bulk_cases(bulk_cases)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, valid for two days (openssl)."""
    cert, key = directory / "tumorboard.crt", directory / "tumorboard.key"
    subprocess.run(  # noqa: S603 - our own arguments
        [  # noqa: S607 - Debian's openssl, wherever PATH has it
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _replace(text_: str, old: str, new: str) -> str:
    assert old in text_, f"{SITE_FILE.name} no longer has {old!r}: update tests/deploy/stack.py"
    return text_.replace(old, new)


def render_site(
    *, http_port: int, https_port: int, app_ports: list[int], cert: Path, key: Path, logs: Path
) -> str:
    """deploy/nginx/tumorboard.conf with this machine's ports and paths; every directive else as is."""
    site = SITE_FILE.read_text()
    upstream = re.search(r"upstream tumorboard_app \{\n(.*?)\n\}", site, re.S)
    assert upstream, "the site file's upstream block"
    servers = [line for line in upstream.group(1).splitlines() if line.strip().startswith("server ")]
    assert servers, "the upstream's server lines"
    options = servers[0].split(None, 2)[2]  # "max_fails=1 fail_timeout=10s;"
    ours = "\n".join(f"    server 127.0.0.1:{port} {options}" for port in app_ports)
    site = site.replace("\n".join(servers), ours)
    site = _replace(site, "    listen [::]:80;\n", "")
    site = _replace(site, "    listen [::]:443 ssl http2;\n", "")
    site = _replace(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = _replace(site, "listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = _replace(site, "/etc/ssl/tumorboard/tumorboard.crt", str(cert))
    site = _replace(site, "/etc/ssl/tumorboard/tumorboard.key", str(key))
    site = _replace(
        site, "/opt/tumorboard/.venv/lib/python3.11/site-packages", sysconfig.get_paths()["purelib"]
    )
    site = _replace(site, "/opt/tumorboard/", f"{ROOT}/")
    site = _replace(site, "/var/log/nginx/", f"{logs}/")
    return site


def nginx_main_config(prefix: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site (gzip on, TLS 1.0 and up allowed: the site must
    override both), as a foreground process under `prefix`."""
    user = "user root root;" if os.geteuid() == 0 else ""  # workers read the test's files as we do
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
{user}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    sendfile on;
    include {MIME_TYPES};
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    access_log off;
    gzip on;
{temp}
    include {site};
}}
"""


@dataclass
class Instance:
    """One gunicorn server (master and workers in a process group of their own)."""

    name: str
    port: int
    log: Path
    env: dict[str, str]
    app: str = "tumorboard:create_app()"
    args: tuple[str, ...] = ()
    ready_path: str = "/healthz"
    process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
                [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), *self.args, self.app],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        def healthy() -> bool:
            try:
                url = f"http://127.0.0.1:{self.port}{self.ready_path}"
                return requests.get(url, timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(healthy, f"gunicorn {self.name}", alive=self._alive)

    def _alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"gunicorn {self.name} exited:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole group: the master and its workers die at once, mid-request."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, as systemd stops it: the workers finish their requests (graceful_timeout)."""
        if self.process is not None and self.process.poll() is None:
            _stop_group(self.process)

    def request_ids(self) -> set[str]:
        """The request ids of every request this server logged (gunicorn's JSON access lines)."""
        ids = set()
        for line in self.log.read_text().splitlines():
            if line.startswith("{") and '"request_id"' in line:
                ids.add(json.loads(line)["request_id"])
        return ids


@dataclass
class Stack:
    base_url: str
    http_url: str
    cert: Path
    database_url: str
    env: dict[str, str]
    instances: list[Instance]
    nginx_log: Path

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE and proxies from the environment would win
        session.verify = str(self.cert)
        return session

    def served_by(self, response: requests.Response) -> str:
        """The name of the gunicorn server that answered `response` (its request id in that log)."""
        request_id = response.headers["X-Request-ID"]
        deadline = time.monotonic() + 5
        while True:  # gunicorn logs a request once its response is sent: the line may follow it
            names = [i.name for i in self.instances if request_id in i.request_ids()]
            if names or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(names) == 1, f"request {request_id} found in {names}"
        return names[0]

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """A `flask --app tumorboard` command with the servers' environment (production)."""
        flask = Path(sys.executable).with_name("flask")
        return subprocess.run(  # noqa: S603 - our own executable and arguments
            [str(flask), "--app", "tumorboard", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def production_env(database_url: str, public_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TUMORBOARD_CONFIG": "production",
        "SECRET_KEY": SECRET_KEY,
        "AUDIT_HMAC_KEY": AUDIT_HMAC_KEY,
        "DATABASE_URL": database_url,
        "PUBLIC_URL": public_url,
        "HOSPITAL_NAME": "Klinikum Musterstadt",
        "RATELIMIT_STORAGE_URI": THROTTLE_STORE,
        # this run's own keys in that Redis: another run of the suite on the machine counts apart
        "RATELIMIT_KEY_PREFIX": f"tumorboard-{os.getpid()}",
        "JOB_QUEUE_URL": JOB_QUEUE,
        "PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
        # The board cycle's chair and admin sign in by password, as scripted clients; the second factor
        # that production asks of them has its own tests (tests/auth/test_second_factor.py).
        "SECOND_FACTOR_ROLES": "",
    }


@contextmanager
def production_stack(
    workdir: Path,
    database_url: str,
    *,
    instances: int = 2,
    workers: int = 2,
    prepare: Callable[[], None] = lambda: None,
    app: str = "tumorboard:create_app()",
    args: tuple[str, ...] = (),
    ready_path: str = "/healthz",
) -> Iterator[Stack]:
    """nginx in front of `instances` gunicorn servers on `database_url` and the test's Redis databases
    (the job queue's emptied first; the throttle's keys under a prefix of this run's). `prepare()` fills
    the database while the servers boot (they touch it only when asked). `app` is the WSGI app gunicorn
    serves (the bench's bare page: another app, same set-up). Stops everything it started."""
    flush_redis(JOB_QUEUE)  # the throttle's keys are this run's own (their prefix) and expire by themselves
    cert, key = make_certificate(workdir)
    http_port, https_port = free_port(), free_port()
    app_ports = [free_port() for _ in range(instances)]
    base_url = f"https://localhost:{https_port}"
    env = production_env(database_url, base_url)
    servers = [
        Instance(
            name=chr(ord("A") + n),
            port=port,
            log=workdir / f"gunicorn-{chr(ord('A') + n)}.log",
            env={**env, "TUMORBOARD_BIND": f"127.0.0.1:{port}", "TUMORBOARD_WORKERS": str(workers)},
            app=app,
            args=args,
            ready_path=ready_path,
        )
        for n, port in enumerate(app_ports)
    ]
    prefix = workdir / "nginx"
    prefix.mkdir()
    site = prefix / "tumorboard.conf"
    site.write_text(
        render_site(
            http_port=http_port, https_port=https_port, app_ports=app_ports, cert=cert, key=key, logs=prefix
        )
    )
    main = prefix / "nginx.conf"
    main.write_text(nginx_main_config(prefix, site))
    stack = Stack(
        base_url=base_url,
        http_url=f"http://localhost:{http_port}",
        cert=cert,
        database_url=database_url,
        env=env,
        instances=servers,
        nginx_log=prefix / "tumorboard.access.log",
    )
    with ExitStack() as cleanup:
        cleanup.callback(_stop_all, servers)
        for server in servers:
            server.start()
        check = subprocess.run(  # noqa: S603 - our own arguments
            [str(NGINX), "-t", "-q", "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, f"nginx -t refused the site:\n{check.stderr}"
        with (prefix / "stderr.log").open("w") as stderr:
            nginx = subprocess.Popen(  # noqa: S603 - our own arguments
                [str(NGINX), "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        cleanup.callback(_stop_group, nginx)

        def nginx_alive() -> None:
            if nginx.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{(prefix / 'error.log').read_text()}")

        wait_until(lambda: _listening(https_port), "nginx", alive=nginx_alive)
        prepare()
        for server in servers:
            server.wait_ready()
        yield stack


def _stop_group(process: subprocess.Popen) -> None:
    _signal_group(process, signal.SIGTERM)
    _reap(process)


def _stop_all(servers: list[Instance]) -> None:
    """All at once: each finishes its requests in parallel rather than one after the other."""
    running = [s.process for s in servers if s.process is not None]
    for process in running:
        _signal_group(process, signal.SIGTERM)
    for process in running:
        _reap(process)


def _signal_group(process: subprocess.Popen, number: int) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, number)


def _reap(process: subprocess.Popen) -> None:
    try:
        process.wait(timeout=35)  # gunicorn's graceful_timeout is 30 s
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)


# Forms as a browser posts them ----------------------------------------------------------------------


def form_on(page: requests.Response, action: str, having: dict[str, str] | None = None):
    """The form of `page` that posts to `action` (a path) and holds the values `having` (a page with a
    form per row: the agenda's "add" buttons), as lxml reads it."""
    import lxml.html

    document = lxml.html.fromstring(page.text, base_url=page.url)
    document.make_links_absolute(page.url)
    found = []
    for form in document.forms:
        path = urlsplit(form.action or page.url).path
        found.append(path)
        if path == action and (having or {}).items() <= dict(form.form_values()).items():
            return form
    raise AssertionError(f"no form posting to {action} with {having} on {page.url} (forms: {found})")


def filled_form(
    page: requests.Response,
    action: str,
    having: dict[str, str] | None = None,
    button: str | None = None,
    **fields,
) -> tuple[str, list[tuple[str, str]]]:
    """Where the form of `page` that goes to `action` posts (`button`'s formaction when given: the
    decision form's "Sign") and what: every value it holds (hidden token, version, the options chosen)
    with `fields` typed over them."""
    form = form_on(page, action, having)
    target = form.action or page.url
    if button is not None:
        (pressed,) = [
            b for b in form.xpath(".//button[@formaction]") if urlsplit(b.get("formaction")).path == button
        ]
        target = pressed.get("formaction")
    values = [(name, value) for name, value in form.form_values() if name not in fields]
    for name, value in fields.items():
        values.extend((name, v) for v in (value if isinstance(value, list | tuple) else [value]))
    return target, values


def submit(
    session: requests.Session,
    page: requests.Response,
    action: str,
    having: dict[str, str] | None = None,
    button: str | None = None,
    **fields,
) -> requests.Response:
    """Posts the form (`filled_form`) as a browser does, with the page as its Referer (Flask-WTF's CSRF
    check requires one over HTTPS); a redirect is not followed."""
    target, values = filled_form(page, action, having, button, **fields)
    return session.post(target, data=values, headers={"Referer": page.url}, allow_redirects=False)


def sign_in(session: requests.Session, base_url: str, email: str, password: str = DEMO_PASSWORD):
    page = session.get(f"{base_url}/login")
    return submit(session, page, "/login", email=email, password=password)
