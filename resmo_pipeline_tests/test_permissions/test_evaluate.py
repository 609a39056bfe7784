"""The evaluation rules on hand-built scenarios: each test changes one thing a wrong engine would get wrong."""

from __future__ import annotations

from resmo_pipeline_tests.test_permissions.conftest import (
    BYPASS,
    CONTRIBUTE,
    FORCE_PUSH,
    PROJECT,
    PROJECT_TOKEN,
    READ,
    REPO_TOKEN,
    Scenario,
    branch,
    group,
    user,
)


def test_deny_beats_allow_on_the_same_token(scenario: Scenario) -> None:
    scenario.ace(REPO_TOKEN, user("ann"), allow=CONTRIBUTE | READ, deny=CONTRIBUTE).evaluate()

    assert scenario.user_decision("ann", CONTRIBUTE, REPO_TOKEN) == "deny"
    assert scenario.user_decision("ann", READ, REPO_TOKEN) == "allow"


def test_not_set_means_no_access(scenario: Scenario) -> None:
    scenario.ace(REPO_TOKEN, user("ann"), allow=READ).evaluate()

    assert scenario.user_decision("ann", FORCE_PUSH, REPO_TOKEN) is None
    assert scenario.query("SELECT count(*) FROM azure_devops.effective_permissions WHERE bit = ?", [FORCE_PUSH]) \
        == [(0,)]


def test_an_explicit_entry_on_a_closer_token_beats_an_inherited_one(scenario: Scenario) -> None:
    scenario.ace(PROJECT_TOKEN, user("ann"), deny=CONTRIBUTE).ace(REPO_TOKEN, user("ann"), allow=CONTRIBUTE)
    scenario.ace(PROJECT_TOKEN, user("bob"), allow=CONTRIBUTE).ace(REPO_TOKEN, user("bob"), deny=CONTRIBUTE)
    scenario.evaluate()

    assert scenario.user_decision("ann", CONTRIBUTE, PROJECT_TOKEN) == "deny"
    assert scenario.user_decision("ann", CONTRIBUTE, REPO_TOKEN) == "allow"
    assert scenario.user_decision("bob", CONTRIBUTE, REPO_TOKEN) == "deny"


def test_inheritance_reaches_children_unless_the_child_list_turns_it_off(scenario: Scenario) -> None:
    scenario.ace(PROJECT_TOKEN, group("Contributors"), allow=CONTRIBUTE).member(group("Contributors"), user("ann"))
    scenario.ace(REPO_TOKEN, user("bob"), allow=READ)
    scenario.evaluate()
    assert scenario.user_decision("ann", CONTRIBUTE, REPO_TOKEN) == "allow"
    assert "inherited from project Payments" in scenario.user_via("ann", CONTRIBUTE, REPO_TOKEN)

    cut = Scenario(scenario.path.with_name("cut.duckdb"))
    cut.ace(PROJECT_TOKEN, group("Contributors"), allow=CONTRIBUTE).member(group("Contributors"), user("ann"))
    cut.ace(REPO_TOKEN, user("bob"), allow=READ).no_inherit(REPO_TOKEN)
    cut.evaluate()
    assert cut.user_decision("ann", CONTRIBUTE, REPO_TOKEN) is None
    assert cut.user_decision("ann", CONTRIBUTE, PROJECT_TOKEN) == "allow"
    # Below the cut, the branches inherit from the repository again, not from the project.
    assert cut.user_decision("ann", CONTRIBUTE, branch("main")) is None


def test_a_list_without_entries_still_cuts_inheritance(scenario: Scenario) -> None:
    scenario.ace(PROJECT_TOKEN, user("ann"), allow=READ)
    scenario.lists[REPO_TOKEN] = False
    scenario.evaluate()

    assert scenario.user_decision("ann", READ, PROJECT_TOKEN) == "allow"
    assert scenario.user_decision("ann", READ, REPO_TOKEN) is None


def test_a_branch_token_sits_under_its_repository_token(scenario: Scenario) -> None:
    scenario.ace(REPO_TOKEN, group("Contributors"), allow=FORCE_PUSH | CONTRIBUTE)
    scenario.ace(branch("main"), group("Contributors"), deny=FORCE_PUSH)
    scenario.member(group("Contributors"), user("ann")).evaluate()

    assert branch("main") == REPO_TOKEN.lower() + "/refs/heads/6d00610069006e00"
    assert scenario.user_decision("ann", FORCE_PUSH, branch("main")) == "deny"
    assert scenario.user_decision("ann", CONTRIBUTE, branch("main")) == "allow"
    # feature/login has no list of its own: it is answered by the repository and gets no rows of its own.
    assert scenario.user_decision("ann", FORCE_PUSH, REPO_TOKEN) == "allow"
    assert scenario.query("SELECT decisive_token FROM azure_devops.permission_objects WHERE token = ?",
                          [branch("feature/login")]) == []
    objects = dict(scenario.query("SELECT token, decisive_token FROM azure_devops.permission_objects"))
    assert objects[branch("main")] == branch("main")


def test_branch_folder_lists_reach_the_branches_below_them(scenario: Scenario) -> None:
    scenario.branches = ("refs/heads/main", "refs/heads/release/v1")
    scenario.ace(REPO_TOKEN, user("ann"), allow=CONTRIBUTE)
    scenario.ace(REPO_TOKEN.lower() + "/refs/heads/" + "release".encode("utf-16-le").hex(), user("ann"),
                 deny=CONTRIBUTE)
    scenario.evaluate()

    assert scenario.user_decision("ann", CONTRIBUTE, branch("release/v1")) == "deny"
    assert "inherited from token" in scenario.user_via("ann", CONTRIBUTE, branch("release/v1"))
    assert scenario.user_decision("ann", CONTRIBUTE, branch("main")) == "allow"


def test_nested_groups_pass_permissions_down_with_the_membership_path(scenario: Scenario) -> None:
    scenario.ace(REPO_TOKEN, group("Contributors"), allow=BYPASS)
    scenario.member(group("Contributors"), group("Release Team")).member(group("Release Team"), user("ann"))
    scenario.evaluate()

    assert scenario.user_decision("ann", BYPASS, REPO_TOKEN) == "allow"
    assert scenario.user_via("ann", BYPASS, REPO_TOKEN) == \
        "via [Payments]\\Contributors ← member of [Payments]\\Release Team"


def test_a_user_in_an_allowing_and_a_denying_group_is_denied(scenario: Scenario) -> None:
    scenario.ace(REPO_TOKEN, group("Contributors"), allow=CONTRIBUTE)
    scenario.ace(REPO_TOKEN, group("Auditors"), deny=CONTRIBUTE)
    scenario.member(group("Contributors"), user("ann")).member(group("Auditors"), user("ann"))
    scenario.member(group("Contributors"), user("bob"))
    scenario.evaluate()

    assert scenario.user_decision("ann", CONTRIBUTE, REPO_TOKEN) == "deny"
    assert scenario.user_via("ann", CONTRIBUTE, REPO_TOKEN) == "via [Payments]\\Auditors"
    assert scenario.user_decision("bob", CONTRIBUTE, REPO_TOKEN) == "allow"


def test_an_inherited_deny_of_one_group_beats_a_closer_allow_of_another(scenario: Scenario) -> None:
    scenario.ace(PROJECT_TOKEN, group("Auditors"), deny=CONTRIBUTE)
    scenario.ace(REPO_TOKEN, group("Maintainers"), allow=CONTRIBUTE)
    scenario.member(group("Auditors"), user("ann")).member(group("Maintainers"), user("ann"))
    scenario.member(group("Maintainers"), user("bob")).evaluate()

    assert scenario.user_decision("ann", CONTRIBUTE, PROJECT_TOKEN) == "deny"
    assert scenario.user_decision("ann", CONTRIBUTE, REPO_TOKEN) == "deny"
    assert scenario.user_decision("bob", CONTRIBUTE, REPO_TOKEN) == "allow"


def test_project_collection_administrators_keep_their_allows_over_denies(scenario: Scenario) -> None:
    admins = group("Project Collection Administrators")
    scenario.ace(PROJECT_TOKEN, admins, allow=FORCE_PUSH | CONTRIBUTE)
    scenario.ace(REPO_TOKEN, group("Auditors"), deny=FORCE_PUSH | READ)
    scenario.member(admins, user("ann")).member(group("Auditors"), user("ann"))
    scenario.member(group("Auditors"), user("bob"))
    scenario.evaluate()

    assert scenario.user_decision("ann", FORCE_PUSH, REPO_TOKEN) == "allow"
    assert "Project Collection Administrators keep their allows" in scenario.user_via("ann", FORCE_PUSH, REPO_TOKEN)
    # What the administrators' group is not allowed stays denied, and non-members are denied as usual.
    assert scenario.user_decision("ann", READ, REPO_TOKEN) == "deny"
    assert scenario.user_decision("bob", FORCE_PUSH, REPO_TOKEN) == "deny"


def test_administrators_get_no_pass_on_work_item_operations(scenario: Scenario) -> None:
    admins, token = group("Project Collection Administrators"), f"$PROJECT:vstfs:///Classification/TeamProject/{PROJECT}"
    generic_read, work_item_delete = 1, 8
    scenario.ace(token, admins, allow=generic_read | work_item_delete, namespace="Project")
    scenario.ace(token, group("Auditors"), deny=generic_read | work_item_delete, namespace="Project")
    scenario.member(admins, user("ann")).member(group("Auditors"), user("ann")).evaluate()

    assert scenario.user_decision("ann", generic_read, token, "Project") == "allow"
    assert scenario.user_decision("ann", work_item_delete, token, "Project") == "deny"


def test_identity_kinds_and_build_service_identities_are_named(scenario: Scenario) -> None:
    service = "svc.cHJvamVjdDpCdWlsZA"
    scenario.ace(REPO_TOKEN, service, allow=CONTRIBUTE).ace(REPO_TOKEN, group("Readers"), allow=READ)
    scenario.ace(REPO_TOKEN, "aadsp.deployer", allow=READ).evaluate()

    kinds = dict(scenario.query(
        "SELECT identity_descriptor, identity_kind || '/' || is_build_service FROM azure_devops.effective_permissions"))
    assert kinds == {service: "user/true", group("Readers"): "group/false", "aadsp.deployer": "service_principal/false"}


def test_roles_resolve_to_users_with_the_highest_role(scenario: Scenario) -> None:
    def role(identity: str, name: str, unique: str, access: str = "assigned") -> dict[str, object]:
        return {"resource_id": f"r/{identity}/{name}", "scope": "distributedtask.serviceendpointrole",
                "resource_kind": "endpoint", "resource_id_ref": "ep1", "resource_name": "prod-azure",
                "project_name": "Payments", "identity_id": identity, "identity_display_name": unique,
                "identity_unique_name": unique, "role": name, "access": access,
                "is_inherited": access == "inherited", "role_scope": "distributedtask.project.serviceendpointrole"}
    scenario.roles = [role(group("Contributors"), "User", "[Payments]\\Contributors", "inherited"),
                      role(user("ann"), "Administrator", "ann@contoso.com")]
    scenario.member(group("Contributors"), user("ann")).member(group("Contributors"), user("bob")).evaluate()

    rows = dict((name, (role_name, via)) for name, role_name, via in scenario.query(
        "SELECT user_name, role, via FROM azure_devops.effective_user_roles WHERE resource_name = 'prod-azure'"))
    assert rows["ann@contoso.com"] == ("Administrator", "own assignment (assigned)")
    assert rows["bob@contoso.com"] == (
        "User", "via [Payments]\\Contributors (inherited from the project or organization level)")
