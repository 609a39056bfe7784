/*
id: advsec.secret_protection
title: Repository is not enrolled in Advanced Security Secret Protection
severity: high
resource_type: advanced_security
description: >
  An active repository (not disabled, not empty) has GitHub Advanced Security Secret Protection switched off
  (secretProtectionFeatures.secretProtectionEnabled false in the Advanced Security enablement API), so
  secrets committed to it are neither reported nor blocked. PSRule (Ghas.advSecEnabled) and Defender for Cloud
  ask for Advanced Security to be enabled; since the product was split into Secret Protection and Code
  Security this rule asks for the part that finds credentials (code and dependency scanning are
  advsec.code_scanning and advsec.dependency_scanning). Source:
  learn.microsoft.com/azure/devops/repos/security/configure-github-advanced-security-features and REST
  Advanced Security Management - Repository Enablement (api-version 7.2-preview.3).
rationale: >
  Credentials committed to Git stay in its history and are copied into every clone; secret scanning finds
  them (including in the history) so they can be revoked before they are used.
remediation: >
  Project settings > Repositories > the repository > Settings: turn on "Secret Protection" (Advanced
  Security), or enable it for all repositories of the project or organization; it is billed per active
  committer.
anchors:
  defender: ["DfC DevOps #1: Repositories have GitHub Advanced Security for Azure DevOps enabled"]
  psrule: [Azure.DevOps.Repos.GitHubAdvancedSecurityEnabled]
  maester: [AZDO.1040]
  cis: ["1.5.1"]
  owasp: [CICD-SEC-6]
params: {}
requires: [repositories, advanced_security]
*/
SELECT organization, resource_id, resource_name, project_name, id, url,
       'Repository "' || repository_name || '" is not enrolled in Advanced Security Secret Protection' AS message
FROM advanced_security_findings()
WHERE NOT coalesce(secret_protection_enabled, FALSE)
