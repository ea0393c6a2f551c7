-- 0009: entry format v2 (docs/format.md): every entry names the log state
-- it was signed against, and the log has a time (registry_meta.log_time,
-- the latest entry time so far, kept by each append and compared by the
-- audit like every row of registry_meta).  A registry of an older schema
-- holds v1 entries, which this program does not read: the store refuses to
-- open it (nothing is deployed; such a registry is created again).  This
-- row marks the format for readers of the file.
INSERT INTO registry_meta (key, value) VALUES ('entry_format', 'quanpiao/entry/v2');
