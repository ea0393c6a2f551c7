-- 0017: reclaimed land (issue 23).  A land ticket (地票, 复垦) comes from a
-- homestead parcel whose building is gone.  When no registered home stood
-- on it, the parcel itself is registered (parcel.add entries): a parcel,
-- not a building, in the state that says what it is, reclaimed.  A
-- collective certificate names the parcel it comes from (certificates.
-- parcel) instead of a home, never both; the per-area cap counts what
-- was issued from the parcel against its land area.
CREATE TABLE parcels (
	parcel    TEXT PRIMARY KEY NOT NULL CHECK (length(parcel) = 19),
	village   TEXT NOT NULL REFERENCES villages (code),
	township  TEXT NOT NULL CHECK (length(township) = 9),
	land_area INTEGER NOT NULL CHECK (land_area > 0),
	state     TEXT NOT NULL CHECK (state = 'reclaimed'),
	added_idx INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;
CREATE INDEX parcels_village ON parcels (village, parcel);
CREATE INDEX parcels_added ON parcels (added_idx);

ALTER TABLE certificates ADD COLUMN parcel TEXT REFERENCES parcels (parcel)
	CHECK (parcel IS NULL OR (home IS NULL AND length(parcel) = 19));
CREATE INDEX certificates_parcel ON certificates (parcel, kind) WHERE parcel IS NOT NULL;
