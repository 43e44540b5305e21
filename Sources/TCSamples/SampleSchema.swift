/// A TeleClaude-shaped SQLite schema: the tables, keys and quirks of REFERENCE.md
/// (text and AUTOINCREMENT keys, composite keys, cascading foreign keys, CHECK
/// constraints, a partial unique index, columns added later by migrations, a view).
public enum SampleSchema {
    public static let statements: [String] = [
        """
        CREATE TABLE schema_migrations (
            version TEXT PRIMARY KEY,
            applied_at TEXT
        )
        """,
        """
        CREATE TABLE sessions (
            session_id TEXT PRIMARY KEY,
            computer_name TEXT NOT NULL,
            title TEXT,
            tmux_session_name TEXT,
            origin_adapter TEXT NOT NULL DEFAULT 'telegram'
                CHECK (origin_adapter IN ('telegram', 'discord', 'whatsapp', 'mcp', 'cli')),
            adapter_metadata TEXT,
            closed BOOLEAN NOT NULL DEFAULT 0,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            last_activity TEXT,
            working_directory TEXT,
            active_agent TEXT,
            thinking_mode TEXT,
            last_output_raw TEXT,
            transcript_files TEXT,
            initiator_session_id TEXT,
            lifecycle_status TEXT DEFAULT 'active'
                CHECK (lifecycle_status IN ('active', 'idle', 'closing', 'closed')),
            last_message_epoch INTEGER,
            tokens_used INTEGER,
            cost_usd REAL,
            avatar BLOB
        )
        """,
        // Added by later migrations, so they sit after the original columns.
        "ALTER TABLE sessions ADD COLUMN human_email TEXT",
        "ALTER TABLE sessions ADD COLUMN human_role TEXT",
        "ALTER TABLE sessions ADD COLUMN notification_sent INTEGER DEFAULT 0",
        """
        CREATE TABLE hook_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            next_attempt_at TEXT,
            attempt_count INTEGER NOT NULL DEFAULT 0,
            delivered_at TEXT,
            last_error TEXT,
            locked_at TEXT
        )
        """,
        "CREATE INDEX idx_hook_outbox_pending ON hook_outbox (delivered_at, next_attempt_at)",
        """
        CREATE TABLE inbound_queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            origin TEXT NOT NULL,
            message_type TEXT NOT NULL DEFAULT 'text',
            content TEXT NOT NULL,
            payload_json TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'processing', 'done', 'failed')),
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            processed_at TEXT,
            attempt_count INTEGER DEFAULT 0
        )
        """,
        """
        CREATE TABLE memory_observations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            memory_session_id TEXT NOT NULL,
            project TEXT NOT NULL,
            type TEXT NOT NULL,
            title TEXT,
            narrative TEXT,
            facts TEXT,
            files_read TEXT,
            created_at TEXT NOT NULL,
            created_at_epoch INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE session_listeners (
            target_session_id TEXT NOT NULL,
            caller_session_id TEXT NOT NULL,
            caller_tmux_session TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            PRIMARY KEY (target_session_id, caller_session_id)
        )
        """,
        """
        CREATE TABLE conversation_links (
            link_id TEXT PRIMARY KEY,
            mode TEXT NOT NULL CHECK (mode IN ('direct', 'gathering')),
            status TEXT NOT NULL DEFAULT 'active',
            created_by_session_id TEXT NOT NULL,
            metadata_json TEXT,
            created_at TEXT NOT NULL,
            closed_at TEXT
        )
        """,
        """
        CREATE TABLE conversation_link_members (
            link_id TEXT NOT NULL REFERENCES conversation_links (link_id) ON DELETE CASCADE,
            session_id TEXT NOT NULL,
            participant_name TEXT,
            participant_number INTEGER,
            joined_at TEXT NOT NULL,
            PRIMARY KEY (link_id, session_id)
        )
        """,
        """
        CREATE TABLE session_tokens (
            token TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            principal TEXT NOT NULL,
            role TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """,
        """
        CREATE TABLE notification_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            content TEXT NOT NULL,
            delivery_channel TEXT NOT NULL DEFAULT 'telegram',
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            delivered_at TEXT,
            attempt_count INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """,
        "CREATE UNIQUE INDEX idx_notification_pending ON notification_outbox (recipient, content) WHERE status = 'pending'",
        """
        CREATE TABLE pending_message_deletions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            deletion_type TEXT NOT NULL,
            created_at TEXT DEFAULT CURRENT_TIMESTAMP,
            UNIQUE (session_id, message_id, deletion_type)
        )
        """,
        """
        CREATE TABLE system_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT DEFAULT CURRENT_TIMESTAMP
        )
        """,
        """
        CREATE TABLE agent_availability (
            agent TEXT PRIMARY KEY,
            available INTEGER DEFAULT 1,
            unavailable_until TEXT,
            reason TEXT
        )
        """,
        "CREATE VIEW open_sessions AS SELECT session_id, title FROM sessions WHERE closed = 0",
    ]
}
