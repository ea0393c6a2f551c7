-- 0010: a household's registry number, <county>-H-<7 digits> (docs/format.md,
-- docs/decisions.md), named in its household.add and assigned in order like
-- certificate numbers.  Entries will refer to a household by this number
-- instead of its head's ID number (issue 19).  A registry of an older schema
-- is refused by the store, so no row lacks a number.
ALTER TABLE households ADD COLUMN number TEXT;
CREATE UNIQUE INDEX households_number ON households (number);
