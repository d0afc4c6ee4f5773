-- 0005_dkg_sessions: this node's side of each DKG request it is a member of (threshold.md §3.2), as a
-- persisted, forward-only state machine (reliability.md §3): every step is written here before the
-- message or transaction it leads to leaves the node.
--
-- A RELEASED MIGRATION IS NEVER EDITED (see 0001_init.sql). Runs inside one transaction opened by
-- src/store/migrations.ts: no BEGIN/COMMIT here. Like key_shares, nothing here can be rebuilt from the
-- chain: `wcoord db reindex` never touches this table.
--
-- state: requested → round1_sent → round2_sent → share_stored → result_signed → submitted →
-- registered | failed. A new attempt (attempt + 1, a smaller `included`) starts again at `requested`;
-- it is only allowed before the share is stored, so (attempt, state) never goes back.
CREATE TABLE dkg_sessions (
  request_id        TEXT PRIMARY KEY,
  member_index      INTEGER NOT NULL CHECK (member_index BETWEEN 1 AND 255),
  state             TEXT NOT NULL CHECK (state IN ('requested', 'round1_sent', 'round2_sent', 'share_stored', 'result_signed', 'submitted', 'registered', 'failed')),
  attempt           INTEGER NOT NULL CHECK (attempt >= 0),
  -- JSON array of the attempt's member indices, ascending.
  included          TEXT NOT NULL,
  -- Known from share_stored on: 0x-hex x-only key and its PKH (bare lowercase hex).
  wallet_x          TEXT,
  wallet_pkh        TEXT,
  -- JSON object: signer member index → 0x-hex 65-byte EIP-191 signature of the result digest.
  result_signatures TEXT NOT NULL DEFAULT '{}',
  -- Block at which this member signed the result: the reference of its submit delay (2 · rank blocks).
  signed_block      INTEGER,
  -- The eth_intents row of this member's submitDkgResult, once submitted.
  intent_id         INTEGER,
  -- Why the request failed (failed only).
  error             TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
