-- 0004: rights certificates, their history and redemptions.
--
-- A certificate row is never edited except to end it (spent, revoked) or
-- to freeze and unfreeze it; transfers and redemptions create new rows
-- that name their parent.  Numbers are sequential per kind and year.

CREATE TABLE certificates (
	id          TEXT PRIMARY KEY NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('guarantee', 'retention', 'collective')),
	year        INTEGER NOT NULL,
	seq         INTEGER NOT NULL CHECK (seq > 0),
	holder      TEXT NOT NULL,
	holder_type TEXT NOT NULL CHECK (holder_type IN ('household', 'collective', 'enterprise')),
	area        INTEGER NOT NULL CHECK (area > 0),
	home        TEXT REFERENCES homes (unit),
	village     TEXT,
	township    TEXT,
	basis       TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('live', 'spent', 'frozen', 'revoked')),
	parent      TEXT REFERENCES certificates (id),
	root        TEXT NOT NULL,
	issued_on   TEXT NOT NULL,
	valid_until TEXT,
	legacy_no   TEXT UNIQUE,
	created_idx INTEGER NOT NULL REFERENCES log_entries (idx),
	ended_idx   INTEGER REFERENCES log_entries (idx),
	ended_by    TEXT CHECK (ended_by IN ('transfer', 'redeem', 'revoke')),
	reason      TEXT,
	UNIQUE (kind, year, seq)
) STRICT;
CREATE INDEX certificates_holder ON certificates (holder, id);
CREATE INDEX certificates_home ON certificates (home, kind);
CREATE INDEX certificates_parent ON certificates (parent);
CREATE INDEX certificates_root ON certificates (root);
CREATE INDEX certificates_created ON certificates (created_idx);
CREATE INDEX certificates_state ON certificates (state, id);

-- What each entry did to each certificate, in words.
CREATE TABLE cert_events (
	cert    TEXT NOT NULL REFERENCES certificates (id),
	idx     INTEGER NOT NULL REFERENCES log_entries (idx),
	summary TEXT NOT NULL,
	PRIMARY KEY (cert, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE redemptions (
	idx     INTEGER PRIMARY KEY REFERENCES log_entries (idx),
	cert    TEXT NOT NULL UNIQUE REFERENCES certificates (id),
	area    INTEGER NOT NULL CHECK (area > 0),
	purpose TEXT NOT NULL,
	note    TEXT NOT NULL
) STRICT;

-- How a home left use: 'withdrawn' or 'demolished', kept when it is later
-- reclaimed, because the basis of a certificate depends on it.
ALTER TABLE homes ADD COLUMN exit_path TEXT CHECK (exit_path IN ('withdrawn', 'demolished'));
