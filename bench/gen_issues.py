#!/usr/bin/env python3
# Copied from the team's shared/bench/gen_issues.py (our own generator, stdlib only) so that
# the repository is self-contained for CI in a clean clone.
"""Deterministic generator of GitHub-issue-shaped nested records as JSONL (stdlib only).

Usage: gen_issues.py N OUT.jsonl [--seed 42]
Same N and seed -> byte-identical file (Python's random.Random is stable across 3.x).

Per record (~1.3 KB): id, node_id, number, title, body (~200 chars), state, state_reason, locked,
created_at/updated_at/closed_at (ISO-8601 Z strings; closed_at null when open), comments,
author_association, user{login,id,node_id,avatar_url,type,site_admin}, labels[0..4]{id,node_id,name,color,
default,description|null}, assignee (null or user), assignees[0..3] (users), milestone (null or object
with nested creator user), reactions{url,total_count,+1,-1,laugh,hooray,confused,heart,rocket,eyes},
pull_request (null or {url,merged_at|null}), active_lock_reason (null), score (float), draft (bool|absent).
Note: GitHub's reaction keys "+1"/"-1" both normalize to the same identifier in dlt's snake_case naming.
"""
import argparse
import datetime as dt
import json
import random
import string

WORDS = ("data pipeline load error fix add support when using schema table column merge replace append "
         "incremental cursor state nested list json parquet postgres duckdb bigquery snowflake timeout "
         "retry memory crash regression docs feature request performance normalize extract destination "
         "source resource transformer config secret credentials warning deprecation python version").split()
LABELS = [("bug", "d73a4a"), ("enhancement", "a2eeef"), ("documentation", "0075ca"), ("question", "d876e3"),
          ("good first issue", "7057ff"), ("help wanted", "008672"), ("wontfix", "ffffff"),
          ("duplicate", "cfd3d7"), ("destination", "1d76db"), ("sources", "5319e7"), ("performance", "fbca04"),
          ("breaking", "b60205")]
ASSOC = ["OWNER", "MEMBER", "CONTRIBUTOR", "COLLABORATOR", "NONE", "FIRST_TIME_CONTRIBUTOR"]
BASE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_user(rnd, uid):
    login = "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(4, 12))) + str(uid % 1000)
    return {
        "login": login,
        "id": uid,
        "node_id": f"MDQ6VXNlcj{uid:08d}",
        "avatar_url": f"https://avatars.example.com/u/{uid}?v=4",
        "type": "User" if uid % 50 else "Bot",
        "site_admin": uid % 997 == 0,
    }


def sentence(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def make_issue(rnd, i):
    created = BASE + dt.timedelta(seconds=i * 600 + rnd.randint(0, 599))
    updated = created + dt.timedelta(seconds=rnd.randint(0, 90 * 86400))
    closed = rnd.random() < 0.6
    body = sentence(rnd, 40)
    while len(body) < 200:
        body += " " + rnd.choice(WORDS)
    body = body[:200 + rnd.randint(-20, 20)]
    labels = []
    for lab in rnd.sample(LABELS, rnd.randint(0, 4)):
        lid = 1000 + LABELS.index(lab)
        labels.append({"id": lid, "node_id": f"LA_kwDO{lid:06d}", "name": lab[0], "color": lab[1],
                       "default": lab[0] in ("bug", "enhancement", "question"),
                       "description": None if lid % 3 == 0 else f"Label for {lab[0]}"})
    assignees = [make_user(rnd, rnd.randint(1, 5000)) for _ in range(rnd.choice((0, 0, 1, 1, 1, 2, 3)))]
    total = 0
    reactions = {"url": f"https://api.example.com/repos/o/r/issues/{i + 1}/reactions"}
    for k in ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"):
        v = rnd.choice((0, 0, 0, 0, 1, 2, 5)) if k != "+1" else rnd.randint(0, 30)
        reactions[k] = v
        total += v
    reactions["total_count"] = total
    milestone = None
    if rnd.random() < 0.3:
        m = rnd.randint(1, 40)
        milestone = {"id": 9000 + m, "number": m, "title": f"v1.{m}", "state": rnd.choice(("open", "closed")),
                     "due_on": iso(BASE + dt.timedelta(days=30 * m)) if m % 2 else None,
                     "creator": make_user(rnd, 7 + m)}
    is_pr = rnd.random() < 0.25
    rec = {
        "id": 100000000 + i,
        "node_id": f"I_kwDOABCD{i:09d}",
        "number": i + 1,
        "title": sentence(rnd, rnd.randint(3, 10)).capitalize(),
        "body": body,
        "state": "closed" if closed else "open",
        "state_reason": ("completed" if rnd.random() < 0.8 else "not_planned") if closed else None,
        "locked": rnd.random() < 0.02,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "closed_at": iso(updated) if closed else None,
        "comments": rnd.randint(0, 50),
        "author_association": rnd.choice(ASSOC),
        "user": make_user(rnd, rnd.randint(1, 100000)),
        "labels": labels,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": milestone,
        "reactions": reactions,
        "pull_request": ({"url": f"https://api.example.com/repos/o/r/pulls/{i + 1}",
                          "merged_at": iso(updated) if closed and rnd.random() < 0.7 else None}
                         if is_pr else None),
        "active_lock_reason": None,
        "score": round(rnd.random() * 100, 3),
    }
    if is_pr:
        rec["draft"] = rnd.random() < 0.1
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    with open(a.out, "w", encoding="utf-8") as f:
        for i in range(a.n):
            f.write(json.dumps(make_issue(rnd, i), separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
