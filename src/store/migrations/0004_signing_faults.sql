-- 0004_signing_faults: the faults table takes the signing faults of threshold.md §5.3 (types 6–8:
-- SigningInvalidShare, SigningCoordinatorEquivocation, SigningNoShare), keyed like the others by
-- (wallet, window of the action, type, culprit).
--
-- A RELEASED MIGRATION IS NEVER EDITED (see 0001_init.sql). Runs inside one transaction opened by
-- src/store/migrations.ts: no BEGIN/COMMIT here. SQLite cannot change a CHECK constraint in place, so
-- the table is rebuilt with every row and id kept.
CREATE TABLE faults_new (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  wallet_pkh         TEXT NOT NULL,
  coordination_block INTEGER NOT NULL,
  type               INTEGER NOT NULL CHECK (type BETWEEN 1 AND 8),
  culprit            TEXT NOT NULL,
  reason             TEXT NOT NULL,
  detected_block     INTEGER NOT NULL,
  evidence           TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  UNIQUE (wallet_pkh, coordination_block, type, culprit)
) STRICT;
INSERT INTO faults_new (id, wallet_pkh, coordination_block, type, culprit, reason, detected_block, evidence, created_at)
  SELECT id, wallet_pkh, coordination_block, type, culprit, reason, detected_block, evidence, created_at FROM faults;
DROP TABLE faults;
ALTER TABLE faults_new RENAME TO faults;
CREATE INDEX faults_by_detected ON faults (detected_block);
