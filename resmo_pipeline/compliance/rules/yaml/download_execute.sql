/*
id: yaml.download_execute
title: Scripts run code downloaded at build time without checking it
severity: medium
resource_type: build_definitions
description: >
  A script step or inline task script of a YAML pipeline pipes what it downloads straight into an
  interpreter: `curl ... | bash`, `wget -O- ... | sh`, `bash <(curl ...)`, `sh -c "$(curl ...)"`, or in
  PowerShell `iwr ... | iex`, `Invoke-Expression (Invoke-WebRequest ...)`, `iex ((New-Object
  Net.WebClient).DownloadString(...))`. Downloads saved to a file (and maybe verified) are not flagged.
rationale: >
  The downloaded code runs with the job's access token, secrets and service connections, yet nobody
  reviewed it and no checksum or signature pins it: whoever controls the URL, its DNS or a proxy on the way
  (or a compromised vendor site) runs code in the pipeline. This is the "ungoverned usage of 3rd party
  services / dependency chain abuse" risk (OWASP CICD-SEC-3) and poutine's / OpenSSF's "curl | bash" finding.
  Source: learn.microsoft.com/azure/devops/pipelines/security/misc (use trusted, pinned tools) and
  owasp.org/www-project-top-10-ci-cd-security-risks/CICD-SEC-03-Dependency-Chain-Abuse.
remediation: >
  Install tools from a package feed or a pinned task (e.g. a tool installer task with an explicit version),
  or download the script to a file, verify its SHA-256 against a value committed in the repository
  (`echo "<sha256>  install.sh" | sha256sum -c`), and only then run it.
anchors:
  owasp: [CICD-SEC-3]
params:
  download_execute_pattern: '(?i)((curl|wget)\b[^|\n]*\|\s*(sudo\s+(-\S+\s+)*)?((ba|z|k|da)?sh|python3?|perl|ruby|node|pwsh|powershell)\b|(ba|z)?sh\s+(-c\s+)?["'']?\$\(\s*(curl|wget)\b|(ba|z)?sh\s+<\(\s*(curl|wget)\b|(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^\n]*\|\s*(iex|invoke-expression)\b|(iex|invoke-expression)[\s(]*(iwr|irm|invoke-webrequest|invoke-restmethod|(\(\s*)?new-object\s+(system\.)?net\.webclient\s*\)?\s*\.\s*downloadstring)\b)'
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT *, location || ' (' || trim(regexp_extract(value, $download_execute_pattern, 0)) || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'script'
      AND regexp_matches(coalesce(value, ''), $download_execute_pattern)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" runs downloaded code without verifying it at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
