/*
id: advsec.push_protection
title: Pushes containing secrets are not blocked
severity: high
resource_type: advanced_security
description: >
  An active repository does not block pushes that contain secrets: Advanced Security push protection
  (secretProtectionFeatures.blockPushes) is off, either because Secret Protection is off or because only
  scanning is on, and no enabled "Check for credentials and other secrets" repository policy (type
  $credential_policy_type_id) covers it. That policy is the one the ADO Security Scanner controls read; it
  exists only where Microsoft's internal credential scanner was integrated, and Advanced Security push
  protection is the generally available way to block secrets at push time. Source:
  learn.microsoft.com/azure/devops/repos/security/github-advanced-security-secret-scanning#push-protection
rationale: >
  Scanning after the push leaves the secret in the repository's history and in every clone until it is
  rotated; push protection rejects the push before the secret lands.
remediation: >
  Project settings > Repositories > the repository > Settings > Advanced Security: turn on Secret Protection
  with "Block pushes containing secrets" (push protection).
anchors:
  adoscanner:
    - ADO_Repository_DP_Enable_Credentials_And_Secrets_Policy
    - ADO_Project_DP_Enable_Credentials_And_Secrets_Policy
  psrule: [Azure.DevOps.Repos.GitHubAdvancedSecurityBlockPushes]
  cis: ["1.5.1"]
  owasp: [CICD-SEC-6]
params:
  credential_policy_type_id: e67ae10f-cf9a-40bc-8e66-6b3a8216956e
requires: [repositories, advanced_security, policy_configurations]
*/
SELECT a.organization, a.resource_id, a.resource_name, a.project_name, a.id, a.url,
       'Repository "' || a.repository_name || '" does not block pushes containing secrets ('
           || CASE WHEN coalesce(a.secret_protection_enabled, FALSE)
                   THEN 'Secret Protection scans but push protection is off' ELSE 'Secret Protection is off' END
           || ')' AS message
FROM advanced_security_findings() AS a
WHERE NOT coalesce(a.block_pushes, FALSE)
  AND NOT EXISTS (
      SELECT 1 FROM azure_devops.policy_configurations AS p, unnest(CAST(p.scope AS JSON[])) AS s(entry)
      WHERE p.type_id = $credential_policy_type_id AND p.is_enabled AND NOT coalesce(p.deleted, FALSE)
        AND p.project_id = a.project_id
        AND coalesce(s.entry ->> 'repositoryId', a.repository_id) = a.repository_id
  )
