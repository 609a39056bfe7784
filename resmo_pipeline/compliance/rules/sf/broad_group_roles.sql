/*
id: sf.broad_group_roles
title: Broad group can use or administer a secure file
severity: high
resource_type: secure_files
description: >
  A broad group ($broad_groups, by name without its "[scope]\" prefix) holds the User or Administrator role
  on a secure file itself (roles inherited from the project's Library default are judged by
  roles.project_library_defaults). Source:
  learn.microsoft.com/azure/devops/pipelines/library/secure-files
  (secure file security roles); broader groups and roles as in the ADO Security Scanner
  (RestrictedBroaderGroupsForSecureFile).
rationale: >
  Secure files hold signing certificates, provisioning profiles and keys; User lets every member of the group
  download the file in a pipeline of their own, Administrator lets them replace it.
remediation: >
  Pipelines > Library > Secure files > the file > Security: remove the broad group or lower it to Reader.
anchors:
  adoscanner: [ADO_SecureFile_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-2, CICD-SEC-6]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
  include_inherited: false
requires: [secure_files, role_assignments]
*/
SELECT sf.organization, sf.resource_id, sf.name AS resource_name, sf.project_name, sf.id,
       'Secure file "' || sf.name || '" can be downloaded or replaced by broad groups: ' || g.grants AS message
FROM azure_devops.secure_files AS sf
JOIN broad_role_grants(['securefile'], $broad_groups, $roles, $include_inherited) AS g ON g.resource_id_ref = sf.id
