-- Shared SQL for rules: web links into Azure DevOps (the same links links.py derives in Python).

-- organization_url(organization): the organization's web address, https://dev.azure.com/<organization>.
-- Source: learn.microsoft.com/azure/devops/extend/develop/work-with-urls
CREATE OR REPLACE TEMP MACRO organization_url(organization) AS
    'https://dev.azure.com/' || url_encode(organization);

-- project_url(organization, project_name): a project's web address (its summary page),
-- https://dev.azure.com/<organization>/<project>; NULL when project_name is NULL.
CREATE OR REPLACE TEMP MACRO project_url(organization, project_name) AS
    organization_url(organization) || '/' || url_encode(project_name);
