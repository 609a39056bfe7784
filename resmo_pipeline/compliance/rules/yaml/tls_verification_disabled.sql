/*
id: yaml.tls_verification_disabled
title: Pipeline turns off TLS certificate checks
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline turns off TLS certificate verification for the tools it downloads or talks to: in a script
  (`curl -k` / `--insecure`, `wget --no-check-certificate`, `git -c http.sslVerify=false`,
  `npm config set strict-ssl false`, `pip --trusted-host`, PowerShell `-SkipCertificateCheck` or a
  ServerCertificateValidationCallback that accepts every certificate), or by setting NODE_TLS_REJECT_UNAUTHORIZED=0,
  GIT_SSL_NO_VERIFY or PYTHONHTTPSVERIFY=0 as a YAML variable or in a step's env.
rationale: >
  Without certificate checks anyone on the network path (a proxy, a compromised DNS resolver, a machine next
  to a self-hosted agent) can serve other packages, sources or scripts to the build, or read the credentials
  it sends, and the pipeline notices nothing (OWASP CICD-SEC-3, dependency chain abuse).
  Source: owasp.org/www-project-top-10-ci-cd-security-risks and the tools' own documentation of these flags.
remediation: >
  Remove the flag or variable. If a server uses a private certificate authority, install that CA on the agent
  (or pass it with --cacert / NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE / git http.sslCAInfo) instead of turning
  verification off.
anchors:
  owasp: [CICD-SEC-3]
params:
  insecure_script_pattern: '(?i)(\bcurl\b[^\n]*\s((?-i:-[a-zA-Z]*k[a-zA-Z]*)|--insecure)(\s|$)|\bwget\b[^\n]*--no-check-certificate|http\.sslverify[= ]+["'']?false|strict-ssl[= ]+["'']?false|--trusted-host\b|-SkipCertificateCheck\b|ServerCertificateValidationCallback\s*=\s*\{\s*\$true\s*\}|(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)\s*=\s*["'']?0|GIT_SSL_NO_VERIFY\s*=\s*["'']?(1|true))'
  insecure_variable_pattern: '(?i)^(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)=0$|^GIT_SSL_NO_VERIFY=(1|true)$'
requires: [pipeline_yaml_elements]
*/
WITH settings AS (
    SELECT e.*, e.name AS setting, e.value AS setting_value
    FROM azure_devops.pipeline_yaml_elements AS e
    WHERE e.kind = 'variable'
    UNION ALL
    SELECT e.*, v.key, v.value ->> '$'
    FROM azure_devops.pipeline_yaml_elements AS e, json_each(e.env) AS v
    WHERE e.kind IN ('script', 'task')
), hits AS (
    SELECT * EXCLUDE (setting, setting_value), location || ' (' || setting || ': ' || setting_value || ')' AS detail
    FROM settings
    WHERE regexp_matches(setting || '=' || trim(coalesce(setting_value, ''), ' "'''), $insecure_variable_pattern)
    UNION ALL
    SELECT *, location || ' (' || trim(regexp_extract(value, $insecure_script_pattern, 0)) || ')'
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'script'
      AND regexp_matches(coalesce(value, ''), $insecure_script_pattern)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" turns off TLS certificate verification at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
