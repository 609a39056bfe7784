/*
id: path.secret_group_yaml_push
title: "Secrets of a variable group reach a pipeline whose YAML non-administrators can push"
severity: high
resource_type: variable_groups
description: >
  A variable group holds secrets (secret variables, or it is linked to a Key Vault) and has no Approval, Branch
  control or Required template check → a YAML pipeline may use it (the group is open to all pipelines of the
  project, or the pipeline is authorized) → the pipeline's YAML file lives in an Azure Repos repository where a
  person or group that is not an administrator can put commits on the default branch (Contribute allowed with no
  branch policy, or a policy bypass, as in path_branch_pushers). The message names, per group, the pipelines and
  who can push their YAML. At most $max_named pipelines are named.
rationale: >
  The YAML file on the default branch decides what scheduled, manual and CI runs do: whoever can push it can add a
  step that prints or sends the group's secrets, with no review and no check in the way. Sources:
  learn.microsoft.com/azure/devops/pipelines/library/variable-groups (security, pipeline permissions),
  learn.microsoft.com/azure/devops/pipelines/security/resources,
  learn.microsoft.com/azure/devops/pipelines/security/repos.
remediation: >
  Protect the default branch of the pipeline's repository with a pull-request policy (and remove "Bypass policies"
  from non-administrators), add Branch control or an Approval to the variable group (Pipelines > Library > the
  group > Approvals and checks), and authorize only the pipelines that need it.
anchors:
  adoscanner: [ADO_VariableGroup_AuthZ_Enable_Branch_Control]
  owasp: [CICD-SEC-1, CICD-SEC-6]
params:
  max_named: 5
requires: [variable_groups, pipeline_permissions, check_configurations, build_definitions, repositories, branches,
           access_control_lists, security_namespaces, effective_group_memberships, groups,
           policy_configurations, service_connections]
*/
WITH pushers AS (
    SELECT pu.repository_id, pu.repository_name, pu.ref_name,
           path_capped_list(list(pu.subject_name || ' can ' || pu.how || ' ' || path_short_ref(pu.ref_name)),
                            $max_named, '; ') AS names
    FROM path_branch_pushers() AS pu
    JOIN azure_devops.repositories AS r ON r.id = pu.repository_id AND r.default_branch = pu.ref_name
    WHERE path_is_human_subject(pu.subject)
    GROUP BY ALL
), steps AS (
    SELECT s.resource_id_ref,
           'pipeline ' || d.name || ' may use it (' || s.access || ')' AS use_step,
           'its YAML ' || coalesce(d.yaml_filename, '?') || ' is in ' || p.repository_name || ', where ' || p.names
               AS push_step
    FROM path_pipeline_secrets() AS s
    JOIN azure_devops.build_definitions AS d ON d.project_id = s.project_id AND d.id = s.definition_id
    JOIN pushers AS p ON p.repository_id = d.repository_id
    WHERE s.resource_type = 'variablegroup' AND coalesce(d.process_type, 2) = 2
      AND NOT s.has_approval AND NOT s.has_branch_control AND NOT s.has_required_template
)
SELECT
    vg.organization, vg.resource_id, vg.name AS resource_name, vg.project_name, vg.id,
    'Variable group ' || vg.name || ' holds '
        || CASE WHEN vg.type = 'AzureKeyVault' THEN 'Key Vault secrets'
                ELSE 'secret variables (' || vg.secret_variable_count || ')' END
        || ' with no approval, branch control or required template check → '
        || path_capped_list(list(st.use_step || ' → ' || st.push_step), $max_named, '; ') AS message
FROM steps AS st
JOIN azure_devops.variable_groups AS vg ON CAST(vg.id AS VARCHAR) = st.resource_id_ref
GROUP BY vg.organization, vg.resource_id, vg.name, vg.project_name, vg.id, vg.type, vg.secret_variable_count
