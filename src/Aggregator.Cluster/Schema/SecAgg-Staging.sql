-- SecAgg's own table: the staged upload chunks (the payload), reachable from every silo.
-- One row per (round, upload, chunk index); the bytes are written once and never updated.
CREATE TABLE IF NOT EXISTS secagg_staged_chunk
(
    round bigint NOT NULL,
    upload_id uuid NOT NULL,
    chunk_index integer NOT NULL,
    participant text NOT NULL,
    sha256 bytea NOT NULL,
    payload bytea NOT NULL,
    staged_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT secagg_staged_chunk_key PRIMARY KEY (round, upload_id, chunk_index)
);

-- The decryption shares of each round's members of D, reachable from every silo (issue 19: decryption in the grains).
-- One row per (round, member, chunk index); checked before it is written, written once and never updated.
CREATE TABLE IF NOT EXISTS secagg_decryption_share
(
    round bigint NOT NULL,
    member text NOT NULL,
    chunk_index integer NOT NULL,
    share bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT secagg_decryption_share_key PRIMARY KEY (round, member, chunk_index)
);
