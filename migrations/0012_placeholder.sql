-- 0012: a placeholder in branch wt-service, which was given 0013 while
-- another branch adds 0012.  The merge takes that branch's 0012 instead.
SELECT 1;
