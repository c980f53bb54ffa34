"""``fairgate users``: run as a user would (a subprocess per command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fairgate.console.users import authenticate
from fairgate.store import open_store

SECRET = "a long enough secret"


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAIRGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "fairgate", "users", *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_from_a_password_file_then_sign_in(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    made = run(
        tmp_path, "create", "rita", "--role", "admin", "--password-file", str(secret), "--json"
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["role"] == "admin"
    assert SECRET not in made.stdout + made.stderr
    with open_store(f"sqlite:///{tmp_path / 'cli.db'}") as store:
        assert authenticate(store.engine, "rita", SECRET) is not None
        assert authenticate(store.engine, "rita", SECRET + "x") is None
    again = run(tmp_path, "create", "rita", "--password-file", str(secret))
    assert again.returncode == 2
    assert "exists already" in again.stderr


def test_create_prompts_twice_and_refuses_a_mismatch_or_short_password(tmp_path: Path) -> None:
    ok = run(tmp_path, "create", "sam", stdin=f"{SECRET}\n{SECRET}\n")
    assert ok.returncode == 0, ok.stderr
    assert SECRET not in ok.stdout + ok.stderr
    differ = run(tmp_path, "create", "tom", stdin=f"{SECRET}\nsomething else\n")
    assert differ.returncode == 2
    assert "differ" in differ.stderr
    short = run(tmp_path, "create", "tim", stdin="short\nshort\n")
    assert short.returncode == 2
    listed = json.loads(run(tmp_path, "list", "--json").stdout)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("sam", "reviewer", False)]
    assert run(tmp_path, "disable", "sam").returncode == 0
    assert json.loads(run(tmp_path, "list", "--json").stdout)[0]["disabled"] is True
    with open_store(f"sqlite:///{tmp_path / 'cli.db'}") as store:
        assert authenticate(store.engine, "sam", SECRET) is None
