/*
id: secrets.plaintext
title: Secret in plain text in a pipeline, variable group or agent capability
severity: high
resource_type: build_definitions
description: >
  A non-secret variable of a build or release definition or of a variable group, or a user capability of
  an agent, holds a value that looks like a credential (a password-like name with a value, a connection
  string with a key, a token or key format).
rationale: >
  Plain-text variables are shown to everyone who can view the pipeline, copied into logs and exported with
  the definition; only secret variables and Key Vault references are masked and access controlled.
remediation: >
  Rotate the credential, then store it as a secret variable (lock icon), in a Key Vault-linked variable group
  or as a secure file; remove it from agent capabilities.
anchors:
  adoscanner:
    - ADO_Build_DP_No_PlainText_Secrets_In_Definition
    - ADO_Release_DP_No_PlainText_Secrets_In_Definition
    - ADO_VariableGroup_DP_No_PlainText_Secrets_In_Variables
    - ADO_AgentPool_DP_No_Secrets_In_Capabilities
  owasp: [CICD-SEC-6]
params:
  secret_name_pattern: '(?i)(password|passwd|pwd|secret|token|apikey|api_key|accesskey|access_key|privatekey|private_key|connectionstring|credential|(^|_)pat$)'
  secret_value_pattern: '(AccountKey=|SharedAccessKey=|(?i:password=)|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|xox[baprs]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}|^[a-z2-7]{52}$)'
requires: [build_definitions, release_definitions, variable_groups, agents]
*/
WITH candidates AS (
    SELECT resource_type, organization, resource_id, name, project_name, id, variable, value, is_secret
    FROM definition_variables()
    UNION ALL
    SELECT 'release_definitions', d.organization, d.resource_id, d.name, d.project_name, CAST(d.id AS VARCHAR),
           (d.stage ->> 'name') || '/' || v.key, v.value ->> 'value', json_flag(v.value, 'isSecret')
    FROM release_stages() AS d, json_each(d.stage -> 'variables') AS v
    UNION ALL
    SELECT 'variable_groups', g.organization, g.resource_id, g.name, g.project_name, CAST(g.id AS VARCHAR),
           v.key, v.value ->> 'value', json_flag(v.value, 'isSecret')
    FROM azure_devops.variable_groups AS g, json_each(g.variables) AS v
    UNION ALL
    SELECT 'agents', a.organization, a.resource_id, a.name, NULL, CAST(a.pool_id AS VARCHAR),
           v.key, v.value ->> '$', FALSE
    FROM azure_devops.agents AS a, json_each(a.user_capabilities) AS v
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    resource_type,
    id,
    CASE resource_type WHEN 'build_definitions' THEN 'Build definition'
                       WHEN 'release_definitions' THEN 'Release definition'
                       WHEN 'variable_groups' THEN 'Variable group'
                       ELSE 'Agent' END
        || ' "' || name || '" holds a secret-looking value in plain text in '
        || string_agg(DISTINCT variable, ', ' ORDER BY variable) AS message
FROM candidates
WHERE NOT is_secret
  AND nullif(trim(value), '') IS NOT NULL
  AND NOT starts_with(trim(value), '$(')
  AND (regexp_matches(variable, $secret_name_pattern) OR regexp_matches(value, $secret_value_pattern))
GROUP BY organization, resource_id, name, project_name, resource_type, id
