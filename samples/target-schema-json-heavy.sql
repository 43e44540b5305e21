-- The multi-user target of the json-heavy shape (tc-sample synthetic --shape json-heavy,
-- bench/compare --shape json-heavy; issue 27): samples/target-schema.sql, run first, with a
-- stricter large child table: hook_outbox references sessions and has a three-column
-- UNIQUE and a CHECK. Only the differences are here, so the two cannot drift apart.
ALTER TABLE hook_outbox
    ADD FOREIGN KEY (session_id) REFERENCES sessions (session_id) ON DELETE CASCADE,
    ADD UNIQUE (session_id, event_type, created_at),
    ADD CHECK (attempt_count >= 0);
