-- 0006: indexes by entry index, so that an incremental audit reads only
-- the rows that entries after its trusted checkpoint touched.
CREATE INDEX villages_added ON villages (added_idx);
CREATE INDEX households_added ON households (added_idx);
CREATE INDEX homes_updated ON homes (updated_idx);
CREATE INDEX home_events_idx ON home_events (idx);
CREATE INDEX cert_events_idx ON cert_events (idx);
CREATE INDEX certificates_ended ON certificates (ended_idx);
