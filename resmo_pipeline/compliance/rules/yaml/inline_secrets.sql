/*
id: yaml.inline_secrets
title: Secret written in plain text in the pipeline's YAML
severity: high
resource_type: build_definitions
description: >
  A variable defined in a YAML pipeline file (`variables:` of the pipeline, a stage or a job, in the mapping
  or the name/value list form) has a value that looks like a credential (looks_like_plaintext_secret): a
  value in a known key or token format (connection string with a key, GitHub, AWS or Slack token, private key,
  JWT, personal access token), or a password-like name with a secret-shaped literal value (12 or more
  characters, letters and digits, no spaces, not a URL). Values that only reference another variable or an
  expression are not flagged; secrets.plaintext covers variables of the definition itself.
rationale: >
  A YAML file is code: everyone who can read the repository, every fork and clone, and its whole history
  hold the credential, and YAML variables are never masked in logs. Microsoft: never set secret values in
  YAML. Source: learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables.
remediation: >
  Rotate the credential, remove it from the file (and consider purging it from history), and reference it as
  a secret variable, a variable group linked to Azure Key Vault, or a secure file.
anchors:
  adoscanner: [ADO_Build_DP_No_PlainText_Secrets_In_Definition]
  psrule: [Azure.DevOps.Pipelines.Core.NoPlainTextSecrets]
  owasp: [CICD-SEC-6]
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT *, location || ' (' || name || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'variable'
      AND looks_like_plaintext_secret(name, value)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" holds secret-looking values in plain text in its YAML at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
