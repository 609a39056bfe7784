"""Links into Azure DevOps: a project-level group opens its project's permissions page, with its project named."""

from pathlib import Path

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.links import group_project, resource_url
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION


def test_a_group_belongs_to_the_project_its_name_is_scoped_to() -> None:
    assert group_project("[Payments]\\Project Administrators", "contoso") == "Payments"
    assert group_project("[contoso]\\Project Collection Administrators", "contoso") is None
    assert group_project("[TEAM FOUNDATION]\\Enterprise Service Accounts", "contoso") is None
    assert group_project("Payments Admins", "contoso") is None


def test_a_project_group_links_to_its_project_and_an_organization_group_to_the_organization() -> None:
    project_group = resource_url("groups", "contoso", {"resource_name": "[Payments]\\Project Administrators"})
    assert project_group == "https://dev.azure.com/contoso/Payments/_settings/permissions"
    collection_group = resource_url("groups", "contoso", {"resource_name": "[contoso]\\Project Collection Valid Users"})
    assert collection_group == "https://dev.azure.com/contoso/_settings/groups"


GROUP_RULES = ("admins.count_bounds", "groups.build_admin_count", "groups.broad_group_in_admin_group")


def test_findings_about_project_groups_name_the_project(demo_warehouse: Path) -> None:
    rules = [builtin_rules().get(rule_id) for rule_id in GROUP_RULES]
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        evaluate(conn, rules, ORGANIZATION)
        rows = conn.execute(
            "SELECT resource_name, project_name, url FROM compliance.findings WHERE list_contains(?, rule_id)",
            [list(GROUP_RULES)],
        ).fetchall()
    scoped = [(name, project, url) for name, project, url in rows if group_project(name, ORGANIZATION)]
    assert scoped, rows  # the demo has findings about project-level groups
    for name, project, url in rows:
        expected = group_project(name, ORGANIZATION)
        assert project == expected, name
        if expected:
            assert url.startswith(f"https://dev.azure.com/{ORGANIZATION}/{expected.replace(' ', '%20')}/"), url
