-- 0018: homes and certificates made again with each CHECK's "x IN (...)"
-- written as "(x = ... OR x = ...)" (issue 23).  The checks are the same,
-- NULL included (a NULL in either form passes), but SQLite builds a
-- temporary B-tree for an IN list each time a statement that checks it
-- runs: an insert into certificates built four, an UPDATE of a home's
-- status one, on every row of a legacy import.  The audit's replay writes
-- its tables the same way (store_audit.c).  Every other column, constraint
-- and index is as it was; the rows are copied as they are.
--
-- Other tables reference both (certificates, home_events, activations,
-- cert_events, redemptions), and foreign keys are on: a table dropped
-- with rows referenced leaves violations, which the same rows put back
-- resolve before the migration commits (deferred until then).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE homes_0018 AS SELECT * FROM homes;
DROP TABLE homes;
CREATE TABLE homes (
	unit        TEXT PRIMARY KEY NOT NULL CHECK (length(unit) = 28),
	parcel      TEXT NOT NULL CHECK (length(parcel) = 19),
	village     TEXT NOT NULL REFERENCES villages (code),
	township    TEXT NOT NULL CHECK (length(township) = 9),
	household   TEXT NOT NULL REFERENCES households (number),
	land_area   INTEGER NOT NULL CHECK (land_area > 0),
	floor_area  INTEGER CHECK (floor_area > 0),
	built       INTEGER,
	status      TEXT NOT NULL CHECK (status = 'in_use' OR status = 'idle' OR status = 'activated' OR
	                                 status = 'dilapidated' OR status = 'withdrawn' OR
	                                 status = 'demolished' OR status = 'reclaimed'),
	added_idx   INTEGER NOT NULL REFERENCES log_entries (idx),
	updated_idx INTEGER NOT NULL REFERENCES log_entries (idx),
	exit_path   TEXT CHECK (exit_path = 'withdrawn' OR exit_path = 'demolished')
) STRICT;
CREATE INDEX homes_village ON homes (village, unit);
CREATE INDEX homes_township ON homes (township, unit);
CREATE INDEX homes_household ON homes (household, unit);
CREATE INDEX homes_status ON homes (status, unit);
CREATE INDEX homes_updated ON homes (updated_idx);
INSERT INTO homes (unit, parcel, village, township, household, land_area, floor_area, built, status,
                   added_idx, updated_idx, exit_path)
	SELECT unit, parcel, village, township, household, land_area, floor_area, built, status,
	       added_idx, updated_idx, exit_path FROM homes_0018 ORDER BY unit;
DROP TABLE homes_0018;

CREATE TABLE certificates_0018 AS SELECT * FROM certificates;
DROP TABLE certificates;
CREATE TABLE certificates (
	id          TEXT PRIMARY KEY NOT NULL,
	kind        TEXT NOT NULL CHECK (kind = 'guarantee' OR kind = 'retention' OR kind = 'collective'),
	year        INTEGER NOT NULL,
	seq         INTEGER NOT NULL CHECK (seq > 0),
	holder      TEXT NOT NULL,
	holder_type TEXT NOT NULL CHECK (holder_type = 'household' OR holder_type = 'collective' OR
	                                 holder_type = 'enterprise'),
	area        INTEGER NOT NULL CHECK (area > 0),
	home        TEXT REFERENCES homes (unit),
	village     TEXT,
	township    TEXT,
	basis       TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state = 'live' OR state = 'spent' OR state = 'frozen' OR
	                                 state = 'revoked'),
	parent      TEXT REFERENCES certificates (id),
	root        TEXT NOT NULL,
	issued_on   TEXT NOT NULL,
	valid_until TEXT,
	legacy_no   TEXT UNIQUE,
	created_idx INTEGER NOT NULL REFERENCES log_entries (idx),
	ended_idx   INTEGER REFERENCES log_entries (idx),
	ended_by    TEXT CHECK (ended_by = 'transfer' OR ended_by = 'redeem' OR ended_by = 'revoke'),
	reason      TEXT,
	parcel      TEXT REFERENCES parcels (parcel)
	            CHECK (parcel IS NULL OR (home IS NULL AND length(parcel) = 19)),
	UNIQUE (kind, year, seq)
) STRICT;
CREATE INDEX certificates_holder ON certificates (holder, id);
CREATE INDEX certificates_home ON certificates (home, kind);
CREATE INDEX certificates_parent ON certificates (parent);
CREATE INDEX certificates_root ON certificates (root);
CREATE INDEX certificates_created ON certificates (created_idx);
CREATE INDEX certificates_state ON certificates (state, id);
CREATE INDEX certificates_ended ON certificates (ended_idx);
CREATE INDEX certificates_parcel ON certificates (parcel, kind) WHERE parcel IS NOT NULL;
INSERT INTO certificates (id, kind, year, seq, holder, holder_type, area, home, village, township, basis,
                          state, parent, root, issued_on, valid_until, legacy_no, created_idx, ended_idx,
                          ended_by, reason, parcel)
	SELECT id, kind, year, seq, holder, holder_type, area, home, village, township, basis, state, parent,
	       root, issued_on, valid_until, legacy_no, created_idx, ended_idx, ended_by, reason, parcel
	FROM certificates_0018 ORDER BY id;
DROP TABLE certificates_0018;
