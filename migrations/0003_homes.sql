-- 0003: villages, households, homes, their history and activations.
--
-- All derived from village.add, household.add and home.* entries; each
-- row records the entry that made or last changed it.  Areas and money
-- are integer hundredths (m², fen).

CREATE TABLE villages (
	code      TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 12),
	township  TEXT NOT NULL CHECK (length(township) = 9),
	name      TEXT NOT NULL,
	uscc      TEXT,
	added_idx INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;
CREATE INDEX villages_township ON villages (township, code);

CREATE TABLE households (
	id_number TEXT PRIMARY KEY NOT NULL CHECK (length(id_number) = 18),
	name      TEXT NOT NULL,
	village   TEXT NOT NULL REFERENCES villages (code),
	members   INTEGER NOT NULL CHECK (members BETWEEN 1 AND 50),
	added_idx INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;
CREATE INDEX households_village ON households (village, id_number);

CREATE TABLE homes (
	unit        TEXT PRIMARY KEY NOT NULL CHECK (length(unit) = 28),
	parcel      TEXT NOT NULL CHECK (length(parcel) = 19),
	village     TEXT NOT NULL REFERENCES villages (code),
	township    TEXT NOT NULL CHECK (length(township) = 9),
	household   TEXT NOT NULL REFERENCES households (id_number),
	land_area   INTEGER NOT NULL CHECK (land_area > 0),
	floor_area  INTEGER CHECK (floor_area > 0),
	built       INTEGER,
	status      TEXT NOT NULL CHECK (status IN ('in_use', 'idle', 'activated', 'dilapidated',
	                                            'withdrawn', 'demolished', 'reclaimed')),
	added_idx   INTEGER NOT NULL REFERENCES log_entries (idx),
	updated_idx INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;
-- One index per list filter, each ending in unit so pages come in order.
CREATE INDEX homes_village ON homes (village, unit);
CREATE INDEX homes_village_status ON homes (village, status, unit);
CREATE INDEX homes_township ON homes (township, unit);
CREATE INDEX homes_township_status ON homes (township, status, unit);
CREATE INDEX homes_household ON homes (household, unit);
CREATE INDEX homes_status ON homes (status, unit);

-- One row per entry that changed a home, with what changed in words.
CREATE TABLE home_events (
	unit    TEXT NOT NULL REFERENCES homes (unit),
	idx     INTEGER NOT NULL REFERENCES log_entries (idx),
	summary TEXT NOT NULL,
	PRIMARY KEY (unit, idx)
) STRICT, WITHOUT ROWID;

-- Lease contracts (home.activate entries).
CREATE TABLE activations (
	idx         INTEGER PRIMARY KEY REFERENCES log_entries (idx),
	unit        TEXT NOT NULL REFERENCES homes (unit),
	village     TEXT NOT NULL,
	township    TEXT NOT NULL,
	investor    TEXT NOT NULL,
	investor_id TEXT NOT NULL,
	start       TEXT NOT NULL,
	start_year  INTEGER NOT NULL,
	years       INTEGER NOT NULL CHECK (years > 0),
	rent        INTEGER NOT NULL CHECK (rent >= 0),
	investment  INTEGER NOT NULL CHECK (investment >= 0),
	use         TEXT NOT NULL,
	deal_no     TEXT
) STRICT;
CREATE INDEX activations_unit ON activations (unit, idx);
CREATE INDEX activations_year ON activations (start_year, village);
CREATE INDEX activations_township ON activations (start_year, township);
