#!/usr/bin/env python3
"""Drive headless Chromium over the DevTools protocol: load a page, click a
link, wait for the download it starts. Standard library only.

  cdp.py --url URL --click ID --download-dir DIR [--tmp DIR] [--timeout S]

Chromium runs with --remote-debugging-pipe: it reads NUL-terminated JSON
commands on its fd 3 and writes NUL-terminated responses and events on fd 4.
On success prints key=value lines (pid, state, suggested_filename, path,
total_bytes, received_bytes) and exits 0; on any failure or timeout prints
"cdp.py: ERROR: ..." and the tail of Chromium's log to stderr and exits 1
(2 for bad usage). Either way no Chromium process is left when it exits:
its process group is killed, and the helpers that leave the group (crashpad)
are reparented to us (a child subreaper) and waited for. Profile, HOME, TMPDIR
and log live in a fresh directory under --tmp (default $TMPDIR), removed at
exit.
"""
import argparse
import ctypes
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
# Grace for Browser.close before the group is killed; the browser needs a
# second or two to shut down on a loaded machine.
CLOSE_GRACE = 15
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


class Fail(Exception):
    pass


def chromium_argv(profile):
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--no-proxy-server",  # loopback only, whatever http_proxy says
        "--password-store=basic",  # no keyring over D-Bus
        "--user-data-dir=" + profile,
        "--remote-debugging-pipe",
        "about:blank",
    ]


class Browser:
    """One Chromium process (group leader of its own session) and its pipe."""

    def __init__(self, scratch):
        profile = os.path.join(scratch, "profile")
        home = os.path.join(scratch, "home")
        tmp = os.path.join(scratch, "tmp")
        for d in (profile, home, tmp):
            os.mkdir(d)
        self.log_path = os.path.join(scratch, "chromium.log")
        # Keep Chromium's dot-files (NSS db, caches) and its shared-memory
        # files (--disable-dev-shm-usage) in the scratch directory too.
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
            XDG_CACHE_HOME=home + "/.cache", TMPDIR=tmp)
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        to_child, self.wfd = os.pipe()  # Chromium's fd 3: commands
        self.rfd, from_child = os.pipe()  # Chromium's fd 4: replies, events
        libc = ctypes.CDLL(None, use_errno=True)

        def child_setup():
            # Move the pipe ends out of the way first, so that dup2 onto 3
            # and 4 cannot clobber the other one.
            a = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
            # If we are killed outright, the browser goes too (the wrapper
            # script execs it, so this survives into the real binary).
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(chromium_argv(profile), env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, pass_fds=(3, 4), preexec_fn=child_setup)
        os.close(to_child)
        os.close(from_child)
        self.pid = self.proc.pid
        self.buf = b""
        self.queue = []  # events read while waiting for something else
        self.last_id = 0

    def send(self, method, params=None, session=None):
        self.last_id += 1
        msg = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.wfd, data):]
        except BrokenPipeError:
            raise Fail(f"{method}: Chromium closed its command pipe")
        return self.last_id

    def read(self, deadline, what):
        """Next message from Chromium, or Fail at the deadline."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"timed out waiting for {what}")
            r, _, _ = select.select([self.rfd], [], [], left)
            if not r:
                continue
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                raise Fail(f"Chromium exited (status {self.proc.poll()}) "
                    f"while we waited for {what}")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, deadline=None):
        """Send a command and return its result; events are queued."""
        mid = self.send(method, params, session)
        while True:
            msg = self.read(deadline, f"the reply to {method}")
            if msg.get("id") != mid:
                if "method" in msg:
                    self.queue.append(msg)
                continue
            if "error" in msg:
                raise Fail(f"{method}: {msg['error'].get('message')}")
            return msg.get("result", {})

    def event(self, match, deadline, what):
        """The first event (queued or new) for which match(event) is true."""
        for i, msg in enumerate(self.queue):
            if match(msg):
                return self.queue.pop(i)
        while True:
            msg = self.read(deadline, what)
            if "method" not in msg:
                continue
            if match(msg):
                return msg
            self.queue.append(msg)

    def close(self):
        """Ask the browser to quit, then make sure its whole group is gone."""
        try:
            self.send("Browser.close")
        except (Fail, OSError):
            pass
        try:
            # WNOWAIT: the leader stays a zombie, so its PID (our group id)
            # cannot be reused before killpg below.
            until = time.monotonic() + CLOSE_GRACE
            while os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG
                    | os.WNOWAIT) is None:
                if time.monotonic() > until:
                    print("cdp.py: Chromium ignored Browser.close; killing it",
                        file=sys.stderr)
                    break
                time.sleep(0.05)
        except ChildProcessError:
            pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # helpers left behind, if any
        except ProcessLookupError:
            pass
        self.proc.wait()
        reap_orphans()
        for fd in (self.wfd, self.rfd):
            os.close(fd)

    def log_tail(self, lines=20):
        """The end of Chromium's log, without its D-Bus complaints (there is
        no bus in a test sandbox, and they drown everything else)."""
        try:
            with open(self.log_path, errors="replace") as f:
                keep = [l for l in f if "dbus" not in l.lower()]
        except OSError:
            return ""
        return "".join(keep[-lines:])


def children():
    """PIDs of our live (not zombie) children."""
    me = os.getpid()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if st[0] != "Z" and int(st[1]) == me:
            pids.append(int(d))
    return pids


def reap_orphans():
    """Wait for the helpers that were reparented to us (we are a subreaper);
    kill by PID any that outlive the grace period."""
    start = time.monotonic()
    killed = False
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) != (0, 0):
                continue
        except ChildProcessError:
            return
        waited = time.monotonic() - start
        if waited > CLOSE_GRACE and not killed:
            for pid in children():
                print(f"cdp.py: killing leftover Chromium process {pid}",
                    file=sys.stderr)
                os.kill(pid, signal.SIGKILL)
            killed = True
        elif waited > 2 * CLOSE_GRACE:
            raise Fail(f"Chromium processes {children()} will not die")
        time.sleep(0.05)


def download(b, url, element, download_dir, deadline):
    """Load url, click element, return (willBegin params, final progress)."""
    b.call("Browser.setDownloadBehavior", {"behavior": "allow",
        "downloadPath": download_dir, "eventsEnabled": True}, deadline=deadline)
    target = b.call("Target.createTarget", {"url": "about:blank"},
        deadline=deadline)["targetId"]
    session = b.call("Target.attachToTarget", {"targetId": target,
        "flatten": True}, deadline=deadline)["sessionId"]
    b.call("Page.enable", session=session, deadline=deadline)
    b.call("Page.setLifecycleEventsEnabled", {"enabled": True}, session=session,
        deadline=deadline)
    nav = b.call("Page.navigate", {"url": url}, session=session, deadline=deadline)
    if nav.get("errorText"):
        raise Fail(f"loading {url}: {nav['errorText']}")
    # The load event of this navigation, not of the initial about:blank.
    b.event(lambda m: m["method"] == "Page.lifecycleEvent"
        and m.get("sessionId") == session
        and m["params"].get("loaderId") == nav.get("loaderId")
        and m["params"].get("name") == "load", deadline, f"{url} to load")

    js = ("(function (id) { var e = document.getElementById(id);"
        " if (!e) return 'missing'; e.click(); return 'clicked'; })(%s)"
        % json.dumps(element))
    r = b.call("Runtime.evaluate", {"expression": js, "returnByValue": True,
        "userGesture": True}, session=session, deadline=deadline)
    if "exceptionDetails" in r:
        raise Fail(f"clicking #{element}: {r['exceptionDetails'].get('text')}")
    if r.get("result", {}).get("value") != "clicked":
        raise Fail(f"no element with id {element!r} on {url}")

    begin = b.event(lambda m: m["method"] == "Browser.downloadWillBegin",
        deadline, "the download to begin")["params"]
    guid = begin.get("guid")
    done = b.event(lambda m: m["method"] == "Browser.downloadProgress"
        and m["params"].get("guid") == guid
        and m["params"].get("state") in ("completed", "canceled"),
        deadline, "the download to complete")["params"]
    if done["state"] != "completed":
        raise Fail(f"download {begin.get('url')} was canceled after "
            f"{int(done.get('receivedBytes', 0))} bytes")
    return begin, done


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--click", required=True, metavar="ID",
        help="id of the element to click")
    ap.add_argument("--download-dir", required=True)
    ap.add_argument("--tmp", default=None,
        help="parent of the scratch directory (profile, HOME, log)")
    ap.add_argument("--timeout", type=float, default=60,
        help="overall limit in seconds (default 60)")
    a = ap.parse_args()

    def on_signal(signum, frame):
        raise Fail(f"killed by signal {signum}")
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    # Chromium's helpers outlive the browser process for a moment: have them
    # reparented to us rather than to init, so that we can wait for them.
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)
    deadline = time.monotonic() + a.timeout
    download_dir = os.path.abspath(a.download_dir)
    os.makedirs(download_dir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="cdp.", dir=a.tmp)
    b = None
    status = 1
    try:
        b = Browser(scratch)
        begin, done = download(b, a.url, a.click, download_dir, deadline)
        name = begin.get("suggestedFilename", "")
        # filePath is in the completed event of newer Chromium only.
        path = done.get("filePath") or os.path.join(download_dir, name)
        if not os.path.isfile(path):
            raise Fail(f"download reported complete but {path} is missing")
        print(f"pid={b.pid}")
        print(f"state={done['state']}")
        print(f"suggested_filename={name}")
        print(f"path={path}")
        print(f"total_bytes={int(done.get('totalBytes', -1))}")
        print(f"received_bytes={int(done.get('receivedBytes', -1))}")
        status = 0
    except (Fail, OSError) as e:
        print(f"cdp.py: ERROR: {e}", file=sys.stderr)
    finally:
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)  # let the clean-up finish
        if b:
            try:
                b.close()
            except Fail as e:
                print(f"cdp.py: ERROR: {e}", file=sys.stderr)
                status = 1
            if status != 0:
                tail = b.log_tail()
                if tail:
                    print("cdp.py: last lines of Chromium's log:\n" + tail,
                        file=sys.stderr, end="")
        shutil.rmtree(scratch, ignore_errors=True)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
