-- 0022: a certificate's status map leaf stored in its own row (docs/format.md,
-- "The status map", storage), not in statusmap_leaves: map_key is the
-- leaf's key (qp_statusmap_key of the id), map_version, map_hash and
-- map_record what statusmap_leaves held (0016).  A change of a certificate
-- rewrites its row already; its leaf then costs no second row elsewhere.
-- certificates_map_key finds the leaves under a key prefix, as the key of
-- statusmap_leaves did.  statusmap_leaves keeps a leaf whose key is no
-- certificate's (none in a registry).  The leaves are moved by the code
-- that runs with this migration (qp_store_statusmap_leaves_to_certs), SQL
-- having no SHA-256 to compute the keys with.
ALTER TABLE certificates ADD COLUMN map_key BLOB CHECK (map_key IS NULL OR length(map_key) = 32);
ALTER TABLE certificates ADD COLUMN map_version INTEGER CHECK (map_version IS NULL OR map_version > 0);
ALTER TABLE certificates ADD COLUMN map_hash BLOB CHECK (map_hash IS NULL OR length(map_hash) = 32);
ALTER TABLE certificates ADD COLUMN map_record BLOB CHECK ((map_record IS NULL) = (map_key IS NULL) AND
                                                           (map_record IS NULL) = (map_version IS NULL) AND
                                                           (map_record IS NULL) = (map_hash IS NULL));
CREATE UNIQUE INDEX certificates_map_key ON certificates (map_key) WHERE map_key IS NOT NULL;
