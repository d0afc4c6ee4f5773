-- 0001_init: initial schema (reliability.md §4.2; coordination.md §3.2, §9–§11, §13.2).
--
-- A RELEASED MIGRATION IS NEVER EDITED. Change the schema with a new file 0002_….sql; nodes in the
-- field have already applied this one and would never see the edit.
--
-- Runs inside one transaction opened by src/store/migrations.ts, which also sets user_version:
-- no BEGIN/COMMIT here. Conventions: STRICT tables; wallet PKH keys are lowercase hex without 0x;
-- addresses EIP-55; wire bytes and digests BLOB; JSON columns TEXT; wall-clock times unix ms.

-- Key/value facts about this database: schema_version, chainId, bridge, profileHash, createdAt,
-- freshSince, profileChanges.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

INSERT INTO meta (key, value) VALUES ('createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Per-chain cursors under well-known names (eth.events, eth.windowWatch, btc.tip), updated in the
-- same transaction as the data derived from the blocks they cover (R5).
CREATE TABLE cursors (
  name       TEXT PRIMARY KEY,
  height     INTEGER NOT NULL,
  hash       TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Last Bitcoin headers, for the reorg walk-back.
CREATE TABLE btc_headers (
  height    INTEGER PRIMARY KEY,
  hash      TEXT NOT NULL,
  prev_hash TEXT NOT NULL
) STRICT;

-- Event index (coordination.md §13.2). Rebuildable; rows upserted by (tx_hash, log_index).
CREATE TABLE ev_wallets (
  tx_hash         TEXT NOT NULL,
  log_index       INTEGER NOT NULL,
  block_number    INTEGER NOT NULL,
  block_hash      TEXT NOT NULL,
  event           TEXT NOT NULL CHECK (event IN ('NewWalletRegistered', 'WalletMovingFunds', 'WalletClosing',
                                                 'WalletClosed', 'WalletTerminated', 'WalletOperatorsSet')),
  wallet_pkh      TEXT NOT NULL,
  ecdsa_wallet_id TEXT,
  operators       TEXT,
  PRIMARY KEY (tx_hash, log_index)
) STRICT;
CREATE INDEX ev_wallets_by_wallet ON ev_wallets (wallet_pkh, block_number, log_index);
CREATE INDEX ev_wallets_by_block ON ev_wallets (block_number, log_index);

CREATE TABLE ev_deposits (
  tx_hash              TEXT NOT NULL,
  log_index            INTEGER NOT NULL,
  block_number         INTEGER NOT NULL,
  block_hash           TEXT NOT NULL,
  deposit_key          TEXT NOT NULL,
  funding_tx_hash      TEXT NOT NULL,
  funding_output_index INTEGER NOT NULL,
  depositor            TEXT NOT NULL,
  amount               INTEGER NOT NULL,
  blinding_factor      TEXT NOT NULL,
  wallet_pkh           TEXT NOT NULL,
  refund_pkh           TEXT NOT NULL,
  refund_locktime      TEXT NOT NULL,
  vault                TEXT NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
) STRICT;
CREATE INDEX ev_deposits_by_wallet ON ev_deposits (wallet_pkh, block_number, log_index);
CREATE INDEX ev_deposits_by_block ON ev_deposits (block_number, log_index);
CREATE INDEX ev_deposits_by_key ON ev_deposits (deposit_key);
CREATE INDEX ev_deposits_by_funding ON ev_deposits (funding_tx_hash, funding_output_index);

CREATE TABLE ev_redemptions (
  tx_hash                TEXT NOT NULL,
  log_index              INTEGER NOT NULL,
  block_number           INTEGER NOT NULL,
  block_hash             TEXT NOT NULL,
  redemption_key         TEXT NOT NULL,
  wallet_pkh             TEXT NOT NULL,
  redeemer_output_script TEXT NOT NULL,
  redeemer               TEXT NOT NULL,
  requested_amount       INTEGER NOT NULL,
  treasury_fee           INTEGER NOT NULL,
  tx_max_fee             INTEGER NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
) STRICT;
CREATE INDEX ev_redemptions_by_wallet ON ev_redemptions (wallet_pkh, block_number, log_index);
CREATE INDEX ev_redemptions_by_block ON ev_redemptions (block_number, log_index);
CREATE INDEX ev_redemptions_by_key ON ev_redemptions (redemption_key);

-- MovingFundsCommitmentSubmitted (target_wallets JSON, submitter), MovingFundsCompleted,
-- MovedFundsSwept, DepositsSwept, RedemptionsCompleted (btc_tx_hash).
CREATE TABLE ev_moving_funds (
  tx_hash        TEXT NOT NULL,
  log_index      INTEGER NOT NULL,
  block_number   INTEGER NOT NULL,
  block_hash     TEXT NOT NULL,
  event          TEXT NOT NULL CHECK (event IN ('MovingFundsCommitmentSubmitted', 'MovingFundsCompleted',
                                                'MovedFundsSwept', 'DepositsSwept', 'RedemptionsCompleted')),
  wallet_pkh     TEXT NOT NULL,
  target_wallets TEXT,
  submitter      TEXT,
  btc_tx_hash    TEXT,
  PRIMARY KEY (tx_hash, log_index)
) STRICT;
CREATE INDEX ev_moving_funds_by_wallet ON ev_moving_funds (wallet_pkh, event, block_number, log_index);
CREATE INDEX ev_moving_funds_by_block ON ev_moving_funds (block_number, log_index);

-- Final observations per deposit key (coordination.md §13.2 derived cache). Rebuildable.
CREATE TABLE deposit_status (
  deposit_key    TEXT PRIMARY KEY,
  status         TEXT NOT NULL CHECK (status IN ('swept', 'unsweepable')),
  observed_block INTEGER NOT NULL,
  reason         TEXT
) STRICT;

-- One row per (wallet, W): the claim that makes window work happen once (coordination.md §3.4).
CREATE TABLE windows (
  wallet_pkh          TEXT NOT NULL,
  coordination_block  INTEGER NOT NULL CHECK (coordination_block > 0),
  status              TEXT NOT NULL,
  role                TEXT CHECK (role IN ('leader', 'follower')),
  leader              TEXT,
  seed_hex            TEXT,
  safe_block_hash     TEXT,
  checklist           TEXT,
  joined_at_block     INTEGER,
  first_publish_block INTEGER,
  result              TEXT,
  result_digest       BLOB,
  result_detail       TEXT,
  PRIMARY KEY (wallet_pkh, coordination_block)
) STRICT;
CREATE INDEX windows_by_status ON windows (status);
CREATE INDEX windows_by_block ON windows (coordination_block);

-- Every leader statement per (wallet, W) (coordination.md §9.3, §10.4). Not rebuildable.
CREATE TABLE leader_statements (
  wallet_pkh         TEXT NOT NULL,
  coordination_block INTEGER NOT NULL,
  digest             BLOB NOT NULL,
  wire               BLOB NOT NULL,
  received_at_block  INTEGER NOT NULL,
  own                INTEGER NOT NULL CHECK (own IN (0, 1)),
  UNIQUE (wallet_pkh, coordination_block, digest)
) STRICT;

-- Transcript of inputs (R8): appended before processing.
CREATE TABLE inbound_messages (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  wire               BLOB NOT NULL,
  from_peer          TEXT NOT NULL,
  wallet_pkh         TEXT,
  coordination_block INTEGER,
  received_at_block  INTEGER NOT NULL,
  verdict            TEXT NOT NULL,
  reason             TEXT,
  received_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX inbound_messages_by_window ON inbound_messages (wallet_pkh, coordination_block);

-- Faults (coordination.md §11.1). Not rebuildable.
CREATE TABLE faults (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  wallet_pkh         TEXT NOT NULL,
  coordination_block INTEGER NOT NULL,
  type               INTEGER NOT NULL CHECK (type BETWEEN 1 AND 5),
  culprit            TEXT NOT NULL,
  reason             TEXT NOT NULL,
  detected_block     INTEGER NOT NULL,
  evidence           TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  UNIQUE (wallet_pkh, coordination_block, type, culprit)
) STRICT;
CREATE INDEX faults_by_detected ON faults (detected_block);

-- Actions (reliability.md §3). The wallet lock is a row property, and the partial unique index
-- makes "at most one lock holder per wallet" (§3.3, R9) a database invariant.
CREATE TABLE actions (
  id                     INTEGER PRIMARY KEY AUTOINCREMENT,
  wallet_pkh             TEXT NOT NULL,
  coordination_block     INTEGER NOT NULL,
  type                   INTEGER NOT NULL CHECK (type BETWEEN 1 AND 5),
  payload                BLOB NOT NULL,
  state                  TEXT NOT NULL CHECK (state IN ('scheduled', 'validating', 'built', 'signing', 'signed',
                           'broadcast_pending', 'in_mempool', 'confirmed', 'recording', 'settled', 'final',
                           'done', 'aborted', 'expired', 'conflicted', 'failed_invalid')),
  state_height           INTEGER,
  start_block            INTEGER NOT NULL,
  expiry_block           INTEGER NOT NULL,
  signing_start_block    INTEGER NOT NULL,
  signing_deadline_block INTEGER NOT NULL,
  validation_block       INTEGER,
  unsigned_tx            BLOB,
  outpoints              TEXT,
  sighashes              TEXT,
  fee                    INTEGER,
  round_id               BLOB,
  signing_attempt        INTEGER,
  signing_started_block  INTEGER,
  signed_tx              BLOB,
  txid                   TEXT,
  wtxid                  TEXT,
  conf_hash              TEXT,
  eth_intent_id          INTEGER REFERENCES eth_intents (id),
  reason                 TEXT,
  extra                  TEXT,
  holds_lock             INTEGER NOT NULL CHECK (holds_lock IN (0, 1)),
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL,
  UNIQUE (wallet_pkh, coordination_block)
) STRICT;
CREATE UNIQUE INDEX actions_wallet_lock ON actions (wallet_pkh) WHERE holds_lock = 1;
CREATE INDEX actions_by_state ON actions (state);

-- Append-only transition log (R2). from_state is NULL for the creating row (seq 1).
CREATE TABLE action_transitions (
  action_id  INTEGER NOT NULL REFERENCES actions (id),
  seq        INTEGER NOT NULL CHECK (seq >= 1),
  from_state TEXT,
  to_state   TEXT NOT NULL,
  eth_head   INTEGER,
  btc_tip    INTEGER,
  detail     TEXT,
  at         INTEGER NOT NULL,
  PRIMARY KEY (action_id, seq)
) STRICT;
CREATE TRIGGER action_transitions_no_update BEFORE UPDATE ON action_transitions
BEGIN
  SELECT RAISE(ABORT, 'action_transitions is append-only');
END;
CREATE TRIGGER action_transitions_no_delete BEFORE DELETE ON action_transitions
BEGIN
  SELECT RAISE(ABORT, 'action_transitions is append-only');
END;

-- Bitcoin transactions tracked to resolution (reliability.md §3.6). outpoints_key is the sorted
-- spent-outpoint set, because a P2SH input makes the txid depend on the signature (§3.5).
CREATE TABLE btc_trackers (
  txid           TEXT PRIMARY KEY,
  action_id      INTEGER REFERENCES actions (id),
  wtxid          TEXT,
  raw            BLOB NOT NULL,
  outpoints      TEXT NOT NULL,
  outpoints_key  TEXT NOT NULL,
  status         TEXT NOT NULL,
  since_height   INTEGER,
  conf_height    INTEGER,
  conf_hash      TEXT,
  reorged        INTEGER NOT NULL DEFAULT 0 CHECK (reorged IN (0, 1)),
  waiting_inputs INTEGER NOT NULL DEFAULT 0 CHECK (waiting_inputs IN (0, 1)),
  rebroadcasts   INTEGER NOT NULL DEFAULT 0,
  last_error     TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX btc_trackers_by_action ON btc_trackers (action_id);
CREATE INDEX btc_trackers_by_outpoints ON btc_trackers (outpoints_key);
CREATE INDEX btc_trackers_by_status ON btc_trackers (status);

-- Ethereum transaction intents (reliability.md §3.7). dedupe_key is unique among root intents;
-- a replacement or a fresh-nonce retry (replaces_id set) shares its root's key.
CREATE TABLE eth_intents (
  id                       INTEGER PRIMARY KEY AUTOINCREMENT,
  purpose                  TEXT NOT NULL,
  dedupe_key               TEXT NOT NULL,
  action_id                INTEGER REFERENCES actions (id),
  to_address               TEXT,
  data                     BLOB,
  from_address             TEXT,
  nonce                    INTEGER,
  max_fee_per_gas          TEXT,
  max_priority_fee_per_gas TEXT,
  signed_raw               BLOB,
  tx_hash                  TEXT,
  status                   TEXT NOT NULL CHECK (status IN ('prepared', 'sent', 'mined', 'reverted', 'superseded',
                                                          'not_needed')),
  sent_block               INTEGER,
  mined_block              INTEGER,
  replaces_id              INTEGER REFERENCES eth_intents (id),
  revert_reason            TEXT,
  created_at               INTEGER NOT NULL,
  updated_at               INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX eth_intents_dedupe ON eth_intents (dedupe_key) WHERE replaces_id IS NULL;
CREATE INDEX eth_intents_by_dedupe ON eth_intents (dedupe_key);
CREATE INDEX eth_intents_by_status ON eth_intents (status);
CREATE INDEX eth_intents_by_sender ON eth_intents (from_address, nonce);
