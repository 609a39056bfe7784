-- Shared SQL for rules: web links into Azure DevOps (the same links links.py derives in Python).

-- organization_url(organization): the organization's web address, https://dev.azure.com/<organization>.
-- Source: learn.microsoft.com/azure/devops/extend/develop/work-with-urls
CREATE OR REPLACE TEMP MACRO organization_url(organization) AS
    'https://dev.azure.com/' || url_encode(organization);

-- project_url(organization, project_name): a project's web address (its summary page),
-- https://dev.azure.com/<organization>/<project>; NULL when project_name is NULL.
CREATE OR REPLACE TEMP MACRO project_url(organization, project_name) AS
    organization_url(organization) || '/' || url_encode(project_name);

-- repository_file_url(organization, project_name, repository_name, file_path, line): the web address of one
-- line of a file in a Git repository (e.g. the YAML line a finding points to), highlighted in the Files view.
-- Source: the URL Azure Repos itself builds for "Copy link to line" (path, line, lineEnd, column and _a=contents).
CREATE OR REPLACE TEMP MACRO repository_file_url(organization, project_name, repository_name, file_path, line) AS
    project_url(organization, project_name) || '/_git/' || url_encode(repository_name)
        || '?path=' || url_encode(file_path) || '&line=' || line || '&lineEnd=' || line
        || '&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents';
