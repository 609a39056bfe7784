/*
id: advsec.dependency_scanning
title: Repository has no Advanced Security dependency scanning
severity: medium
resource_type: advanced_security
description: >
  An active repository does not have Advanced Security dependency scanning turned on
  (codeSecurityFeatures.dependencyScanningInjectionEnabled false: the scanning task is not injected into its
  pipelines), so vulnerable open-source dependencies are not reported. Source:
  learn.microsoft.com/azure/devops/repos/security/github-advanced-security-dependency-scanning and REST
  Advanced Security Management - Repository Enablement.
rationale: >
  Most code a pipeline ships comes from packages; without dependency scanning known vulnerabilities (CVEs) in
  them reach production unnoticed.
remediation: >
  Project settings > Repositories > the repository > Settings: turn on Code Security and "Dependency scanning"
  (default setup), or add the AdvancedSecurity-Dependency-Scanning task to the build.
anchors:
  cis: ["1.5.4"]
  owasp: [CICD-SEC-3]
params: {}
requires: [repositories, advanced_security]
*/
SELECT organization, resource_id, resource_name, project_name, id, url,
       'Repository "' || repository_name || '" has no Advanced Security dependency scanning' || code_security_note
           AS message
FROM advanced_security_findings()
WHERE NOT coalesce(dependency_scanning_enabled, FALSE)
