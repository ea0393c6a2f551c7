-- 0011: personal data out of the log (docs/format.md, "Personal data").
--
-- household.add carries a commitment to the head's ID number and name, not
-- the data, and home.activate one to a person investor's; entries name a
-- household by its registry number.  households is
-- keyed by that number, homes and certificates name it, and the data with
-- its salt lives in personal_data, which the log does not cover and which
-- `household erase` empties for one household (erased_idx: the
-- household.erase entry).  The store refuses registries of older schemas,
-- so these tables are empty when this runs: they are made again, not copied
-- (their indexes go with them).
DROP TABLE activations;
DROP TABLE homes;
DROP TABLE households;

CREATE TABLE households (
	number     TEXT PRIMARY KEY NOT NULL CHECK (length(number) = 16),
	village    TEXT NOT NULL REFERENCES villages (code),
	members    INTEGER NOT NULL CHECK (members BETWEEN 1 AND 50),
	commitment TEXT NOT NULL CHECK (length(commitment) = 64),
	added_idx  INTEGER NOT NULL REFERENCES log_entries (idx),
	erased_idx INTEGER REFERENCES log_entries (idx)
) STRICT;
CREATE INDEX households_village ON households (village, number);
CREATE INDEX households_added ON households (added_idx);
CREATE INDEX households_erased ON households (erased_idx);

-- Outside the log: the audit checks each row against its household's
-- commitment.  No row for an erased household.
CREATE TABLE personal_data (
	household TEXT PRIMARY KEY NOT NULL REFERENCES households (number),
	id_number TEXT NOT NULL UNIQUE CHECK (length(id_number) = 18),
	name      TEXT NOT NULL,
	salt      BLOB NOT NULL CHECK (length(salt) = 32)
) STRICT;

CREATE TABLE homes (
	unit        TEXT PRIMARY KEY NOT NULL CHECK (length(unit) = 28),
	parcel      TEXT NOT NULL CHECK (length(parcel) = 19),
	village     TEXT NOT NULL REFERENCES villages (code),
	township    TEXT NOT NULL CHECK (length(township) = 9),
	household   TEXT NOT NULL REFERENCES households (number),
	land_area   INTEGER NOT NULL CHECK (land_area > 0),
	floor_area  INTEGER CHECK (floor_area > 0),
	built       INTEGER,
	status      TEXT NOT NULL CHECK (status IN ('in_use', 'idle', 'activated', 'dilapidated',
	                                            'withdrawn', 'demolished', 'reclaimed')),
	added_idx   INTEGER NOT NULL REFERENCES log_entries (idx),
	updated_idx INTEGER NOT NULL REFERENCES log_entries (idx),
	exit_path   TEXT CHECK (exit_path IN ('withdrawn', 'demolished'))
) STRICT;
CREATE INDEX homes_village ON homes (village, unit);
CREATE INDEX homes_township ON homes (township, unit);
CREATE INDEX homes_household ON homes (household, unit);
CREATE INDEX homes_status ON homes (status, unit);
CREATE INDEX homes_updated ON homes (updated_idx);

-- Lease contracts (home.activate entries).  An enterprise investor by name
-- and credit code; a person by the commitment, with the data in
-- investor_data.
CREATE TABLE activations (
	idx                 INTEGER PRIMARY KEY REFERENCES log_entries (idx),
	unit                TEXT NOT NULL REFERENCES homes (unit),
	village             TEXT NOT NULL,
	township            TEXT NOT NULL,
	investor            TEXT,
	investor_id         TEXT,
	investor_commitment TEXT CHECK (length(investor_commitment) = 64),
	start               TEXT NOT NULL,
	start_year          INTEGER NOT NULL,
	years               INTEGER NOT NULL CHECK (years > 0),
	rent                INTEGER NOT NULL CHECK (rent >= 0),
	investment          INTEGER NOT NULL CHECK (investment >= 0),
	use                 TEXT NOT NULL,
	deal_no             TEXT,
	CHECK ((investor IS NOT NULL AND investor_id IS NOT NULL) <> (investor_commitment IS NOT NULL))
) STRICT;
CREATE INDEX activations_unit ON activations (unit, idx);
CREATE INDEX activations_year ON activations (start_year, village);
CREATE INDEX activations_township ON activations (start_year, township);

-- Outside the log, like personal_data: a person investor's ID number and name.
CREATE TABLE investor_data (
	activation INTEGER PRIMARY KEY REFERENCES activations (idx),
	id_number  TEXT NOT NULL CHECK (length(id_number) = 18),
	name       TEXT NOT NULL,
	salt       BLOB NOT NULL CHECK (length(salt) = 32)
) STRICT;
