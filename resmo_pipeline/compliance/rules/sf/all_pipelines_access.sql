/*
id: sf.all_pipelines_access
title: Secure file is authorized for all pipelines
severity: high
resource_type: secure_files
description: A secure file (signing certificate, provisioning profile, key) is open to every pipeline of a project.
rationale: >
  Secure files are usually signing material; any pipeline that can download one can sign code as the
  organization or leak the key.
remediation: >
  Pipelines > Library > Secure files > the file > Pipeline permissions: turn off open access and authorize
  only the pipelines that need it.
anchors:
  adoscanner: [ADO_SecureFile_AuthZ_Dont_Grant_All_Pipelines_Access]
  defender: ["DfC DevOps #8: Azure DevOps secure files should not grant access to all pipelines"]
  owasp: [CICD-SEC-5]
requires: [secure_files, pipeline_permissions]
*/
SELECT
    sf.organization,
    sf.resource_id,
    sf.name AS resource_name,
    sf.project_name,
    sf.id,
    'Secure file "' || sf.name || '" is authorized for all pipelines in ' || coalesce(sf.project_name, sf.project_id)
        AS message
FROM azure_devops.secure_files AS sf
JOIN open_to_all_pipelines(['securefile']) AS pp
    ON pp.resource_id_ref = sf.id
   AND pp.project_id = sf.project_id
