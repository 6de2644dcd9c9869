"""The demo data a fresh database starts with: two orgs, their credentials, channels, groups."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sandbox.auth import md5_hex
from sandbox.resources.demo_groups import seed_groups
from sandbox.store import Store

DEMO_ORG = 50001
OTHER_ORG = 50002


@dataclass(frozen=True)
class Credential:
    label: str
    org_id: int
    till_id: int
    username: str
    password: str
    read_only: bool = False
    oauth_key: str | None = None
    oauth_secret: str | None = None

    @property
    def basic_header(self) -> str:
        raw = f"{self.username}:{md5_hex(self.password)}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def describe(self) -> str:
        text = f"Basic {self.username} / {self.password}"
        if self.oauth_key:
            text += f"   OAuth key {self.oauth_key} / secret {self.oauth_secret}"
        return text


DEMO = Credential(
    "demo till",
    DEMO_ORG,
    75000001,
    "demo.till",
    "demo123",
    oauth_key="demo-key",
    oauth_secret="demo-secret",
)
READ_ONLY = Credential(
    "read-only",
    DEMO_ORG,
    75000002,
    "demo.readonly",
    "readonly123",
    read_only=True,
    oauth_key="demo-readonly-key",
    oauth_secret="demo-readonly-secret",
)
OTHER = Credential(
    "other org",
    OTHER_ORG,
    75000010,
    "other.till",
    "other123",
    oauth_key="other-key",
    oauth_secret="other-secret",
)
DEMO_CREDENTIALS = (DEMO, READ_ONLY, OTHER)
CHANNELS = ("SMS", "EMAIL", "MOBILE PUSH")
# Ids start where Capillary's examples live, not at 1: a fuzzer's boundary value 1 (the spec's
# minimum) or an example's id must not land on a seeded resource by accident.
FIRST_IDS = {
    "target_groups": 2300,
    "periods": 6700,
    "targets": 1750,
    "target_values": 8190,
    "streaks": 1400,
    "communications": 20,
    "activities": 500,
}


def ensure_seeded(store: Store, *, now: int) -> None:
    """Seed once: an existing database keeps whatever the user did with it.

    `now` (epoch ms on the sandbox's clock) places the demo groups' periods around that day.
    """
    if store.db.execute("SELECT 1 FROM orgs LIMIT 1").fetchone() is not None:
        return
    with store.transaction() as db:
        # The other org has no leaderboards, so error 310133 can be shown with its credentials.
        db.execute(
            "INSERT INTO orgs (id, name, leaderboard_enabled) VALUES (?, ?, 1)",
            (DEMO_ORG, "Demo org"),
        )
        db.execute(
            "INSERT INTO orgs (id, name, leaderboard_enabled) VALUES (?, ?, 0)",
            (OTHER_ORG, "Other org"),
        )
        for cred in DEMO_CREDENTIALS:
            db.execute(
                "INSERT INTO tills (id, org_id, username, password_md5, name, read_only) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    cred.till_id,
                    cred.org_id,
                    cred.username,
                    md5_hex(cred.password),
                    cred.username,
                    int(cred.read_only),
                ),
            )
            if cred.oauth_key and cred.oauth_secret:
                db.execute(
                    "INSERT INTO oauth_clients (client_key, secret, till_id) VALUES (?, ?, ?)",
                    (cred.oauth_key, cred.oauth_secret, cred.till_id),
                )
        for table, first in FIRST_IDS.items():
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, first))
        for org in (DEMO_ORG, OTHER_ORG):
            for name in CHANNELS:
                db.execute("INSERT INTO channels (org_id, name) VALUES (?, ?)", (org, name))
        seed_groups(store, DEMO, OTHER, now=now)
