-- 0013: the access record (issue 22; docs/service.md, "Who may read what").
--
-- Every read of personal data by an authenticated officer or auditor (a
-- request signed with an enrolled key, or --reveal on the CLI) leaves one
-- row per household whose data it showed: who read (the key's name and
-- role), when, the request, and whose data (the household's registry
-- number, or "entry N" for a person investor of the home.activate entry N).
-- Outside the log, like personal_data; it holds no personal data itself
-- (a request by ID number is recorded with the number masked).
CREATE TABLE access_records (
	id      INTEGER PRIMARY KEY,
	time    TEXT NOT NULL CHECK (length(time) = 20),
	reader  TEXT NOT NULL,
	role    TEXT NOT NULL CHECK (role IN ('officer', 'auditor')),
	request TEXT NOT NULL,
	subject TEXT NOT NULL
) STRICT;
CREATE INDEX access_records_subject ON access_records (subject, id);
