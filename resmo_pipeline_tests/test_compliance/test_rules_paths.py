"""The attack-path rules of part A (path.branch_*, fork_*, pipeline_*, sc_*, secret_*, agent_*) and their
vocabulary (compliance/vocabulary/paths.sql).

Each rule finds its demo path with a message naming every step, and no longer finds it when a single step is
taken away from a copy of the demo warehouse (a deny entry, an inheritance cut, a check, a setting, ...).
"""

import shutil
from pathlib import Path

import pytest

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.compliance.model import RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig
from resmo_pipeline.compliance.vocabulary import rule_connection
from resmo_pipeline.simulator.data.demo_rules.attack_paths import EXAMPLES
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION

RULES = {rule.id: rule for rule in builtin_rules().rules}
STEP = " → "

# Git Repositories bits: GenericContribute 4, CreateBranch 16; Build bits: EditBuildDefinition 2048.
CONTRIBUTE, CREATE_BRANCH, EDIT_PIPELINE = 4, 16, 2048

ACE_COLUMNS = ("organization, namespace_id, namespace_name, token, inherit_permissions, descriptor, allow, deny, "
               "identity_subject_descriptor, identity_display_name")


def _deny_on_token(namespace: str, token_sql: str, bit: int, *, holders: str = "TRUE") -> str:
    """Deny `bit` on a token to every identity that has it allowed on that token or a parent (matching `holders`)."""
    return f"""
        INSERT INTO azure_devops.access_control_lists ({ACE_COLUMNS})
        SELECT DISTINCT a.organization, a.namespace_id, a.namespace_name, t.token, TRUE, a.descriptor, 0, {bit},
               a.identity_subject_descriptor, a.identity_display_name
        FROM azure_devops.access_control_lists AS a, ({token_sql}) AS t(token)
        WHERE a.namespace_name = '{namespace}' AND a.allow & {bit} <> 0
          AND starts_with(lower(t.token), rtrim(lower(a.token), '/')) AND ({holders})"""


def _branch_token(repository: str, branch: str) -> str:
    return (f"SELECT 'repoV2/' || project_id || '/' || id || '/refs/heads/' || '{branch}' "
            f"FROM azure_devops.repositories WHERE name = '{repository}'")


def _definition_token(definition: str) -> str:
    return f"SELECT project_id || '/' || id FROM azure_devops.build_definitions WHERE name = '{definition}'"


def _check(resource_type: str, resource_name: str, type_name: str, settings: str = "{}") -> str:
    """An enabled check of `type_name` on the protected resource of that kind and name (from pipeline_permissions)."""
    return f"""
        INSERT INTO azure_devops.check_configurations
            (organization, project_id, project_name, resource_type, resource_id_ref, resource_name, id, type_name,
             settings, is_disabled)
        SELECT DISTINCT organization, project_id, project_name, resource_type, resource_id_ref, resource_name,
               900000 + row_number() OVER (), '{type_name}', '{settings}', FALSE
        FROM azure_devops.pipeline_permissions
        WHERE resource_type = '{resource_type}' AND resource_name = '{resource_name}'"""


BRANCH_CONTROL = """{"definitionRef": {"name": "evaluatebranchProtection"}}"""
MAIN_HEX = "6d00610069006e00"  # "main" as UTF-16LE hex, the way branch tokens write it


@pytest.fixture
def warehouse(tmp_path: Path, demo_warehouse_template: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse_template, path)
    return path


def mutate(path: Path, statements: tuple[str, ...] | list[str]) -> None:
    """Run statements on the warehouse in a transaction of their own (a rule connection attaches a database)."""
    if statements:
        with write_connection(path, publish_after_s=None) as conn:
            for statement in statements:
                conn.execute(statement)


def findings(path: Path, rule_id: str, *statements: str) -> dict[str, str]:
    """resource_name -> message of the rule's findings, after running `statements` on the warehouse."""
    mutate(path, statements)
    with write_connection(path, publish_after_s=None) as conn:
        [result] = evaluate(conn, [RULES[rule_id]], ORGANIZATION, ParameterConfig(), "run-paths", suppressions=())
    assert result.status in (RuleStatus.FAILED, RuleStatus.PASSED), result.reason
    return {finding["resource_name"]: finding["message"] for finding in result.findings}


# ---- vocabulary -------------------------------------------------------------------------------------------------

def test_branch_tokens_encode_each_segment_as_utf16le_hex(warehouse: Path) -> None:
    with write_connection(warehouse, publish_after_s=None) as conn, rule_connection(conn, ORGANIZATION) as c:
        master, nested, emoji = c.execute(
            "SELECT path_git_branch_token('P', 'R', 'refs/heads/master'),"
            " path_git_branch_token('P', 'R', 'refs/heads/feature/x'),"
            " path_git_branch_token('P', 'R', 'refs/heads/\U0001F600')").fetchone()
    # The example of devblogs.microsoft.com/devops/git-repo-tokens-for-the-security-service ("master").
    assert master == "repov2/p/r/refs/heads/6d0061007300740065007200"
    assert nested == "repov2/p/r/refs/heads/6600650061007400750072006500/7800"
    assert emoji == "repov2/p/r/refs/heads/3dd800de"  # a surrogate pair


def test_branch_filters(warehouse: Path) -> None:
    with write_connection(warehouse, publish_after_s=None) as conn, rule_connection(conn, ORGANIZATION) as c:
        rows = c.execute("""
            SELECT path_ref_filter_matches(['+refs/heads/main'], 'refs/heads/main'),
                   path_ref_filter_matches(['main'], 'refs/heads/main'),
                   path_ref_filter_matches(['+refs/heads/release/*'], 'refs/heads/release/1.0'),
                   path_ref_filter_matches(['+refs/heads/*', '-refs/heads/main'], 'refs/heads/main'),
                   path_ref_filter_matches(['+refs/heads/main'], 'refs/heads/mainline'),
                   path_ref_filter_matches([], 'refs/heads/main')""").fetchone()
    assert rows == (True, True, True, False, False, False)


WEB_CI_EDITORS = ("SELECT count(*) FROM path_pipeline_editors() AS e JOIN azure_devops.build_definitions AS d "
                  "ON d.project_id = e.project_id AND d.id = e.definition_id "
                  "WHERE d.name = 'web-ci' AND e.subject_name = '[Contoso Web]\\Contributors'")


def _build_ace(group: str, token_sql: str, allow: int, deny: int, *, inherit: bool = True) -> str:
    """A Build namespace entry for a project group (by principal name) on a token."""
    return f"""
        INSERT INTO azure_devops.access_control_lists ({ACE_COLUMNS})
        SELECT g.organization, n.namespace_id, n.name, t.token, {inherit}, 'test:' || g.descriptor, {allow}, {deny},
               g.descriptor, g.principal_name
        FROM azure_devops.groups AS g, azure_devops.security_namespaces AS n, ({token_sql}) AS t(token)
        WHERE g.principal_name = '{group}' AND n.name = 'Build'"""


CONTRIBUTORS, VALID_USERS, READERS = (f"[Contoso Web]\\{name}" for name in
                                      ("Contributors", "Project Valid Users", "Readers"))
WEB_PROJECT = "SELECT id FROM azure_devops.projects WHERE name = 'Contoso Web'"


@pytest.mark.parametrize(("statements", "editors"), [
    ([], 1),
    # a deny for a group Contributors belong to, on the definition: deny wins across groups
    ([_build_ace(VALID_USERS, _definition_token("web-ci"), 0, EDIT_PIPELINE)], 0),
    # the definition's ACL does not inherit: the project's allow for Contributors no longer counts
    ([_build_ace(READERS, _definition_token("web-ci"), 1025, 0, inherit=False)], 0),
    # an explicit allow on the definition beats the Contributors' deny on the project
    ([f"UPDATE azure_devops.access_control_lists SET allow = allow & ~{EDIT_PIPELINE}, deny = {EDIT_PIPELINE} "
      f"WHERE namespace_name = 'Build' AND identity_display_name = '{CONTRIBUTORS}' AND token = ({WEB_PROJECT})",
      _build_ace(CONTRIBUTORS, _definition_token("web-ci"), EDIT_PIPELINE, 0)], 1),
    # the deny on the project alone
    ([f"UPDATE azure_devops.access_control_lists SET allow = allow & ~{EDIT_PIPELINE}, deny = {EDIT_PIPELINE} "
      f"WHERE namespace_name = 'Build' AND identity_display_name = '{CONTRIBUTORS}' AND token = ({WEB_PROJECT})"], 0),
], ids=["inherited-allow", "parent-group-deny", "inheritance-cut", "explicit-allow-beats-inherited-deny",
        "project-deny"])
def test_effective_allows_follow_inheritance_cuts_and_denies(statements: list[str], editors: int,
                                                             warehouse: Path) -> None:
    mutate(warehouse, statements)
    with write_connection(warehouse, publish_after_s=None) as conn, rule_connection(conn, ORGANIZATION) as c:
        assert c.execute(WEB_CI_EDITORS).fetchone()[0] == editors


# ---- rules: the demo path, every step named ---------------------------------------------------------------------

#: rule id -> phrases every message of the rule has (one per step at least) and the least number of steps.
STEPS: dict[str, tuple[tuple[str, ...], int]] = {
    "path.branch_push_ungated_secrets": (("can push to", "runs on pushes to", "it may use",
                                          "none with an approval, branch control or required template check"), 3),
    "path.branch_queue_ungated_secrets": (("can push a new branch to", "and queue pipeline", "YAML of that branch",
                                           "it may use", "none with an approval"), 3),
    "path.pipeline_edit_secrets": (("can edit pipeline", "it may use", "none with an approval"), 2),
    "path.fork_self_hosted_secrets": (("builds pull requests from forks", "self-hosted pool", "may use"), 3),
    "path.sc_wide_ungated": (("is scoped to", "no approval, branch control or required template check",
                              "pipelines may use it"), 3),
    "path.pipeline_token_poisoning": (("The job token of pipelines", "Build Service", "runs on pushes to",
                                       "it may use"), 3),
    "path.agent_pool_shared_with_production": (("can edit pipeline", "runs on self-hosted pool",
                                                "deploys to production"), 3),
    "path.pipeline_queue_variables_credentials": (("can queue pipeline", "queue time", "it may use",
                                                   "none with an approval check"), 3),
    "path.secret_group_yaml_push": (("holds", "may use it", "its YAML", "can push to"), 3),
    "path.sc_cross_project_reach": (("is shared with", "may use it", "can edit pipeline", "no approval check"), 4),
}


def test_every_rule_of_the_area_is_covered() -> None:
    assert set(STEPS) == set(EXAMPLES) == {rule_id for rule_id in RULES if rule_id.startswith("path.") and
                                          rule_id.split(".")[1].startswith(("pipeline_", "fork_", "branch_", "sc_",
                                                                            "secret_", "agent_"))}


@pytest.mark.parametrize("rule_id", sorted(STEPS))
def test_rule_finds_the_demo_path_and_names_every_step(rule_id: str, warehouse: Path) -> None:
    found = findings(warehouse, rule_id)
    assert set(found) == set(EXAMPLES[rule_id]["violating"])
    phrases, least_steps = STEPS[rule_id]
    for name, message in found.items():
        assert message.count(STEP) >= least_steps - 1, message
        assert name in message, message
        for phrase in phrases:
            assert phrase in message, (phrase, message)


# ---- rules: one step missing ------------------------------------------------------------------------------------

#: (rule id, violating resource, statements that take one step away).
MISSING_STEP = [
    # the push: Contribute denied on the branch itself (the project-level allow is inherited, the deny explicit)
    ("path.branch_push_ungated_secrets", "shared-templates-validate",
     [_deny_on_token("Git Repositories", _branch_token("shared-templates", MAIN_HEX), CONTRIBUTE)]),
    # the branch needs pull requests: a reviewer policy on main of shared-templates
    ("path.branch_push_ungated_secrets", "shared-templates-validate",
     ["""INSERT INTO azure_devops.policy_configurations (organization, project_id, id, type_name, is_enabled,
             is_blocking, deleted, scope)
         SELECT organization, project_id, 900001, 'Minimum number of reviewers', TRUE, TRUE, FALSE,
                '[{"repositoryId": "' || id || '", "refName": "refs/heads/main", "matchKind": "Exact"}]'
         FROM azure_devops.repositories WHERE name = 'shared-templates'"""]),
    # the trigger: the pipeline no longer runs on pushes
    ("path.branch_push_ungated_secrets", "oss-cli-ci",
     ["UPDATE azure_devops.build_definitions SET triggers = '[]' WHERE name = 'oss-cli-ci'"]),
    # the new branch: Create branch denied on the repository to everyone allowed it
    ("path.branch_queue_ungated_secrets", "oss-cli-ci",
     [_deny_on_token("Git Repositories", "SELECT 'repoV2/' || project_id || '/' || id FROM azure_devops.repositories "
                                         "WHERE name = 'oss-cli'", CREATE_BRANCH)]),
    # the gate: Branch control on the credential
    ("path.branch_queue_ungated_secrets", "oss-cli-ci",
     [_check("endpoint", "github-contoso", "Task Check", BRANCH_CONTROL)]),
    # the editor: Edit build pipeline denied on web-ci to everyone allowed it
    ("path.pipeline_edit_secrets", "web-ci",
     [_deny_on_token("Build", _definition_token("web-ci"), EDIT_PIPELINE)]),
    # the gate: an Approval on the only credential oss-cli-ci may use
    ("path.pipeline_edit_secrets", "oss-cli-ci", [_check("endpoint", "github-contoso", "Approval")]),
    # the fork builds
    ("path.fork_self_hosted_secrets", "web-ci",
     ["UPDATE azure_devops.build_definitions SET fork_builds_enabled = FALSE WHERE name = 'web-ci'"]),
    # the checks
    ("path.sc_wide_ungated", "legacy-azure-secret", [_check("endpoint", "legacy-azure-secret", "Approval")]),
    # the job token's push: Contribute denied to the build service identities on the branch
    ("path.pipeline_token_poisoning", "shared-templates-validate",
     [_deny_on_token("Git Repositories", _branch_token("shared-templates", MAIN_HEX), CONTRIBUTE,
                     holders="starts_with(a.identity_subject_descriptor, 'svc.')")]),
    # the production deployment: nothing on the pool deploys to a production-named environment or connection
    ("path.agent_pool_shared_with_production", "self-hosted-linux",
     ["UPDATE azure_devops.pipeline_yaml_elements SET environment = 'qa', service_connections = '[]'",
      "UPDATE azure_devops.pipeline_permissions SET resource_name = regexp_replace(resource_name, 'prod', 'qa', 'g')"]),
    # the queue-time variables: the project limits them and web-ci marks none settable
    ("path.pipeline_queue_variables_credentials", "web-ci",
     ["UPDATE azure_devops.pipeline_settings SET enforce_settable_var = TRUE WHERE project_name = 'Contoso Web'",
      "UPDATE azure_devops.build_definitions SET variables = '{}' WHERE name = 'web-ci'"]),
    # the variable group's gate: Branch control
    ("path.secret_group_yaml_push", "prod-secrets",
     [_check("variablegroup", "prod-secrets", "Task Check", BRANCH_CONTROL)]),
    # the sharing
    ("path.sc_cross_project_reach", "github-contoso",
     ["UPDATE azure_devops.service_connections SET shared_project_count = 1, project_ids = to_json([project_id]) "
      "WHERE name = 'github-contoso'"]),
]


@pytest.mark.parametrize(("rule_id", "resource", "statements"), MISSING_STEP,
                         ids=[f"{rule}:{resource}:{n}" for n, (rule, resource, _) in enumerate(MISSING_STEP)])
def test_rule_does_not_find_the_path_without_one_step(rule_id: str, resource: str, statements: list[str],
                                                       warehouse: Path) -> None:
    assert resource in findings(warehouse, rule_id)
    copy = warehouse.with_name("missing-step.duckdb")
    shutil.copy(warehouse, copy)
    assert resource not in findings(copy, rule_id, *statements)


def test_compliant_examples_are_checked_and_not_found(warehouse: Path) -> None:
    for rule_id, example in EXAMPLES.items():
        assert not set(findings(warehouse, rule_id)) & set(example["compliant"]), rule_id
