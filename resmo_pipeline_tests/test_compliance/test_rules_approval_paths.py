"""The attack-path rules on self-approval, releases, feeds, extensions and service hooks (path.approve_*,
path.release_*, path.feed_*, path.ext_*, path.hook_*): each finds its path on the demo organization, names
every step in its message, and finds nothing once a single step of the path is taken away."""

from pathlib import Path

import pytest

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.loader import builtin_rules, empty_warehouse
from resmo_pipeline.compliance.model import RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION

STEP = " → "

#: payments-release releases payments-ci builds of any branch (the demo sets this trigger; the collector
#: reads release triggers only when it expands them, so the tests set it themselves).
ANY_BRANCH_TRIGGER = (
    "UPDATE azure_devops.release_definitions SET triggers = CAST('[{\"artifactAlias\": \"_payments-ci\", "
    "\"triggerConditions\": [], \"triggerType\": \"artifactSource\"}]' AS JSON) WHERE name = 'payments-release'"
)


def _branch_trigger(branch: str) -> str:
    return (
        "UPDATE azure_devops.release_definitions SET triggers = CAST('[{\"artifactAlias\": \"_payments-ci\", "
        f"\"triggerConditions\": [{{\"sourceBranch\": \"{branch}\", \"useBuildDefinitionBranch\": false}}], "
        "\"triggerType\": \"artifactSource\"}]' AS JSON) WHERE name = 'payments-release'"
    )


def _findings(path: Path, rule_id: str, *changes: str) -> tuple[RuleStatus, dict[str, str]]:
    """Apply SQL changes to the demo warehouse, then evaluate one built-in rule: (status, {name: message})."""
    with write_connection(path, publish_after_s=None) as conn:
        for change in changes:
            conn.execute(change)
    with write_connection(path, publish_after_s=None) as conn:
        (result,) = evaluate(conn, [builtin_rules().get(rule_id)], ORGANIZATION, ParameterConfig(), "run-1",
                             suppressions=())
    return result.status, {finding["resource_name"]: finding["message"] for finding in result.findings}


def _assert_steps(message: str, *steps: str) -> None:
    """The message holds every step, in this order, and names at least three steps joined by arrows."""
    assert message.count(STEP) >= 2, message
    position = 0
    for step in steps:
        found = message.find(step, position)
        assert found >= 0, (step, message)
        position = found + len(step)


def _scalar(sql: str) -> object:
    conn = empty_warehouse()
    try:
        return conn.execute(f"SELECT {sql}").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(("minimum", "creator_counts", "expected"),
                         [(2, False, 2), (2, True, 1), (1, True, 0), (None, None, 0), (0, True, 0)])
def test_independent_approvals(minimum: int | None, creator_counts: bool | None, expected: int) -> None:
    assert _scalar(f"independent_approvals({'NULL' if minimum is None else minimum}, "
                   f"{'NULL' if creator_counts is None else creator_counts})") == expected


# ---- pull requests and branch policies ----------------------------------------------------------------------

def test_self_approved_pull_request_that_was_deployed(demo_warehouse: Path) -> None:
    status, found = _findings(demo_warehouse, "path.approve_own_pr_deployed")
    assert status is RuleStatus.FAILED
    assert set(found) == {"Approve my own change"}
    _assert_steps(found["Approve my own change"],
                  'Carol Lead created pull request !2 "Approve my own change" into `main` of contoso-web',
                  "Carol Lead approved it without any other approval",
                  "it completed and pipeline web-ci built its merge commit",
                  "deployed it to environment production")


def test_self_approved_pull_request_without_deployment_is_not_a_path(demo_warehouse: Path) -> None:
    status, found = _findings(
        demo_warehouse, "path.approve_own_pr_deployed",
        "DELETE FROM azure_devops.environment_deployments WHERE owner_id IN ("
        " SELECT r.id FROM azure_devops.pipeline_runs AS r JOIN azure_devops.pull_requests AS p"
        " ON r.source_version = (p.raw ->> '$.lastMergeCommit.commitId') WHERE p.title = 'Approve my own change')",
    )
    assert status is RuleStatus.PASSED and found == {}


def test_pull_request_approved_by_someone_else_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_own_pr_deployed",
                         "UPDATE azure_devops.pull_requests SET approval_count = 1"
                         " WHERE title = 'Approve my own change'")
    assert found == {}


def test_creator_vote_counting_on_a_ci_built_branch(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_creator_vote_counts")
    assert set(found) == {"payments-infra"}
    _assert_steps(found["payments-infra"],
                  'The reviewer policy on `main` of repository "payments-infra" counts the author\'s own approval as '
                  "one of the 2 required",
                  "1 other reviewer and the author suffice",
                  "pipeline payments-infra-ci builds and runs it on every push")


def test_creator_vote_with_a_minimum_of_one_lets_the_author_alone_approve(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_creator_vote_counts",
                         "UPDATE azure_devops.policy_configurations SET minimum_approver_count = 1"
                         " WHERE creator_vote_counts")
    assert "the author alone can approve a change" in found["payments-infra"]


def test_creator_vote_not_counted_or_no_ci_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_creator_vote_counts",
                         "UPDATE azure_devops.policy_configurations SET creator_vote_counts = FALSE")
    assert found == {}


def test_branch_without_ci_pipeline_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_creator_vote_counts",
                         "UPDATE azure_devops.build_definitions SET triggers = CAST('[]' AS JSON)"
                         " WHERE repository_name = 'payments-infra'")
    assert found == {}


# ---- environments and releases -------------------------------------------------------------------------------

def test_environment_requester_can_approve_their_own_deployment(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_env_requester")
    assert set(found) == {"production-data"}
    _assert_steps(found["production-data"],
                  'Environment "production-data" has an Approval check that lets the requester approve their own run',
                  "pipeline data-pipelines-ci deploys to it",
                  "approver Henry Data", "may queue it and then approve the deployment alone")


def test_approver_named_by_identity_id_only_is_resolved(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_env_requester",
                         "UPDATE azure_devops.check_configurations SET approvers = CAST(regexp_replace("
                         "CAST(approvers AS VARCHAR), ',\\s*\"descriptor\":\\s*\"[^\"]*\"', '', 'g') AS JSON)")
    assert set(found) == {"production-data"}


def test_environment_forbidding_self_approval_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_env_requester",
                         "UPDATE azure_devops.check_configurations SET requester_cannot_be_approver = TRUE"
                         " WHERE resource_name = 'production-data'")
    assert found == {}


def test_approver_who_cannot_queue_the_pipeline_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.approve_env_requester",
                         "DELETE FROM azure_devops.effective_group_memberships WHERE member_descriptor IN"
                         " (SELECT descriptor FROM azure_devops.users WHERE display_name = 'Henry Data')")
    assert found == {}


def test_release_creator_can_approve_their_own_release(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_creator_approves")
    assert set(found) == {"data-release"}
    _assert_steps(found["data-release"],
                  'stage "Pre-Prod" lets the release creator approve, one approval being enough',
                  "approver Henry Data", "may create a release of it",
                  'the same person approves its deployment to "Pre-Prod" alone')


def test_release_stage_forbidding_creator_approval_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_creator_approves",
                         "UPDATE azure_devops.release_definitions SET environments = CAST(regexp_replace("
                         "CAST(environments AS VARCHAR), '\"releaseCreatorCanBeApprover\":\\s*true',"
                         " '\"releaseCreatorCanBeApprover\": false', 'g') AS JSON) WHERE name = 'data-release'")
    assert found == {}


def test_continuous_deployment_of_any_branch_to_an_unapproved_production_stage(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_cd_unreviewed", ANY_BRANCH_TRIGGER)
    assert set(found) == {"payments-release"}
    _assert_steps(found["payments-release"],
                  "any contributor can push a branch of payments-api that no review policy covers",
                  "queue pipeline payments-ci on it", "its build triggers a release",
                  'stage "Production" deploys it with no pre-deployment approval')


def test_continuous_deployment_of_an_unreviewed_branch_names_it(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_cd_unreviewed", _branch_trigger("refs/heads/develop"))
    assert "pushes to `develop` of payments-api need no independent review" in found["payments-release"]


def test_continuous_deployment_of_a_reviewed_branch_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_cd_unreviewed", _branch_trigger("refs/heads/main"))
    assert found == {}


def test_continuous_deployment_to_an_approved_production_stage_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(
        demo_warehouse, "path.release_cd_unreviewed",
        "UPDATE azure_devops.release_definitions SET triggers = CAST('[{\"artifactAlias\": \"_web-ci\", "
        "\"triggerConditions\": [], \"triggerType\": \"artifactSource\"}]' AS JSON) WHERE name = 'web-release'",
    )
    assert "web-release" not in found


def test_production_stage_with_a_connection_open_to_all_pipelines(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_open_connection")
    assert set(found) == {"web-release"}
    _assert_steps(found["web-release"],
                  'stage "Prod" deploys with service connection legacy-azure-secret',
                  "legacy-azure-secret is open to all pipelines of Contoso Web",
                  "build pipelines, or a new one, can use it without the stage's approvals")


def test_production_connection_not_open_to_all_pipelines_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.release_open_connection",
                         "UPDATE azure_devops.pipeline_permissions SET all_pipelines_authorized = FALSE"
                         " WHERE resource_name = 'legacy-azure-secret'")
    assert found == {}


# ---- feeds, extensions, service hooks -------------------------------------------------------------------------

def test_feed_where_public_packages_can_shadow_internal_ones(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.feed_upstream_shadowing")
    assert set(found) == {"contoso-shared"}
    _assert_steps(found["contoso-shared"],
                  'Feed "contoso-shared" proxies public upstream npmjs (npm)',
                  "pipeline payments-infra-ci publishes internal npm packages to feed payments-internal, which is "
                  "not an upstream source of it",
                  "pipeline payments-infra-ci restores npm packages from it")


def test_feed_with_the_internal_feed_as_upstream_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(
        demo_warehouse, "path.feed_upstream_shadowing",
        "UPDATE azure_devops.feeds SET upstream_sources = CAST('[{\"name\": \"payments-internal\", \"protocol\": "
        "\"npm\", \"upstreamSourceType\": \"internal\", \"internalUpstreamFeedId\": \"' || (SELECT id FROM "
        "azure_devops.feeds WHERE name = 'payments-internal') || '\"}, {\"name\": \"npmjs\", \"protocol\": \"npm\", "
        "\"upstreamSourceType\": \"public\"}]' AS JSON) WHERE name = 'contoso-shared'",
    )
    assert found == {}


def test_feed_publishing_to_itself_needs_the_protection_off(demo_warehouse: Path) -> None:
    publish_here = ("UPDATE azure_devops.pipeline_yaml_elements SET parameters = CAST(replace(CAST(parameters AS "
                    "VARCHAR), 'Payments/payments-internal', 'contoso-shared') AS JSON) WHERE kind = 'task'")
    assert _findings(demo_warehouse, "path.feed_upstream_shadowing", publish_here)[1] == {}
    _, found = _findings(demo_warehouse, "path.feed_upstream_shadowing",
                         "UPDATE azure_devops.organization_policies SET value = CAST('false' AS JSON),"
                         " effective_value = CAST('false' AS JSON)"
                         " WHERE name = 'Policy.ArtifactsExternalPackageProtectionToken'")
    assert "protection for public package registries is off" in found["contoso-shared"]


def test_third_party_decorator_reaches_every_pipeline_and_its_connections(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.ext_decorator_reach")
    assert set(found) == {"Pipeline Injector"}
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        (pipelines,) = conn.execute("SELECT count(*) FROM azure_devops.build_definitions").fetchone()
    _assert_steps(found["Pipeline Injector"],
                  "sketchy-tools.pipeline-injector, publisher not allow-listed, scopes vso.code_write, "
                  "vso.build_execute",
                  "injects a pipeline decorator", f"it runs in every job of {pipelines} build pipelines",
                  "the build pipelines can use", "legacy-azure-secret")


def test_extension_without_decorator_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.ext_decorator_reach",
                         "UPDATE azure_devops.extensions SET has_pipeline_decorator = FALSE")
    assert found == {}


def test_service_hook_sending_pushes_with_credentials_to_an_external_host(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.hook_external_credentials")
    assert set(found) == {"webHooks git.push to build.contoso-legacy.example"}
    _assert_steps(found["webHooks git.push to build.contoso-legacy.example"],
                  "Service hook webHooks in project Contoso Web sends git.push events",
                  "with stored credentials (basic auth) over plain http to external host build.contoso-legacy.example",
                  "[Contoso Web]\\Project Administrators (Alice Admin, Carol Lead) can edit the subscription")


def test_service_hook_without_credentials_is_not_a_path(demo_warehouse: Path) -> None:
    _, found = _findings(demo_warehouse, "path.hook_external_credentials",
                         "UPDATE azure_devops.service_hooks SET has_secret_inputs = FALSE, has_basic_auth = FALSE")
    assert found == {}
