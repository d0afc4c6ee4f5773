-- 0002_frost_index: FROST wallets in the event index (threshold.md §2, §3.1, §4.2).
--
-- A RELEASED MIGRATION IS NEVER EDITED (see 0001_init.sql). Runs inside one transaction opened by
-- src/store/migrations.ts: no BEGIN/COMMIT here. Every change is to the rebuildable event index.

-- An index built by an older binary has neither the refund keys of Taproot deposits nor the DKG
-- events: it is forgotten (like `wcoord db reindex`) and the next start rebuilds it from the deploy
-- block, before any coordination.
DELETE FROM ev_wallets;
DELETE FROM ev_deposits;
DELETE FROM ev_redemptions;
DELETE FROM ev_moving_funds;
DELETE FROM deposit_status;
DELETE FROM cursors WHERE name = 'eth.events';

-- A Taproot deposit (TaprootDepositRevealed, emitted right after its DepositRevealed): the x-only
-- refund key its refund leaf needs, 0x-hex. NULL for a P2SH/P2WSH deposit.
ALTER TABLE ev_deposits ADD COLUMN refund_x TEXT;

-- The FrostWalletRegistry's events, one row per event (rows upserted by (tx_hash, log_index), deleted
-- above the new cursor by the reorg rewind like every ev_ table); the repository folds them into one
-- state per request (requested, accepted, timed_out). request_id is the uint256 in decimal.
CREATE TABLE ev_dkg_requests (
  tx_hash      TEXT NOT NULL,
  log_index    INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash   TEXT NOT NULL,
  event        TEXT NOT NULL CHECK (event IN ('DkgRequested', 'DkgResultAccepted', 'DkgTimedOut')),
  request_id   TEXT NOT NULL,
  -- DkgResultAccepted only: the wallet's PKH (bare lowercase hex) and x-only key (0x-hex).
  wallet_pkh   TEXT,
  wallet_x     TEXT,
  -- DkgRequested only: seed (0x-hex), members (JSON array of EIP-55 addresses, ascending),
  -- threshold, dkgQuorum and the deadline block.
  seed         TEXT,
  members      TEXT,
  threshold    INTEGER,
  dkg_quorum   INTEGER,
  deadline     INTEGER,
  PRIMARY KEY (tx_hash, log_index)
) STRICT;
CREATE INDEX ev_dkg_requests_by_request ON ev_dkg_requests (request_id, block_number, log_index);
CREATE INDEX ev_dkg_requests_by_block ON ev_dkg_requests (block_number, log_index);
CREATE INDEX ev_dkg_requests_by_wallet ON ev_dkg_requests (wallet_pkh);
