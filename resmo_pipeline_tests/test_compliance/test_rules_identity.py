"""The identity, token and organization-settings rules beyond their demo examples: the accounts vocabulary and
the cases the demo organization does not hold (no owner readable, no Entra connection, revoked tokens, ...)."""

from pathlib import Path

import pytest

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.loader import builtin_rules, empty_warehouse
from resmo_pipeline.compliance.model import RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION


def _findings(path: Path, rule_id: str, *changes: str) -> tuple[RuleStatus, set[str]]:
    """Apply SQL changes to the demo warehouse, then evaluate one built-in rule: (status, resource names)."""
    with write_connection(path, publish_after_s=None) as conn:
        for change in changes:
            conn.execute(change)
    with write_connection(path, publish_after_s=None) as conn:
        (result,) = evaluate(conn, [builtin_rules().get(rule_id)], ORGANIZATION, ParameterConfig(), "run-1",
                             suppressions=())
    return result.status, {finding["resource_name"] for finding in result.findings}


def _scalar(sql: str) -> object:
    conn = empty_warehouse()
    try:
        return conn.execute(f"SELECT {sql}").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("TRUE, FALSE, utc_now() - INTERVAL 3 DAY, utc_now() - INTERVAL 400 DAY", None),
        ("TRUE, FALSE, utc_now() - INTERVAL 200 DAY, utc_now() - INTERVAL 400 DAY", "last signed in 200 days ago"),
        ("TRUE, FALSE, TIMESTAMP '0001-01-01', utc_now() - INTERVAL 400 DAY", "never signed in"),
        ("TRUE, FALSE, TIMESTAMP '0001-01-01', utc_now() - INTERVAL 5 DAY", None),
        ("FALSE, TRUE, NULL, NULL",
         "has no access level in the organization any more and was deleted from its directory"),
    ],
)
def test_account_staleness(arguments: str, expected: str | None) -> None:
    assert _scalar(f"account_staleness({arguments}, 90, 30)") == expected


def test_pat_label_names_the_token_and_its_owner() -> None:
    assert _scalar("pat_label('ci', 'ann@contoso.com')") == 'Personal access token "ci" of ann@contoso.com'
    assert _scalar("pat_label(NULL, NULL)") == 'Personal access token "(unnamed)" of an unknown user'


def test_revoked_and_expired_tokens_are_not_checked(demo_warehouse: Path) -> None:
    assert _findings(demo_warehouse, "pat.full_access")[1] == {"full-access-legacy", "local-dev"}
    status, found = _findings(
        demo_warehouse, "pat.full_access",
        "UPDATE azure_devops.personal_access_tokens SET is_valid = FALSE WHERE display_name = 'local-dev'",
        "UPDATE azure_devops.personal_access_tokens SET expires_at = TIMESTAMP '2000-01-01' "
        "WHERE display_name = 'full-access-legacy'",
    )
    assert (status, found) == (RuleStatus.PASSED, set())


def test_critical_scopes_match_whole_scopes_only(demo_warehouse: Path) -> None:
    status, found = _findings(
        demo_warehouse, "pat.critical_scopes",
        "UPDATE azure_devops.personal_access_tokens SET scope = 'vso.build vso.release' "
        "WHERE display_name = 'ops-automation'",
    )
    assert (status, found) == (RuleStatus.PASSED, set())


def test_owner_that_cannot_be_read_is_not_judged(demo_warehouse: Path) -> None:
    status, found = _findings(demo_warehouse, "org.owner_account", "UPDATE azure_devops.organizations SET owner = NULL")
    assert (status, found) == (RuleStatus.PASSED, set())


def test_dedicated_owner_account_passes(demo_warehouse: Path) -> None:
    status, _ = _findings(
        demo_warehouse, "org.owner_account",
        "UPDATE azure_devops.user_entitlements SET principal_name = 'adm-alice@contoso.com' "
        "WHERE display_name = 'Alice Admin'",
    )
    assert status is RuleStatus.PASSED


def test_owner_no_longer_in_the_organization(demo_warehouse: Path) -> None:
    status, found = _findings(demo_warehouse, "org.owner_account",
                              "DELETE FROM azure_devops.user_entitlements WHERE display_name = 'Alice Admin'")
    assert status is RuleStatus.FAILED and len(found) == 1


def test_organization_without_entra_reports_the_connection_only(demo_warehouse: Path) -> None:
    status, found = _findings(demo_warehouse, "org.entra_authentication",
                              "UPDATE azure_devops.organization_entra_connection SET is_entra_backed = FALSE")
    assert (status, found) == (RuleStatus.FAILED, {"Microsoft Entra ID connection"})


def test_service_account_people_name_the_nested_group(demo_warehouse: Path) -> None:
    # Put the Entra group Platform Admins (Alice, Bob, Grace and, nested, Dana) into Project Collection Service
    # Accounts: its people are reported through it.
    _findings(demo_warehouse, "groups.service_accounts_people", """
            INSERT INTO azure_devops.effective_group_memberships BY NAME
            SELECT s.organization, s.resource_id || '+' || m.member_descriptor AS resource_id,
                   s.descriptor AS group_descriptor, s.display_name AS group_name, m.member_descriptor,
                   m.member_kind, m.depth + 1 AS depth,
                   to_json(list_prepend(s.descriptor, CAST(m.path AS VARCHAR[]))) AS path, FALSE AS is_direct
            FROM azure_devops.groups AS s, azure_devops.effective_group_memberships AS m
            WHERE s.display_name = 'Project Collection Service Accounts' AND m.group_name = 'Platform Admins'
        """)
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        (result,) = evaluate(conn, [builtin_rules().get("groups.service_accounts_people")], ORGANIZATION,
                             ParameterConfig(), "run-1", suppressions=())
    (finding,) = result.findings
    assert "alice@contoso.com (through Platform Admins)" in finding["message"]
    assert "dana@contoso.com (through Break Glass)" in finding["message"]
    assert "rita@contoso.com" in finding["message"] and "rita@contoso.com (" not in finding["message"]
