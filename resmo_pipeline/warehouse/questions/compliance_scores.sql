-- The compliance score per organization and framework (rules passed, failed, not evaluable).
SELECT organization, framework, passed, failed, not_evaluable, errors, score
FROM compliance.scores
ORDER BY organization, framework
