/*
id: ext.install_state
title: Installed extension was unpublished from the Marketplace or cannot be updated
severity: medium
resource_type: extensions
description: >
  An installed, enabled extension's install state (installState.flags) has one of $problem_flags:
  unpublished (the publisher or Microsoft removed it from the Marketplace), autoUpgradeError or
  versionCheckError (new versions are not being installed), error, or needsReauthorization (a new version asks
  for more scopes than were granted and waits for an administrator). Source: ExtensionStateFlags
  (learn.microsoft.com/javascript/api/azure-devops-extension-api/extensionstateflags) and REST Installed
  Extensions - List (InstalledExtension.installState.flags).
rationale: >
  An extension taken off the Marketplace keeps running with the scopes it was granted but no longer gets
  fixes, and removals are sometimes how malicious extensions are handled; one that cannot upgrade misses
  security fixes; a re-authorization request is a scope increase that should be reviewed, not clicked through.
remediation: >
  Organization settings > Extensions: uninstall unpublished extensions; for upgrade errors, update or reinstall
  the extension; review the new scopes before authorizing an extension that asks for re-authorization.
anchors:
  adoscanner: [ADO_Organization_SI_Review_Installed_Extensions]
  owasp: [CICD-SEC-8]
params:
  problem_flags: [unpublished, autoUpgradeError, versionCheckError, error, needsReauthorization]
requires: [extensions]
*/
WITH states AS (
    SELECT *,
           list_filter([trim(f) FOR f IN string_split(coalesce(install_state_flags, ''), ',')],
                       lambda f: list_contains([lower(p) FOR p IN $problem_flags], lower(f))) AS problems
    FROM azure_devops.extensions
    WHERE NOT coalesce(is_disabled, FALSE)
)
SELECT
    organization,
    resource_id,
    coalesce(extension_name, extension_id) AS resource_name,
    'Extension "' || coalesce(extension_name, extension_id) || '" (' || publisher_id || '.' || extension_id
        || ', version ' || coalesce(version, '?') || ') is in state ' || array_to_string(problems, ', ') AS message
FROM states
WHERE len(problems) > 0
