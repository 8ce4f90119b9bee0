"""The reviewer's summary of a preview: counts first, ids capped, guards and policies, no config."""

from __future__ import annotations

from typing import Any

from netmera_iac.workflow.summary import Summary, preview_from_events, refusal, summarise, to_markdown

T = "pulumi-python:dynamic/netmera:"


def step(
    op: str, kind: str, name: str, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> dict[str, Any]:
    urn = f"urn:pulumi:e2e::netmera-iac::{T}{kind}::{name}"
    return {
        "op": op,
        "urn": urn,
        "oldState": {"inputs": old} if old is not None else None,
        "newState": {"inputs": new} if new is not None else None,
    }


def as_event(s: dict[str, Any]) -> dict[str, Any]:
    """The same step as the streamed `resourcePreEvent` metadata carries it."""
    return {"op": s["op"], "urn": s["urn"], "old": s["oldState"], "new": s["newState"]}


def members(*ids: str) -> dict[str, bool]:
    return dict.fromkeys(ids, True)


def test_shards_of_a_tag_are_combined_so_moves_are_not_changes() -> None:
    preview = {
        "steps": [
            step(
                "update",
                "TagMembership",
                "vip",
                {"tag": "vip", "members": members("a", "b")},
                {"tag": "vip", "members": members("a")},
            ),
            step("create", "TagMembership", "vip#1", None, {"tag": "vip", "members": members("b", "c")}),
            step("same", "TagMembership", "other", {"tag": "other"}, {"tag": "other"}),
        ]
    }
    summary = summarise(preview)
    (vip,) = summary.resources
    assert (vip.title, vip.op, [(c.verb, c.ids) for c in vip.changes]) == (
        "tag `vip`",
        "create+update",
        [("tag", ["c"])],
    )
    assert summary.unchanged == 1


def test_preferences_consent_profiles_and_contacts() -> None:
    ledger_old = {"u1": "opted_out applied 2026-11-01T00:00:00Z"}
    ledger_new = {
        **ledger_old,
        "u1": "opted_in planned",
        "u2": "opted_out planned",
    }
    preview = {
        "steps": [
            step(
                "update",
                "CategoryPreferences",
                "Promotion",
                {"category": "Promotion", "preferences": {"u1": "opted_in"}},
                {"category": "Promotion", "preferences": {"u1": "opted_out", "u2": "opted_in"}},
            ),
            step(
                "update",
                "EmailConsent",
                "email-users",
                {"addressing": "extId", "ledger": ledger_old},
                {"addressing": "extId", "ledger": ledger_new},
            ),
            step(
                "update",
                "ProfileAttributes",
                "profiles",
                {"profiles": {"u1": {"tier": "gold", "age": 3}}},
                {"profiles": {"u1": {"tier": "silver", "age": None}, "u2": {"tier": "gold"}}},
            ),
            step(
                "update",
                "ContactInfo",
                "contacts",
                {"contacts": {"u1": {"msisdn": "+905550000001"}}},
                {"contacts": {"u1": {"msisdn": ""}, "u2": {"email": "a@b.co"}}},
            ),
        ]
    }
    by_title = {r.title: r for r in summarise(preview).resources}
    assert [(c.verb, c.ids) for c in by_title["category `Promotion`"].changes] == [
        ("opt in", ["u2"]),
        ("opt out", ["u1"]),
    ]
    assert [(c.verb, c.ids) for c in by_title["email permission `email-users` (by extId)"].changes] == [
        ("opt in", ["u1"]),
        ("opt out", ["u2"]),
    ]
    assert [(c.verb, c.ids) for c in by_title["profile attributes"].changes] == [
        ("set tier", ["u1", "u2"]),
        ("unset age", ["u1"]),
    ]
    contacts = by_title["contact addresses"]
    assert [(c.verb, c.ids) for c in contacts.changes] == [
        ("update email", ["u2"]),
        ("update MSISDN", ["u1"]),
    ]
    assert "resets their SMS permission" in contacts.note


def test_deletes_say_who_they_change() -> None:
    preview = {
        "steps": [
            step("delete", "TagMembership", "gone", {"tag": "gone", "members": members("a", "b")}, None),
            step("delete", "CategoryPreferences", "Promotion", {"category": "Promotion"}, None),
        ]
    }
    by_title = {r.title: r for r in summarise(preview).resources}
    assert [(c.verb, c.ids) for c in by_title["tag `gone`"].changes] == [("untag", ["a", "b"])]
    assert by_title["CategoryPreferences `Promotion`"].note == "no longer managed; changes nobody"


def test_markdown_lists_counts_first_caps_ids_and_names_guards() -> None:
    events = [
        {
            "resourcePreEvent": {
                "metadata": as_event(
                    step(
                        "update",
                        "TagAssignment",
                        "t",
                        {"tag": "t", "members": {}},
                        {"tag": "t", "members": members(*[f"u{i:02d}" for i in range(30)])},
                    )
                )
            }
        },
        {
            "diagnosticEvent": {
                "prefix": "error: ",
                "message": "consent guard: 1 user(s) would be opted in\n",
                "severity": "error",
            }
        },
        {"diagnosticEvent": {"prefix": "debug: ", "message": "noise", "severity": "debug"}},
        {"diagnosticEvent": {"prefix": "error: ", "message": "preview failed\n", "severity": "error"}},
        {
            "policyEvent": {
                "policyName": "netmera-users-changed-per-type",
                "message": "too many",
                "enforcementLevel": "mandatory",
            }
        },
        {"policyEvent": {"policyName": "advice", "message": "consider", "enforcementLevel": "advisory"}},
    ]
    summary = summarise(preview_from_events(events))
    markdown = to_markdown(summary, "e2e", max_ids=5)
    assert "**1 resource(s) change, 30 user change(s); 0 unchanged.**" in markdown
    assert "| tag `t` (additive) | update | 30 | tag 30 |" in markdown
    assert "- **tag 30 user(s)**: `u00`, `u01`, `u02`, `u03`, `u04` … and 25 more" in markdown
    assert "**2 guard(s) or polic(ies) fired: nothing can be applied.**" in markdown
    assert "error: consent guard: 1 user(s) would be opted in" in markdown
    assert "policy netmera-users-changed-per-type [mandatory]: too many" in markdown
    assert "- policy advice [advisory]: consider" in markdown
    assert "preview failed" not in markdown and "noise" not in markdown


def test_config_never_reaches_the_summary() -> None:
    preview = {"config": {"netmera:apiKey": "sekret-key-123"}, "steps": []}
    markdown = to_markdown(summarise(preview), "e2e")
    assert "sekret" not in markdown and "**No changes** (0 resources unchanged)." in markdown


def test_a_refusal_prints_each_problem_on_one_line_grouped_by_file() -> None:
    problems = [
        "error: invalid desired state:\n"
        "  stacks/demo/tags.yaml: memberships.vip.members[1]: 42 is not of type 'string' (value: 42)\n"
        "  consent guard (push): 1 opt-in(s) of people who opted out, by any of their addresses:\n"
        "  stacks/demo/consent.yaml: push.users: u1 (person u1) opted out 2026-12-01T00:00:00Z\n"
        "  Opt them in only with evidence later than the opt-out.",
        "error: pulumi-python:dynamic/netmera:CategoryPreferences resource 'Promotion': property guard "
        "value {<nil>} has a problem: CategoryPreferences 'Promotion': mass-change guard: 900 of 1000\n"
        "  users would be opted out",
        "policy netmera-shared-tags-not-authoritative [mandatory]: tag 'vip' is marked shared",
    ]
    assert refusal(Summary([], 0, problems), "demo", 1).splitlines() == [
        "netmera-iac plan · stack `demo`: refused, 4 problem(s); nothing can be applied",
        "stacks/demo/tags.yaml",
        "  memberships.vip.members[1]: 42 is not of type 'string' (value: 42)",
        "stacks/demo/consent.yaml",
        "  consent guard (push): push.users: u1 (person u1) opted out 2026-12-01T00:00:00Z",
        "  to fix: Opt them in only with evidence later than the opt-out.",
        "CategoryPreferences 'Promotion'",
        "  mass-change guard: 900 of 1000 users would be opted out",
        "policy pack",
        "  netmera-shared-tags-not-authoritative [mandatory]: tag 'vip' is marked shared",
        "exit 1",
    ]


def test_drift_says_what_netmera_has_then_what_apply_sends() -> None:
    live = {"category": "Promotion", "preferences": {"u1": "opted_out", "u2": "opted_in"}}
    desired = {
        "category": "Promotion",
        "preferences": {"u1": "opted_in", "u2": "opted_in", "u3": "opted_out"},
    }
    summary = summarise({"steps": [step("update", "CategoryPreferences", "Promotion", live, desired)]})
    lines = to_markdown(summary, "demo", title="drift").splitlines()
    table = lines.index("| user | Netmera has | desired | read back at |")
    assert lines[table + 2 : table + 4] == [
        "| `u1` | opted_out | opted_in | — |",
        "| `u3` | nothing | opted_out | — |",
    ]
    sends = lines.index("What `apply` would send:")
    assert lines[sends + 1 :][:2] == ["- **opt in 1 user(s)**: `u1`", "- **opt out 1 user(s)**: `u3`"]
    assert "Netmera has" not in to_markdown(summary, "demo")  # a plan lists only what it sends
