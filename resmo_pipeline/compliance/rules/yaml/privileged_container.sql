/*
id: yaml.privileged_container
title: Container job or service runs with host-level privileges
severity: high
resource_type: build_definitions
description: >
  A container of a YAML pipeline (resources.containers, a job's container or a service container) is
  started with options that give it the agent host: `--privileged`, a mount of the Docker socket
  (/var/run/docker.sock) or of the host's root, `--pid host` / `--ipc host`, `--cap-add ALL` or
  `SYS_ADMIN`, or seccomp / AppArmor turned off.
rationale: >
  With these options the job's code (including code from a pull request) is no longer contained: through the
  Docker socket or privileged mode it can start containers on the host, read other jobs' workspaces and the
  agent's credentials, and persist on a self-hosted agent. Source:
  learn.microsoft.com/azure/devops/pipelines/process/container-phases (options are passed to docker create)
  and docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities.
remediation: >
  Remove the options; build images with a rootless builder (BuildKit rootless, Kaniko, Buildah) or with the
  Docker@2 task on a Microsoft-hosted agent instead of mounting the host's Docker socket.
anchors:
  owasp: [CICD-SEC-7]
params:
  privileged_options_pattern: '(?i)(--privileged\b|docker\.sock|(-v|--volume|--mount)[= ]+("?type=bind,\s*)?"?(source=)?/:|--(pid|ipc|userns)[= ]+host\b|--cap-add[= ]+(all|sys_admin)\b|(seccomp|apparmor)[=:]unconfined)'
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT *, location || ' (' || coalesce(value, '?') || ': ' || regexp_extract(options, $privileged_options_pattern, 0)
               || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'container'
      AND regexp_matches(coalesce(options, ''), $privileged_options_pattern)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" runs containers with access to the agent host: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
