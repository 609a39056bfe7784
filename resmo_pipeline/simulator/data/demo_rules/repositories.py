"""Demo examples of the rules on repositories, branches, branch policies, pull requests, Advanced Security, feeds,
extensions and service hooks.

`populate` adds what these rules need to the demo organization: a repository data-contracts (Data Platform) with
its own non-inheriting permissions and every Advanced Security feature on; force push and edit policies for the
Payments build service on payments-api's main branch (and Contribute for the Contoso Web build service on a
feature branch of contoso-web, which is not checked); Contribute for [Open Source Tools]\\Project Valid Users on
all its repositories; commit author email policies (Payments: *@contoso.com, Open Source Tools: *); work item
linking and merge strategy policies; two pull requests (one properly reviewed, one set to auto-complete
overriding policies); two service hooks (build events to an unknown host, pushes to Teams); a Data Platform feed
readable by Project Collection Valid Users; Legacy Widgets marked unpublished. It uses its own random source
(swapped in for the builder's while it runs), so nothing drawn after it shifts.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import (
    AUTHOR_EMAIL_POLICY_TYPE,
    MERGE_STRATEGY_POLICY_TYPE,
    WORK_ITEM_LINKING_POLICY_TYPE,
)
from resmo_pipeline.simulator.data.demo_rules.lookup import own_random, project, repository, subject
from resmo_pipeline.simulator.data.reviews import APPROVED, NO_VOTE, REJECTED, enablement, pull_request
from resmo_pipeline.simulator.data.service_hooks import _Hooks

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

#: Git Repositories permission bits (security namespace 2e9eb7ed-...).
GENERIC_CONTRIBUTE, FORCE_PUSH, EDIT_POLICIES = 4, 8, 2048

EVERY_LIVE_REPO = ["contoso-web", "web-legacy", "shared-templates", "payments-api", "payments-infra",
                   "data-pipelines", "notebooks", "web-experiments", "oss-cli"]

EXAMPLES: dict[str, dict[str, Any]] = {
    "repo.build_service_permissions": {
        "resource_type": "repositories",
        "violating": EVERY_LIVE_REPO,
        "compliant": ["data-contracts"],
        "note": "The simulator gives each project's build service Contribute, Create branch and Contribute to "
                "pull requests (allow 16502) directly on the first three repositories of every project; "
                "data-contracts (the fourth of Data Platform) has no entry for it. web-archive is disabled.",
    },
    "repo.build_service_branch_permissions": {
        "resource_type": "repositories",
        "violating": ["payments-api"],
        "compliant": ["contoso-web", "data-contracts"],
        "note": "Payments Build Service may force push and edit policies on refs/heads/main of "
                "payments-api; Contoso Web Build Service may contribute to refs/heads/feature/demo of contoso-web, "
                "a branch the rule does not check.",
    },
    "repo.inherited_permissions": {
        "resource_type": "repositories",
        "violating": EVERY_LIVE_REPO,
        "compliant": ["data-contracts"],
        "note": "Only data-contracts has an access control list with inheritPermissions false.",
    },
    "repo.broad_group_permissions": {
        "resource_type": "projects",
        "violating": ["Open Source Tools"],
        "compliant": ["Contoso Web", "Payments", "Data Platform"],
        "note": "[Open Source Tools]\\Project Valid Users is allowed Contribute on all repositories of the project; "
                "Contributors everywhere hold only Read, Contribute, Create branch/tag, Manage notes and "
                "Contribute to pull requests.",
    },
    "repo.author_email_policy": {
        "resource_type": "projects",
        "violating": ["Contoso Web", "Data Platform", "Open Source Tools"],
        "compliant": ["Payments"],
        "note": "Payments validates authors against *@contoso.com; Open Source Tools' policy allows * (anyone); "
                "the other projects have no policy.",
    },
    "repo.default_branch_comment_resolution": {
        "resource_type": "repositories",
        "violating": ["web-legacy", "shared-templates", "payments-api", "payments-infra", "data-pipelines",
                      "notebooks", "web-experiments", "oss-cli", "data-contracts"],
        "compliant": ["contoso-web"],
        "note": "Only contoso-web has a Comment requirements policy on its default branch.",
    },
    "repo.default_branch_work_item_linking": {
        "resource_type": "repositories",
        "violating": ["contoso-web", "web-legacy", "shared-templates", "payments-infra", "data-pipelines",
                      "notebooks", "web-experiments", "oss-cli", "data-contracts"],
        "compliant": ["payments-api"],
        "note": "Only payments-api has a Work item linking policy on its default branch.",
    },
    "repo.default_branch_linear_history": {
        "resource_type": "repositories",
        "violating": ["contoso-web", "web-legacy", "shared-templates", "payments-infra", "data-pipelines",
                      "notebooks", "web-experiments", "oss-cli", "data-contracts"],
        "compliant": ["payments-api"],
        "note": "payments-api allows squash and fast-forward rebase only; web-legacy's merge strategy policy also "
                "allows basic (no fast-forward) merges; the others have none.",
    },
    "ext.install_state": {
        "resource_type": "extensions",
        "violating": ["Legacy Widgets"],
        "compliant": ["Microsoft Security DevOps", "Pipeline Injector", "Code Search"],
        "note": "Legacy Widgets' installState.flags is unpublished (removed from the Marketplace); the others are "
                "none or builtIn. Pipeline Injector is risky for other reasons (ext.risky_extensions).",
    },
    "advsec.secret_protection": {
        "resource_type": "advanced_security",
        "violating": ["web-legacy", "payments-api", "data-pipelines", "web-experiments"],
        "compliant": ["contoso-web", "shared-templates", "payments-infra", "notebooks", "oss-cli",
                      "data-contracts"],
        "note": "The reviews area enables Secret Protection on every other live repository; data-contracts has "
                "everything on.",
    },
    "advsec.push_protection": {
        "resource_type": "advanced_security",
        "violating": ["web-legacy", "shared-templates", "payments-api", "payments-infra", "data-pipelines",
                      "notebooks", "web-experiments", "oss-cli"],
        "compliant": ["contoso-web", "data-contracts"],
        "note": "Only contoso-web and data-contracts block pushes containing secrets; shared-templates, "
                "payments-infra, notebooks and oss-cli scan without blocking.",
    },
    "advsec.dependency_scanning": {
        "resource_type": "advanced_security",
        "violating": ["web-legacy", "shared-templates", "payments-api", "payments-infra", "data-pipelines",
                      "notebooks", "web-experiments", "oss-cli"],
        "compliant": ["contoso-web", "data-contracts"],
    },
    "advsec.code_scanning": {
        "resource_type": "advanced_security",
        "violating": ["web-legacy", "shared-templates", "payments-api", "payments-infra", "data-pipelines",
                      "notebooks", "web-experiments", "oss-cli"],
        "compliant": ["contoso-web", "data-contracts"],
    },
    "pr.policy_bypass": {
        "resource_type": "pull_requests",
        "violating": ["Hotfix: payment timeout"],
        "compliant": ["Approve my own change", "Ledger rounding fix"],
        "note": "Pull request titles. Hotfix: payment timeout was completed with bypassPolicy (reason given).",
    },
    "pr.auto_complete_bypass": {
        "resource_type": "pull_requests",
        "violating": ["Release ledger now"],
        "compliant": ["Add retry policy"],
        "note": "Both are active with auto-complete set; only Release ledger now (payments-api) overrides "
                "policies.",
    },
    "pr.self_approval": {
        "resource_type": "pull_requests",
        "violating": ["Approve my own change", "Tune ledger logging"],
        "compliant": ["Hotfix: payment timeout", "Ledger rounding fix", "Emergency schema change"],
        "note": "Carol approved her own pull request; Tune ledger logging (payments-api, added by the attack "
                "paths area) was approved only by its author Karl; Ledger rounding fix was approved by Frank "
                "Finance.",
    },
    "pr.no_independent_approval": {
        "resource_type": "pull_requests",
        "violating": ["Hotfix: payment timeout", "Approve my own change", "Tune ledger logging"],
        "compliant": ["Ledger rounding fix", "Emergency schema change"],
        "note": "The two completed contoso-web pull requests and Tune ledger logging (payments-api) reached main "
                "with no approving vote from anyone but the author.",
    },
    "pr.completed_despite_rejection": {
        "resource_type": "pull_requests",
        "violating": ["Emergency schema change"],
        "compliant": ["Ledger rounding fix", "Hotfix: payment timeout"],
        "note": "Emergency schema change (payments-api) was approved by Frank Finance and rejected by Rita Release, "
                "then completed; Risky refactor also has a rejection but was abandoned.",
    },
    "hooks.plain_http": {
        "resource_type": "service_hooks",
        "violating": ["webHooks git.push to build.contoso-legacy.example"],
        "compliant": ["slack build.complete to hooks.slack.com",
                      "webHooks git.pullrequest.created to siem.contoso.example"],
    },
    "hooks.basic_auth_over_http": {
        "resource_type": "service_hooks",
        "violating": ["webHooks git.push to build.contoso-legacy.example"],
        "compliant": ["webHooks git.pullrequest.created to siem.contoso.example",
                      "slack build.complete to hooks.slack.com"],
        "note": "The SIEM web hook carries an HTTP header credential, over HTTPS.",
    },
    "hooks.untrusted_target": {
        "resource_type": "service_hooks",
        "violating": ["webHooks build.complete to ci-dashboard.example.net"],
        "compliant": ["slack build.complete to hooks.slack.com",
                      "azureStorageQueue ms.vss-release.deployment-completed-event"],
        "note": "Code events (git.*) are hooks.code_events_external's; the Teams work item hook is disabled.",
    },
    "hooks.code_events_external": {
        "resource_type": "service_hooks",
        "violating": ["webHooks git.push to build.contoso-legacy.example",
                      "webHooks git.pullrequest.created to siem.contoso.example"],
        "compliant": ["teams git.push to contoso.webhook.office.com"],
        "note": "siem.contoso.example is the organization's own SIEM but is not in the default allow list.",
    },
    "hooks.inactive_with_credentials": {
        "resource_type": "service_hooks",
        "violating": ["azureStorageQueue ms.vss-release.deployment-completed-event"],
        "compliant": ["teams workitem.created to contoso.webhook.office.com"],
        "note": "The storage queue hook is onProbation with its account key; the Teams hook is disabledByUser "
                "but holds no credential input.",
    },
    "feeds.retention": {
        "resource_type": "feeds",
        "violating": ["payments-internal", "web-packages"],
        "compliant": ["contoso-shared", "data-models"],
        "note": "payments-internal keeps 5000 versions and 365 days; web-packages has no retention policy.",
    },
    "feeds.org_wide_readers": {
        "resource_type": "feeds",
        "violating": ["data-models"],
        "compliant": ["web-packages", "payments-internal"],
        "note": "data-models (Data Platform, private) grants Project Collection Valid Users the reader role; "
                "contoso-shared is organization-scoped and not checked.",
    },
}














def _branch_token(repo: dict[str, Any], branch: str) -> str:
    """The Git Repositories token of a branch: each segment of its name as UTF-16LE hex."""
    segments = [segment.encode("utf-16-le").hex() for segment in branch.split("/")]
    return f"repoV2/{repo['project']['id']}/{repo['id']}/refs/heads/{'/'.join(segments)}/"



def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    s = b.s
    with own_random(b, "repositories"):
        web, payments, data, oss = (project(b, n) for n in ("Contoso Web", "Payments", "Data Platform",
                                                              "Open Source Tools"))
        data_groups = b.project_groups[data["id"]]

        # A fourth Data Platform repository: no build service entry from build._finish (first three only),
        # its own access control list without inheritance, every Advanced Security feature on.
        contracts = b.repository(data, "data-contracts")
        b.acl("Git Repositories", f"repoV2/{data['id']}/{contracts['id']}",
              [(data_groups["admins"], 65535, 0), (data_groups["contributors"], 16502, 0)], inherit=False)
        enablement(b, contracts, enabled=True, block_pushes=True, code_security=True, dependency_scanning=True,
                   code_ql=True)

        # repo.build_service_branch_permissions
        pay_api = repository(b, "payments-api")
        b.acl("Git Repositories", _branch_token(pay_api, "main"),
              [(b.build_service[payments["id"]], FORCE_PUSH | EDIT_POLICIES, 0)])
        b.acl("Git Repositories", _branch_token(repository(b, "contoso-web"), "feature/demo"),
              [(b.build_service[web["id"]], GENERIC_CONTRIBUTE, 0)])

        # repo.broad_group_permissions
        b.add_aces("Git Repositories", f"repoV2/{oss['id']}",
                      [(b.project_groups[oss["id"]]["valid"], GENERIC_CONTRIBUTE, 0)])

        # repo.author_email_policy, repo.default_branch_work_item_linking
        b.policy(payments, AUTHOR_EMAIL_POLICY_TYPE,
                 {"authorEmailPatterns": [f"*@{s.organization}.com"], "scope": [{"repositoryId": None}]})
        b.policy(oss, AUTHOR_EMAIL_POLICY_TYPE, {"authorEmailPatterns": ["*"], "scope": [{"repositoryId": None}]})
        b.policy(payments, WORK_ITEM_LINKING_POLICY_TYPE, {"scope": [b._scope(pay_api)]})
        # repo.default_branch_linear_history: payments-api squash or rebase only; web-legacy also basic merges
        b.policy(payments, MERGE_STRATEGY_POLICY_TYPE, {"allowSquash": True, "allowNoFastForward": False,
                                                        "allowRebase": True, "allowRebaseMerge": False,
                                                        "scope": [b._scope(pay_api)]})
        b.policy(web, MERGE_STRATEGY_POLICY_TYPE, {"allowSquash": True, "allowNoFastForward": True,
                                                   "allowRebase": False, "allowRebaseMerge": False,
                                                   "scope": [b._scope(repository(b, "web-legacy"))]})

        # ext.install_state: Legacy Widgets has been taken off the Marketplace
        widgets = next(e for e in s.extensions if e["extensionName"] == "Legacy Widgets")
        widgets["installState"]["flags"] = "unpublished"

        # pull requests
        frank, olivia, rita = (subject(b, n) for n in ("Frank Finance", "Olivia Sec", "Rita Release"))
        pull_request(b, pay_api, rita, status="completed", created_days=4, closed_days=3, closed_by=rita,
                     reviewers=[(frank, APPROVED, True), (olivia, NO_VOTE, False)], title="Ledger rounding fix")
        pull_request(b, pay_api, frank, status="active", created_days=1, auto_complete_by=frank,
                     reviewers=[(olivia, NO_VOTE, False)], bypass_reason="Release deadline",
                     title="Release ledger now")
        pull_request(b, pay_api, olivia, status="completed", created_days=6, closed_days=5, closed_by=olivia,
                     reviewers=[(frank, APPROVED, False), (rita, REJECTED, False)], title="Emergency schema change")

        # service hooks (their own random source: subscription ids must not repeat the area's)
        hooks = _Hooks(b)
        hooks.rng = random.Random(f"repositories-hooks:{s.organization.lower()}:{s.seed}")
        hooks.subscription(consumer="webHooks", action="httpRequest", event="build.complete", project=web,
                           inputs={"url": "https://ci-dashboard.example.net/hooks/azdo",
                                   "resourceDetailsToSend": "minimal"},
                           action_description="To host ci-dashboard.example.net", age_days=60)
        hooks.subscription(consumer="teams", action="postMessageToChannel", event="git.push", project=web,
                           inputs={"url": "https://contoso.webhook.office.com/webhookb2/DemoRulesPath/IncomingWebhook/x"},
                           action_description="Post a message to Microsoft Teams", creator=1, age_days=45)

        # feeds.org_wide_readers (with a retention policy within the limits)
        models = b.feed(data, "data-models", [("administrator", data_groups["admins"]), ("reader", b.pcvu)],
                        upstream=False)
        s.feed_retention_policies[models["id"]] = {"ageLimitInDays": None, "countLimit": 50,
                                                   "daysToKeepRecentlyDownloadedPackages": 30}
