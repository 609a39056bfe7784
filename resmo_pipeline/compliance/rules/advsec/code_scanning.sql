/*
id: advsec.code_scanning
title: Repository has no Advanced Security code scanning
severity: medium
resource_type: advanced_security
description: >
  An active repository does not have CodeQL code scanning (default setup) turned on
  (codeSecurityFeatures.codeQLEnabled false), so vulnerabilities in its own code (injection, unsafe
  deserialization, ...) are not reported. A pipeline may still run the CodeQL tasks itself; this rule sees only
  the repository setting. Source:
  learn.microsoft.com/azure/devops/repos/security/github-advanced-security-code-scanning and REST Advanced
  Security Management - Repository Enablement.
rationale: >
  Static analysis on every change catches common vulnerability classes before they are released.
remediation: >
  Project settings > Repositories > the repository > Settings: turn on Code Security and "CodeQL" default
  setup, or add the AdvancedSecurity-Codeql-Init / Analyze tasks to a pipeline.
anchors:
  cis: ["1.5.3"]
  owasp: [CICD-SEC-4]
params: {}
requires: [repositories, advanced_security]
*/
SELECT organization, resource_id, resource_name, project_name, id, url,
       'CodeQL code scanning is off for repository "' || repository_name || '"' || code_security_note AS message
FROM advanced_security_findings()
WHERE NOT coalesce(code_ql_enabled, FALSE)
