-- 0007: two indexes fewer on homes.  homes_village (village, unit) and
-- homes_township (township, unit) already serve a list or a count filtered
-- by village or township and status: the homes of one village or township
-- are read in unit order and their status checked.  The two indexes with
-- status in the middle cost every home.add a random insert each, and every
-- status change a delete and an insert each; on a county-sized registry
-- they were a quarter of the time of a legacy import.
DROP INDEX homes_village_status;
DROP INDEX homes_township_status;
