"""Demo examples of the rules on attack paths: chains across several object types (the path.* rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.demo_rules.lookup import subject

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

#: Build namespace bits ViewBuilds 1, QueueBuilds 128, ViewBuildDefinition 1024, EditBuildDefinition 2048.
BUILD_EDIT_AND_QUEUE = 1 | 128 | 1024 | 2048

EXAMPLES: dict[str, dict[str, Any]] = {
    "path.branch_push_ungated_secrets": {
        "resource_type": "build_definitions",
        "violating": ["shared-templates-validate", "oss-cli-ci"],
        "compliant": ["web-ci", "payments-infra-ci", "data-pipelines-ci"],
        "note": "shared-templates-validate: [Contoso Web]\\Contributors may push to main of shared-templates (its "
                "reviewer policy is disabled), the pipeline runs on pushes to main and may use legacy-azure-secret, "
                "prod-secrets and signing-cert.pfx (open to all pipelines, no checks). oss-cli-ci: oss-cli has no "
                "policy and the pipeline is authorized for github-contoso (no checks). Missing step: web-ci and "
                "payments-infra-ci build branches a reviewer policy protects (no one but administrators may bypass "
                "it); data-pipelines-ci may use no credential.",
    },
    "path.branch_queue_ungated_secrets": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "web-legacy-ci", "shared-templates-validate", "web-e2e-tests", "web-pr-bot",
                      "web-hotfix", "web-deploy", "payments-ci", "oss-cli-ci"],
        "compliant": ["data-pipelines-ci", "legacy-nightly", "web-docs-ci"],
        "note": "Contributors may create branches and queue the YAML pipelines of their project; the Contoso Web "
                "pipelines may use legacy-azure-secret, prod-secrets and signing-cert.pfx, payments-ci "
                "payments-azure-wif and oss-cli-ci github-contoso, none with a check. Missing step: "
                "data-pipelines-ci may use no credential, legacy-nightly is classic (its steps are not in a "
                "branch), web-docs-ci's YAML is on GitHub.",
    },
    "path.pipeline_edit_secrets": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "web-legacy-ci", "shared-templates-validate", "payments-ci", "legacy-nightly",
                      "oss-cli-ci"],
        "compliant": ["data-pipelines-ci", "web-docs-ci"],
        "note": "Contributors may edit the Contoso Web and Payments pipelines and push to their repositories; Karl "
                "Dev may edit legacy-nightly (classic, authorized for classic-azure-subscription) and Judy Dev "
                "oss-cli-ci (authorized for github-contoso) through user entries. None of those credentials has an "
                "approval. Missing step: data-pipelines-ci may use no credential; web-docs-ci's YAML is on GitHub, "
                "where write access is not known.",
    },
    "path.fork_self_hosted_secrets": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["oss-cli-ci", "payments-ci"],
        "note": "web-ci builds forks on self-hosted-linux, where legacy-nightly (Data Platform) may use "
                "classic-azure-subscription without checks (fork builds get no secrets of their own: the "
                "organization enforces enforceNoAccessToSecretsFromForks). Missing step: oss-cli-ci builds forks "
                "on the hosted pool; payments-ci does not build forks.",
    },
    "path.sc_wide_ungated": {
        "resource_type": "service_connections",
        "violating": ["legacy-azure-secret"],
        "compliant": ["data-azure-mg", "prod-azure-wif", "payments-azure-wif"],
        "note": "legacy-azure-secret: whole subscription, no checks, open to all Contoso Web pipelines. Missing "
                "step: data-azure-mg (management group, no checks) is open to no pipeline and authorizes none; "
                "prod-azure-wif and payments-azure-wif are scoped to a resource group.",
    },
    "path.pipeline_token_poisoning": {
        "resource_type": "build_definitions",
        "violating": ["shared-templates-validate"],
        "compliant": ["payments-ci", "payments-infra-ci", "data-pipelines-ci"],
        "note": "The Contoso Web build service may push to main of shared-templates, which web-legacy-ci's YAML "
                "references (the organization limits job tokens to referenced repositories); pushes to main "
                "trigger shared-templates-validate with ungated credentials. Missing step: the Payments and Data "
                "Platform build services cannot push to the protected branches their pipelines run on.",
    },
    "path.agent_pool_shared_with_production": {
        "resource_type": "agent_pools",
        "violating": ["self-hosted-linux"],
        "compliant": ["Azure Pipelines"],
        "note": "Karl Dev can edit legacy-nightly, which runs on self-hosted-linux, the pool web-ci deploys to "
                "environment production from. Missing step: Azure Pipelines is Microsoft-hosted.",
    },
    "path.pipeline_queue_variables_credentials": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["web-legacy-ci", "payments-ci", "oss-cli-ci"],
        "note": "The organization limits queue-time variables, but web-ci marks deployUrl settable at queue time, "
                "Contoso Web Contributors may queue it and it may use legacy-azure-secret (whole subscription, no "
                "approval). Missing step: web-legacy-ci and payments-ci have no settable variable; oss-cli-ci's "
                "github-contoso is neither production nor wide.",
    },
    "path.secret_group_yaml_push": {
        "resource_type": "variable_groups",
        "violating": ["prod-secrets"],
        "compliant": ["payments-prod-kv", "shared-settings"],
        "note": "prod-secrets (open, no checks) reaches shared-templates-validate, whose YAML is in "
                "shared-templates where Contributors may push to main. Missing step: payments-prod-kv has Branch "
                "control and an approval; shared-settings holds no secret.",
    },
    "path.sc_cross_project_reach": {
        "resource_type": "service_connections",
        "violating": ["github-contoso"],
        "compliant": ["prod-azure-wif", "payments-azure-wif"],
        "note": "github-contoso (first listed in Contoso Web) is shared with Open Source Tools, where oss-cli-ci is "
                "authorized for it and Judy Dev can edit oss-cli-ci and push to oss-cli; it has no checks. Missing "
                "step: prod-azure-wif and payments-azure-wif are not shared.",
    },
}


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    s = b.s
    projects = {p["name"]: p for p in s.projects}
    definitions = {d["name"]: d for defs in s.build_definitions.values() for d in defs}
    oss = projects["Open Source Tools"]
    github = next(e for e in s.service_endpoints if e["name"] == "github-contoso")
    # github-contoso is shared into Open Source Tools; there it is authorized for oss-cli-ci.
    b.pipeline_permission(oss, "endpoint", github["id"], github["name"], pipelines=[definitions["oss-cli-ci"]["id"]])
    # legacy-nightly (classic, on the self-hosted pool web-ci builds forks on) is authorized for the classic Azure
    # connection, which has no checks.
    data = projects["Data Platform"]
    classic = next(e for e in s.service_endpoints if e["name"] == "classic-azure-subscription")
    b.pipeline_permission(data, "endpoint", classic["id"], classic["name"],
                          pipelines=[definitions["legacy-nightly"]["id"]])
    # Two people are allowed "Edit build pipeline" on a whole project by a user entry of the project's Build ACL
    # (their Contributors group may only view and queue there): Karl Dev in Data Platform (legacy-nightly runs on
    # the self-hosted pool web-ci deploys to production from) and Judy Dev in Open Source Tools (oss-cli-ci).
    for project_name, display_name in (("Data Platform", "Karl Dev"), ("Open Source Tools", "Judy Dev")):
        b.add_aces("Build", projects[project_name]["id"], [(subject(b, display_name), BUILD_EDIT_AND_QUEUE, 0)])



