-- Installed extensions with write scopes or pipeline decorators (code that runs in every pipeline).
SELECT organization, extension_name, publisher_name, version, has_pipeline_decorator, scopes, is_disabled
FROM azure_devops.extensions
WHERE has_pipeline_decorator
   OR EXISTS (SELECT 1 FROM unnest(CAST(scopes AS VARCHAR[])) AS s(scope)
              WHERE s.scope LIKE '%\_write%' ESCAPE '\' OR s.scope LIKE '%\_execute%' ESCAPE '\'
                 OR s.scope LIKE '%\_manage%' ESCAPE '\')
ORDER BY has_pipeline_decorator DESC, organization, extension_name
