-- 0016: a placeholder on branch wt-import only, so that 0017 and 0018 build
-- before map's 0016 lands.  At the merge, map's 0016 replaces this file.
SELECT 1;
