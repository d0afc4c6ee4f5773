-- 0006_dkg_faults: the faults table takes the DKG faults of threshold.md §5.3 (types 9–11:
-- DkgInvalidProof, DkgInvalidShare, DkgNoParticipation). A DKG fault has no wallet and window yet: it
-- is keyed by (request id, attempt, type, culprit) instead. So a row is either a window fault (types
-- 1–8: wallet_pkh and coordination_block set, request_id and attempt NULL) or a DKG fault (types 9–11:
-- the other way round), enforced by CHECK. Each UNIQUE constraint holds for its own kind of row
-- (SQLite treats NULLs as distinct), so "one row per key" stays a database invariant for both.
--
-- A RELEASED MIGRATION IS NEVER EDITED (see 0001_init.sql). Runs inside one transaction opened by
-- src/store/migrations.ts: no BEGIN/COMMIT here. SQLite cannot change a CHECK constraint in place, so
-- the table is rebuilt with every row and id kept.
CREATE TABLE faults_new (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  wallet_pkh         TEXT,
  coordination_block INTEGER,
  -- DkgRequested.requestId, decimal (a uint256).
  request_id         TEXT,
  attempt            INTEGER CHECK (attempt >= 0),
  type               INTEGER NOT NULL CHECK (type BETWEEN 1 AND 11),
  culprit            TEXT NOT NULL,
  reason             TEXT NOT NULL,
  detected_block     INTEGER NOT NULL,
  evidence           TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  CHECK (
    (type <= 8 AND wallet_pkh IS NOT NULL AND coordination_block IS NOT NULL AND request_id IS NULL AND attempt IS NULL)
    OR (type >= 9 AND wallet_pkh IS NULL AND coordination_block IS NULL AND request_id IS NOT NULL AND attempt IS NOT NULL)
  ),
  UNIQUE (wallet_pkh, coordination_block, type, culprit),
  UNIQUE (request_id, attempt, type, culprit)
) STRICT;
INSERT INTO faults_new (id, wallet_pkh, coordination_block, type, culprit, reason, detected_block, evidence, created_at)
  SELECT id, wallet_pkh, coordination_block, type, culprit, reason, detected_block, evidence, created_at FROM faults;
DROP TABLE faults;
ALTER TABLE faults_new RENAME TO faults;
CREATE INDEX faults_by_detected ON faults (detected_block);
