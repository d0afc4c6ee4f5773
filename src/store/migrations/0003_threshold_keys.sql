-- 0003_threshold_keys: what a member of FROST wallets must never lose (threshold.md §3.2, §5.2).
--
-- A RELEASED MIGRATION IS NEVER EDITED (see 0001_init.sql). Runs inside one transaction opened by
-- src/store/migrations.ts: no BEGIN/COMMIT here. Unlike the event index, nothing here can be rebuilt
-- from the chain: `wcoord db reindex` never touches these tables.

-- This node's key share of each FROST wallet it is a member of. `sealed` is the share encrypted at rest
-- (scrypt + AEAD under the operator keystore's password); everything else is public and lets
-- `wcoord keys` list the shares without the password. `transcript` is the DKG attempt's whole public
-- transcript, from which the share can be rebuilt with the operator key alone (§3.2, last bullet).
CREATE TABLE key_shares (
  wallet_pkh   TEXT PRIMARY KEY,
  wallet_x     TEXT NOT NULL,
  request_id   TEXT NOT NULL,
  member_index INTEGER NOT NULL CHECK (member_index BETWEEN 1 AND 255),
  threshold    INTEGER NOT NULL CHECK (threshold >= 2),
  members      TEXT NOT NULL,
  sealed       BLOB NOT NULL,
  transcript   BLOB NOT NULL,
  created_at   INTEGER NOT NULL
);

-- The durable "nonces of (session, attempt) consumed" mark (§5.2 step 3), written before a signature
-- share leaves the node: with it a restarted member never signs two packages with the same nonces.
-- package_hash is the hash of the package the shares answered.
CREATE TABLE signing_nonce_marks (
  session_id   TEXT NOT NULL,
  attempt      INTEGER NOT NULL CHECK (attempt >= 0),
  package_hash TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (session_id, attempt)
);
