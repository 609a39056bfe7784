/*
id: sc.prod_approval
title: Production service connection has no Approval check
severity: medium
resource_type: service_connections
description: >
  A service connection whose name looks like production (contains prod, production or prd as a word:
  parameter production_pattern) has no enabled Approval check, so no person confirms a run before it uses
  the connection. Branch control and Required template checks are protected_resource.checks's. Source:
  learn.microsoft.com/azure/devops/pipelines/process/approvals (approvals on service connections); PSRule
  Azure.DevOps.ServiceConnections.ProductionHumanApproval.
rationale: >
  Branch control limits which code can reach production credentials, but only an approval puts a human
  decision before each use; without it a merged change deploys (or exfiltrates) immediately.
remediation: >
  Project settings > Service connections > the connection > Approvals and checks > Approvals: add named
  approvers or a small dedicated group, and keep "Allow approvers to approve their own runs" off.
anchors:
  psrule: [Azure.DevOps.ServiceConnections.ProductionHumanApproval]
  owasp: [CICD-SEC-1]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
requires: [service_connections, check_configurations]
*/
SELECT sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
       'Production service connection "' || sc.name || '" has no Approval check' AS message
FROM azure_devops.service_connections AS sc
WHERE regexp_matches(sc.name, $production_pattern)
  AND NOT EXISTS (SELECT 1 FROM enabled_checks() AS c
                  WHERE c.resource_type = 'endpoint' AND c.resource_id_ref = sc.id AND c.type_name = 'Approval')
