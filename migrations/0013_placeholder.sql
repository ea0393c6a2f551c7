-- 0013: a placeholder in branch wt-import, which was given 0014 while
-- other branches add 0012 and 0013.  The merge takes theirs instead.
SELECT 1;
