/*
id: sf.unused
title: Secure file is not used by any pipeline
severity: low
resource_type: secure_files
description: >
  A secure file that no pipeline can be using: it is neither open to all pipelines nor authorized for any
  pipeline (Pipeline permissions, which every YAML pipeline downloading it needs), no build or release
  definition names it (its id or its quoted name appears nowhere in their JSON, which is where a classic
  Download secure file or Install certificate task holds it), and it was not changed for $inactive_days days.
  Source: REST Pipeline Permissions (allPipelines, pipelines[]), Secure Files (modifiedOn), Build and Release
  Definitions; the ADO Security Scanner judges this control from Microsoft-internal usage telemetry.
rationale: >
  Secure files are signing certificates, keys and provisioning profiles; one nobody uses is a credential
  waiting to be downloaded by whoever gets a role on it. Deleting it (and revoking the key) removes the risk.
remediation: >
  Confirm with the owner, then delete the file (Pipelines > Library > Secure files > the file > Delete) and
  revoke or rotate the certificate or key it holds.
anchors:
  adoscanner: [ADO_SecureFile_DP_Review_Inactive_SecureFile]
  owasp: [CICD-SEC-6]
params:
  inactive_days: 180
requires: [secure_files, pipeline_permissions, build_definitions, release_definitions]
*/
WITH definitions AS (
    SELECT project_id, CAST(raw AS VARCHAR) AS body FROM azure_devops.build_definitions
    UNION ALL
    SELECT project_id, CAST(raw AS VARCHAR) FROM azure_devops.release_definitions
)
SELECT sf.organization, sf.resource_id, sf.name AS resource_name, sf.project_name, sf.id,
       'Secure file "' || sf.name || '" is not authorized for or named by any pipeline and was last changed '
           || days_since(coalesce(sf.modified_on, sf.created_on)) || ' days ago' AS message
FROM azure_devops.secure_files AS sf
WHERE older_than_days(coalesce(sf.modified_on, sf.created_on), $inactive_days)
  AND sf.id NOT IN (SELECT resource_id_ref FROM pipeline_authorized_resources(['securefile']))
  AND NOT EXISTS (SELECT 1 FROM definitions AS d
                  WHERE d.project_id = sf.project_id
                    AND (contains(lower(d.body), lower(sf.id)) OR contains(d.body, to_json(sf.name)::VARCHAR)))
