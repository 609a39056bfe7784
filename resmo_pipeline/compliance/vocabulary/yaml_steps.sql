-- Shared SQL for rules on pipeline YAML files (azure_devops.pipeline_yaml_elements): one finding per pipeline,
-- which pipelines run pull-request code, where each job runs, and which values look like secrets.

-- yaml_pipeline_findings(hits): one finding row per YAML pipeline from hits, the name of a CTE (or table) of
-- pipeline_yaml_elements rows that violate a rule, each with a `detail` column (text describing that
-- element, e.g. its location). Returns organization, resource_id (project_id/definition_id), resource_name
-- (the pipeline), project_name, resource_type (build_definitions), id (the definition id), file_path, line
-- (the first offending line), url (that line in the repository, repository_file_url) and details (the list of
-- detail texts in file order) for the rule's message.
-- Source: pipeline_yaml_elements (catalog/pipeline_yaml.py): every element carries its file, line and pipeline.
CREATE OR REPLACE TEMP MACRO yaml_pipeline_findings(hits) AS TABLE
    SELECT organization,
           project_id || '/' || CAST(definition_id AS VARCHAR) AS resource_id,
           definition_name AS resource_name,
           project_name,
           'build_definitions' AS resource_type,
           definition_id AS id,
           file_path,
           min(line) AS line,
           repository_file_url(organization, project_name, repository_name, file_path, min(line)) AS url,
           list(detail ORDER BY line, detail) AS details
    FROM query_table(hits)
    GROUP BY organization, project_id, project_name, definition_id, definition_name, repository_name, file_path;

-- yaml_pr_pipelines(): the build definitions that run for pull requests, one row per (project_id,
-- definition_id) with `how` (the reasons, e.g. "build validation policy"). A pipeline runs the pull request's
-- code (its YAML, scripts and build files as changed in the pull request) when an enabled branch policy of
-- type Build (0609b952-1397-4640-95ec-e00a01b2c241, required or optional, automatic or manual) names it, or
-- when the definition has a pullRequest trigger (GitHub and Bitbucket repositories). A YAML `pr:` block is not
-- used: for Azure Repos Git it is ignored, only build validation policies queue pull-request runs.
-- Source: learn.microsoft.com/azure/devops/pipelines/repos/azure-repos-git#pr-triggers and
--         learn.microsoft.com/azure/devops/repos/git/branch-policies#build-validation.
CREATE OR REPLACE TEMP MACRO yaml_pr_pipelines() AS TABLE
    SELECT project_id, definition_id, string_agg(DISTINCT how, ' and ' ORDER BY how) AS how
    FROM (
        SELECT p.project_id, p.build_definition_id AS definition_id, 'build validation policy' AS how
        FROM azure_devops.policy_configurations AS p
        WHERE p.type_id = '0609b952-1397-4640-95ec-e00a01b2c241'
          AND p.is_enabled AND NOT coalesce(p.deleted, FALSE)
          AND p.build_definition_id IS NOT NULL
        UNION ALL
        SELECT d.project_id, d.id, 'pull request trigger'
        FROM azure_devops.build_definitions AS d, unnest(CAST(d.triggers AS JSON[])) AS t(trigger)
        WHERE t.trigger ->> 'triggerType' = 'pullRequest'
    )
    GROUP BY project_id, definition_id;

-- yaml_jobs(): every job of every YAML pipeline with the pool it runs on: the pipeline_yaml_elements job
-- rows (job and deployment jobs, kind = 'job'), plus one implicit job (job NULL, at line 1) for a pipeline
-- whose file has top-level `steps:` (a steps-only pipeline); jobs that templates add are not known. The pool is the job's own or its stage's
-- (pool_name / vm_image of the job row), else the pipeline's top-level `pool:`, else the definition's default
-- agent pool for YAML (build_definitions.queue). Columns: the context of the element (organization,
-- project_id, project_name, definition_id, definition_name, repository_name, file_path, line, location, stage,
-- job, value = job/deployment, environment, clean = workspace.clean), pool (how to name it in messages) and
-- self_hosted: FALSE for a vmImage without a pool name or a pool whose queue is Microsoft-hosted, TRUE for a
-- queue of a self-hosted pool, NULL when unknown (an expression, `pool: server`, a pool the project has no
-- queue for, or a job without a pool handed to a template, whose pool the template may set).
-- Source: learn.microsoft.com/azure/devops/pipelines/yaml-schema/pool (a job's pool overrides the stage's and
--         the pipeline's) and learn.microsoft.com/azure/devops/pipelines/agents/pools-queues.
CREATE OR REPLACE TEMP MACRO yaml_jobs() AS TABLE
    WITH jobs AS (
        SELECT organization, project_id, project_name, definition_id, definition_name, repository_name,
               file_path, line, location, stage, job, value, environment, clean, pool_name, vm_image,
               starts_with(yaml_path, 'extends') OR contains(yaml_path, '.parameters') AS templated
        FROM azure_devops.pipeline_yaml_elements
        WHERE kind = 'job'
        UNION ALL
        SELECT DISTINCT organization, project_id, project_name, definition_id, definition_name, repository_name,
               file_path, 1, ltrim(file_path, '/') || ':1', NULL, NULL, 'job', NULL, NULL, NULL, NULL, FALSE
        FROM azure_devops.pipeline_yaml_elements
        WHERE kind IN ('script', 'task', 'checkout', 'template') AND starts_with(yaml_path, 'steps[')
    ), pooled AS (
        SELECT j.* EXCLUDE (pool_name, vm_image),
               CASE WHEN j.pool_name IS NOT NULL OR j.vm_image IS NOT NULL THEN j.pool_name ELSE r.pool_name END
                   AS pool_name,
               CASE WHEN j.pool_name IS NOT NULL OR j.vm_image IS NOT NULL THEN j.vm_image ELSE r.vm_image END
                   AS vm_image
        FROM jobs AS j
        LEFT JOIN azure_devops.pipeline_yaml_elements AS r
            ON r.project_id = j.project_id AND r.definition_id = j.definition_id
           AND r.kind = 'pool' AND r.yaml_path = 'pool'
    )
    SELECT p.* EXCLUDE (pool_name, vm_image, templated),
           coalesce(p.pool_name, p.vm_image, d.queue_name) AS pool,
           CASE WHEN p.pool_name IS NULL AND p.vm_image IS NOT NULL THEN FALSE
                WHEN p.pool_name IS NULL AND p.templated THEN NULL
                WHEN p.pool_name IS NULL THEN NOT d.pool_is_hosted
                ELSE NOT q.pool_is_hosted END AS self_hosted
    FROM pooled AS p
    LEFT JOIN azure_devops.build_definitions AS d ON d.project_id = p.project_id AND d.id = p.definition_id
    LEFT JOIN azure_devops.agent_queues AS q
        ON q.project_id = p.project_id AND lower(q.name) = lower(p.pool_name);

-- yaml_job_label(job): how a step's job is named in messages: `job "x"`, or "the pipeline's job" for the
-- implicit job of a steps-only pipeline.
CREATE OR REPLACE TEMP MACRO yaml_job_label(job) AS
    CASE WHEN job IS NULL THEN 'the pipeline''s job' ELSE 'job "' || job || '"' END;

-- secret_name_pattern(): the regular expression of variable names that say the value is a credential
-- (password, secret, token, api key, access key, private key, connection string, credential, PAT). The same
-- pattern as secrets.plaintext's default secret_name_pattern (which could use this macro instead).
-- Source: learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables (never put secrets in YAML).
CREATE OR REPLACE TEMP MACRO secret_name_pattern() AS
    '(?i)(password|passwd|pwd|secret|token|apikey|api_key|accesskey|access_key|privatekey|private_key|connectionstring|credential|(^|_)pat$)';

-- secret_value_pattern(): the regular expression of values in a known key or token format: Azure Storage and
-- Service Bus connection strings with their key, password=, GitHub tokens, AWS access key ids, private keys,
-- Slack tokens, JWTs and 52-character Azure DevOps personal access tokens. The same pattern as
-- secrets.plaintext's default secret_value_pattern. Source: the token formats GitHub, AWS, Slack and Azure
-- DevOps document for their secret scanning partners.
CREATE OR REPLACE TEMP MACRO secret_value_pattern() AS
    '(AccountKey=|SharedAccessKey=|(?i:password=)|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|xox[baprs]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}|^[a-z2-7]{52}$)';

-- looks_like_plaintext_secret(name, value): a variable written in plain text holds what looks like a credential:
-- its value has a known key or token format (secret_value_pattern), or its name is credential-like
-- (secret_name_pattern) and its value is shaped like a secret: at least 12 characters without spaces, letters
-- mixed with digits, and no URL (so `secretName: app-kv-secret`, `tokenUrl: https://...` or
-- `passwordLength: 16` are not secrets). Empty values and values that are only a reference ($(other),
-- $[ expression ], ${{ expression }}) are not secrets themselves.
CREATE OR REPLACE TEMP MACRO looks_like_plaintext_secret(name, value) AS
    nullif(trim(coalesce(value, '')), '') IS NOT NULL
    AND NOT regexp_matches(trim(value), '^(\$\([^)]*\)|\$\[.*\]|\$\{\{.*\}\})$')
    AND (regexp_matches(value, secret_value_pattern())
         OR (regexp_matches(coalesce(name, ''), secret_name_pattern())
             AND length(trim(value)) >= 12 AND NOT regexp_matches(trim(value), '\s|://')
             AND regexp_matches(value, '[A-Za-z]') AND regexp_matches(value, '[0-9]')));
