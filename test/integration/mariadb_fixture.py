# SPDX-License-Identifier: MIT
"""A private MariaDB for the krest-emulate --mysql tests.

    with MariaDB() as db:
        db.sql("CREATE TABLE ...")
        db.url("emu", "pw")  -> mysql://emu:pw@localhost/pinterest?unix_socket=...

Installs mariadb-server with apt-get when it is missing and we are root;
otherwise MariaDB.available() is False and the caller skips. The server
runs from a temporary directory (its own datadir, a unix socket, no TCP)
and is stopped by its PID.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

DB = "pinterest"


def _find(name):
    for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return shutil.which(name)


def install():
    """apt-get install mariadb-server if mariadbd is missing (root only).
    Returns True when mariadbd is there afterwards."""
    if _find("mariadbd") and _find("mariadb-install-db"):
        return True
    if os.geteuid() != 0:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq",
                    "--no-install-recommends", "mariadb-server"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env, timeout=600)
    return bool(_find("mariadbd") and _find("mariadb-install-db"))


class MariaDB:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="krest-mariadb-")
        self.datadir = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.log_path = os.path.join(self.dir, "mariadbd.log")
        self.proc = None

    @staticmethod
    def available():
        return install()

    def _client(self, args, input_text=None, check=True):
        cmd = [_find("mariadb") or "mariadb", "--no-defaults",
               "-S", self.socket, "-u", "root", "--batch"] + args
        p = subprocess.run(cmd, input=(input_text or "").encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("mariadb %r failed: %s" % (
                args, p.stderr.decode(errors="replace")))
        return p

    def start(self):
        user = ["--user=root"] if os.geteuid() == 0 else []
        p = subprocess.run(
            [_find("mariadb-install-db"), "--no-defaults",
             "--datadir=" + self.datadir,
             "--auth-root-authentication-method=normal",
             "--skip-test-db"] + user,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=300)
        if p.returncode != 0:
            raise AssertionError("mariadb-install-db failed:\n%s"
                                 % p.stdout.decode(errors="replace")[-2000:])
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [_find("mariadbd"), "--no-defaults",
             "--datadir=" + self.datadir, "--socket=" + self.socket,
             "--skip-networking", "--pid-file=" +
             os.path.join(self.dir, "mariadbd.pid"),
             "--log-error=" + self.log_path,
             "--innodb-buffer-pool-size=16M"] + user,
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("mariadbd exited (%s):\n%s" % (
                    self.proc.returncode, self.log_tail()))
            if os.path.exists(self.socket) and \
                    self._client(["-e", "SELECT 1"], check=False)\
                    .returncode == 0:
                break
            if time.monotonic() > deadline:
                raise AssertionError("mariadbd did not start:\n%s"
                                     % self.log_tail())
            time.sleep(0.2)
        self.sql("CREATE DATABASE %s CHARACTER SET utf8mb4" % DB, db=None)
        return self

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def sql(self, text, db=DB):
        """Runs SQL text (several statements allowed) as root."""
        args = ["--default-character-set=utf8mb4"]
        if db:
            args.append(db)
        return self._client(args, input_text=text).stdout.decode()

    def add_user(self, user, password):
        self.sql("CREATE USER '%s'@'localhost' IDENTIFIED BY '%s';"
                 "GRANT SELECT ON %s.* TO '%s'@'localhost';"
                 % (user, password, DB, user), db=None)

    def url(self, user, password):
        return "mysql://%s:%s@localhost/%s?unix_socket=%s" % (
            user, password, DB, self.socket)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()
