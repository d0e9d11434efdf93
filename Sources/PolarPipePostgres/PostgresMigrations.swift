import Logging
import PostgresNIO
import PolarPipeCore

/// The PostgreSQL schema, as versioned migrations recorded in `schema_migrations`. A shipped migration is never
/// edited: changes come as new migrations appended to `all`. Each migration runs in its own transaction under an
/// advisory lock, so workers starting together apply it once.
enum PostgresMigrations {
    struct Migration {
        var id: String
        var statements: [String]
    }

    /// Key of the advisory lock that serialises migrations across processes and machines.
    static let lockKey: Int64 = 0x706F_6C61_7201

    static let all: [Migration] = [
        Migration(id: "v1_initial_schema", statements: v1),
        Migration(id: "v2_accounts", statements: v2),
        Migration(id: "v3_series_uncompressed", statements: v3),
        Migration(id: "v4_ingestion_ledger", statements: v4),
        Migration(id: "v5_records_per_sport", statements: v5),
        Migration(id: "v6_power_and_channels", statements: v6),
        Migration(id: "v7_mapped_tasks", statements: v7),
        Migration(id: "v8_heart_rate_zone_limits", statements: v8),
        Migration(id: "v9_accesslink_states", statements: v9),
    ]

    /// The OAuth2 states of "Connect Polar account": SHA-256 of the state, its user, its expiry (epoch ms).
    static let v9: [String] = [
        "CREATE TABLE accesslink_states(state_hash TEXT PRIMARY KEY, user_key TEXT NOT NULL, expires_ms BIGINT NOT NULL)",
    ]

    /// Mapped tasks: a task instance is also known by its map index (−1 when the task is not mapped, as in Airflow),
    /// part of the key; each validated file records its file shard.
    static let v7: [String] = [
        "ALTER TABLE task_instances ADD COLUMN map_index INTEGER NOT NULL DEFAULT -1",
        "ALTER TABLE task_instances DROP CONSTRAINT task_instances_pkey",
        "ALTER TABLE task_instances ADD PRIMARY KEY (run_id, task_id, map_index, try_number)",
        "ALTER TABLE ingested_files ADD COLUMN shard INTEGER",
        "CREATE INDEX ingested_files_shard ON ingested_files(run_id, shard)",
        "CREATE INDEX exercises_file ON exercises(file_id)",
    ]

    /// Heart-rate zones as bpm limits: those the file states for an exercise, and those its statistics used
    /// (`HeartRateZoneLimits.text`; NULL: none, the zones were % of max HR).
    static let v8: [String] = [
        "ALTER TABLE exercises ADD COLUMN hr_zone_limits TEXT",
        "ALTER TABLE exercise_statistics ADD COLUMN profile_hr_zones TEXT",
    ]

    /// Personal records per sport: `user_records` gains `sport` (part of the key); a kept record takes its exercise's
    /// sport, and a fastest kilometre set on a bike is dropped (only sports on foot have them now).
    static let v5: [String] = [
        "ALTER TABLE user_records ADD COLUMN sport TEXT",
        """
        UPDATE user_records r SET sport = COALESCE((SELECT e.sport FROM exercises e WHERE e.id = r.exercise_id), 'UNKNOWN')
        """,
        "DELETE FROM user_records WHERE record LIKE 'fastest%' AND (sport LIKE '%CYCLING%' OR sport LIKE '%BIK%')",
        "ALTER TABLE user_records ALTER COLUMN sport SET NOT NULL",
        "ALTER TABLE user_records DROP CONSTRAINT user_records_pkey",
        "ALTER TABLE user_records ADD PRIMARY KEY (user_id, sport, record)",
    ]

    /// The channels each exercise has (`SampleChannels`), for the duplicate rule's richer copy (NULL for exercises
    /// stored before: they count as having every channel); functional threshold power; and the power, cadence and
    /// physiology columns of exercise statistics (`ExerciseStatistics.extendedColumnNames`).
    static let v6: [String] = [
        "ALTER TABLE exercises ADD COLUMN sample_channels INTEGER, ADD COLUMN ftp_w DOUBLE PRECISION",
        "ALTER TABLE users ADD COLUMN ftp_w DOUBLE PRECISION",
        "ALTER TABLE exercise_statistics ADD COLUMN profile_sex TEXT, "
            + ExerciseStatistics.extendedColumnNames.map { "ADD COLUMN \($0) DOUBLE PRECISION" }.joined(separator: ", "),
    ]

    /// The ingestion ledger: an explicit state per row (`FileState`), a zip entry's name in its own column with its
    /// zip's row as parent (before, `original_path` was `<zip>#<entry>`), the deaths a file was in flight for, and
    /// `skipped` among the statuses; the run lease gains its fencing token and its owner's mode.
    static let v4: [String] = [
        """
        ALTER TABLE ingested_files ADD COLUMN entry_name TEXT, ADD COLUMN parent_id BIGINT REFERENCES ingested_files(id),
            ADD COLUMN state TEXT, ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0
        """,
        """
        UPDATE ingested_files SET
            entry_name = CASE WHEN position('#' IN original_path) > 0 THEN substr(original_path, position('#' IN original_path) + 1) END,
            original_path = split_part(original_path, '#', 1),
            path = split_part(path, '#', 1),
            state = CASE status
                WHEN 'pending' THEN (CASE WHEN staged_path IS NULL THEN 'claimed' ELSE 'validated' END)
                WHEN 'loaded' THEN (CASE WHEN path LIKE 'processed/%' THEN 'archived' ELSE 'loaded' END)
                ELSE status END
        """,
        """
        UPDATE ingested_files f SET parent_id = z.id FROM ingested_files z
        WHERE f.entry_name IS NOT NULL AND z.entry_name IS NULL AND z.run_id = f.run_id AND z.original_path = f.original_path
        """,
        "ALTER TABLE ingested_files ALTER COLUMN state SET NOT NULL",
        "ALTER TABLE ingested_files DROP CONSTRAINT IF EXISTS ingested_files_status_check",
        """
        ALTER TABLE ingested_files ADD CONSTRAINT ingested_files_status_check
            CHECK (status IN ('pending','loaded','duplicate','quarantined','skipped'))
        """,
        """
        ALTER TABLE ingested_files ADD CONSTRAINT ingested_files_state_check
            CHECK (state IN ('claimed','validated','loaded','archived','duplicate','quarantined','skipped','partial'))
        """,
        "CREATE INDEX ingested_files_parent ON ingested_files(parent_id, entry_name)",
        "ALTER TABLE run_lease ADD COLUMN token BIGINT NOT NULL DEFAULT 1, ADD COLUMN owner_mode TEXT NOT NULL DEFAULT 'process'",
    ]

    /// The stored channels are raw `Float64` arrays of 20–60 KB, which PostgreSQL's default TOAST compression (pglz)
    /// tried to compress on every insert: 3.7 ms per row, 2.2 s of a 200-session run. They are kept out of line,
    /// uncompressed, like SQLite's blobs.
    static let v3: [String] = [
        """
        ALTER TABLE exercise_series ALTER COLUMN t SET STORAGE EXTERNAL, ALTER COLUMN value SET STORAGE EXTERNAL
        """,
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { conn in
            try await conn.perform("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await conn.perform("""
                CREATE TABLE IF NOT EXISTS schema_migrations(id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<String>()
            for try await id in try await conn.query("SELECT id FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(id)
            }
            for migration in all where !applied.contains(migration.id) {
                for statement in migration.statements {
                    try await conn.perform(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await conn.perform("INSERT INTO schema_migrations(id) VALUES (\(migration.id))", logger: logger)
                logger.info("applied migration", metadata: ["id": "\(migration.id)"])
            }
        }
    }

    /// The schema of SQLite's v1–v3 in PostgreSQL types: identity ids, TIMESTAMPTZ for UTC times, TIMESTAMP for the
    /// watch's local times, DATE for days, JSONB for raw JSON, and the two sample tables partitioned by the month of
    /// their exercise's start (partitions are created on demand by the load tasks).
    static let v1: [String] = [
        // Millisecond epoch <-> TIMESTAMPTZ, so the store binds and reads plain integers.
        """
        CREATE FUNCTION pp_ts(ms BIGINT) RETURNS TIMESTAMPTZ LANGUAGE SQL IMMUTABLE STRICT
            RETURN to_timestamp(ms / 1000.0)
        """,
        """
        CREATE FUNCTION pp_ms(ts TIMESTAMPTZ) RETURNS BIGINT LANGUAGE SQL IMMUTABLE STRICT
            RETURN round(extract(epoch FROM ts) * 1000)::BIGINT
        """,
        """
        CREATE TABLE users(
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            user_key TEXT NOT NULL UNIQUE,
            polar_user_id TEXT,
            sex TEXT,
            birthday TEXT,
            height_cm DOUBLE PRECISION,
            weight_kg DOUBLE PRECISION,
            max_hr DOUBLE PRECISION,
            resting_hr DOUBLE PRECISION,
            vo2max DOUBLE PRECISION,
            aerobic_threshold DOUBLE PRECISION,
            anaerobic_threshold DOUBLE PRECISION,
            physical_recorded_at TIMESTAMP,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL)
        """,
        """
        CREATE TABLE pipeline_runs(
            run_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('running','success','failed')),
            started_at TIMESTAMPTZ NOT NULL,
            ended_at TIMESTAMPTZ,
            trigger TEXT NOT NULL DEFAULT 'manual',
            summary TEXT)
        """,
        """
        CREATE TABLE task_instances(
            seq BIGINT GENERATED ALWAYS AS IDENTITY,
            run_id TEXT NOT NULL REFERENCES pipeline_runs(run_id),
            task_id TEXT NOT NULL,
            try_number INTEGER NOT NULL,
            state TEXT NOT NULL,
            started_at TIMESTAMPTZ,
            ended_at TIMESTAMPTZ,
            error TEXT,
            output TEXT,
            PRIMARY KEY (run_id, task_id, try_number))
        """,
        """
        CREATE TABLE run_lease(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            run_id TEXT NOT NULL,
            owner_pid INTEGER NOT NULL,
            owner_host TEXT NOT NULL,
            acquired_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE ingested_files(
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            sha256 TEXT NOT NULL,
            path TEXT NOT NULL,
            original_path TEXT NOT NULL,
            user_key TEXT NOT NULL,
            user_id BIGINT REFERENCES users(id),
            run_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending','loaded','duplicate','quarantined')),
            reason TEXT,
            layout TEXT,
            bytes BIGINT NOT NULL,
            staged_path TEXT,
            ingested_at TIMESTAMPTZ NOT NULL)
        """,
        "CREATE INDEX ingested_files_sha256 ON ingested_files(sha256)",
        "CREATE INDEX ingested_files_run ON ingested_files(run_id)",
        """
        CREATE TABLE exercises(
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users(id),
            file_id BIGINT NOT NULL REFERENCES ingested_files(id),
            run_id TEXT NOT NULL,
            exercise_index INTEGER NOT NULL,
            external_id TEXT,
            layout TEXT NOT NULL,
            sport TEXT NOT NULL,
            sport_raw TEXT,
            start_time_utc TIMESTAMPTZ NOT NULL,
            start_time_local TIMESTAMP NOT NULL,
            start_utc_ms BIGINT NOT NULL,
            tz_offset_min INTEGER,
            duration_s DOUBLE PRECISION NOT NULL,
            distance_m DOUBLE PRECISION,
            calories DOUBLE PRECISION,
            device_id TEXT,
            reported_hr_min DOUBLE PRECISION,
            reported_hr_avg DOUBLE PRECISION,
            reported_hr_max DOUBLE PRECISION,
            ascent_m DOUBLE PRECISION,
            descent_m DOUBLE PRECISION,
            hr_samples_rejected INTEGER,
            gps_points_rejected INTEGER,
            max_hr DOUBLE PRECISION,
            resting_hr DOUBLE PRECISION,
            sex TEXT,
            birthday TEXT,
            raw JSONB NOT NULL,
            UNIQUE (file_id, exercise_index))
        """,
        "CREATE INDEX exercises_user_start ON exercises(user_id, start_utc_ms)",
        "CREATE INDEX exercises_run ON exercises(run_id)",
        "CREATE INDEX exercises_start ON exercises(start_utc_ms)",
        """
        CREATE TABLE heart_rate_samples(
            exercise_id BIGINT NOT NULL,
            t DOUBLE PRECISION NOT NULL,
            bpm DOUBLE PRECISION NOT NULL,
            start_month DATE NOT NULL,
            PRIMARY KEY (exercise_id, t, start_month)) PARTITION BY RANGE (start_month)
        """,
        """
        CREATE TABLE gps_route_points(
            exercise_id BIGINT NOT NULL,
            t DOUBLE PRECISION NOT NULL,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            altitude_m DOUBLE PRECISION,
            start_month DATE NOT NULL,
            PRIMARY KEY (exercise_id, t, start_month)) PARTITION BY RANGE (start_month)
        """,
        """
        CREATE TABLE exercise_series(
            exercise_id BIGINT NOT NULL,
            channel TEXT NOT NULL,
            samples INTEGER NOT NULL,
            t BYTEA NOT NULL,
            value BYTEA NOT NULL,
            PRIMARY KEY (exercise_id, channel))
        """,
        """
        CREATE TABLE exercise_statistics(
            exercise_id BIGINT PRIMARY KEY REFERENCES exercises(id) ON DELETE CASCADE,
            hr_samples INTEGER NOT NULL,
            hr_min DOUBLE PRECISION,
            hr_max DOUBLE PRECISION,
            hr_avg DOUBLE PRECISION,
            hr_sum DOUBLE PRECISION NOT NULL,
            gps_points INTEGER NOT NULL,
            duration_s DOUBLE PRECISION NOT NULL,
            distance_m DOUBLE PRECISION,
            gps_distance_m DOUBLE PRECISION,
            avg_speed_kmh DOUBLE PRECISION,
            pace_min_per_km DOUBLE PRECISION,
            elevation_gain_m DOUBLE PRECISION,
            elevation_loss_m DOUBLE PRECISION,
            moving_time_s DOUBLE PRECISION,
            hr_zone1_s DOUBLE PRECISION,
            hr_zone2_s DOUBLE PRECISION,
            hr_zone3_s DOUBLE PRECISION,
            hr_zone4_s DOUBLE PRECISION,
            hr_zone5_s DOUBLE PRECISION,
            trimp DOUBLE PRECISION,
            best_1km_s DOUBLE PRECISION,
            best_5km_s DOUBLE PRECISION,
            best_10km_s DOUBLE PRECISION)
        """,
        """
        CREATE TABLE exercise_splits(
            exercise_id BIGINT NOT NULL,
            km INTEGER NOT NULL,
            time_s DOUBLE PRECISION NOT NULL,
            pace_min_per_km DOUBLE PRECISION NOT NULL,
            hr_avg DOUBLE PRECISION,
            elevation_m DOUBLE PRECISION,
            PRIMARY KEY (exercise_id, km))
        """,
        """
        CREATE TABLE user_statistics(
            user_id BIGINT PRIMARY KEY REFERENCES users(id),
            total_exercises INTEGER NOT NULL,
            total_distance_m DOUBLE PRECISION NOT NULL,
            total_duration_s DOUBLE PRECISION NOT NULL,
            total_calories DOUBLE PRECISION NOT NULL,
            avg_distance_m DOUBLE PRECISION,
            avg_duration_s DOUBLE PRECISION,
            avg_hr DOUBLE PRECISION,
            total_hr_samples BIGINT NOT NULL,
            most_common_sport TEXT,
            first_exercise_at TIMESTAMPTZ,
            last_exercise_at TIMESTAMPTZ,
            computed_at TIMESTAMPTZ NOT NULL)
        """,
        """
        CREATE TABLE user_weekly_statistics(
            user_id BIGINT NOT NULL REFERENCES users(id),
            iso_week TEXT NOT NULL,
            week_start DATE NOT NULL,
            exercises INTEGER NOT NULL,
            distance_m DOUBLE PRECISION NOT NULL,
            duration_s DOUBLE PRECISION NOT NULL,
            trimp DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (user_id, iso_week))
        """,
        """
        CREATE TABLE user_daily_load(
            user_id BIGINT NOT NULL REFERENCES users(id),
            day DATE NOT NULL,
            trimp DOUBLE PRECISION NOT NULL,
            ctl DOUBLE PRECISION NOT NULL,
            atl DOUBLE PRECISION NOT NULL,
            tsb DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (user_id, day))
        """,
        """
        CREATE TABLE user_records(
            user_id BIGINT NOT NULL REFERENCES users(id),
            record TEXT NOT NULL,
            value DOUBLE PRECISION NOT NULL,
            exercise_id BIGINT NOT NULL,
            achieved_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (user_id, record))
        """,
        """
        CREATE TABLE global_statistics(
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            computed_at TIMESTAMPTZ NOT NULL,
            total_users INTEGER NOT NULL,
            total_exercises INTEGER NOT NULL,
            total_distance_m DOUBLE PRECISION NOT NULL,
            total_duration_s DOUBLE PRECISION NOT NULL,
            total_calories DOUBLE PRECISION NOT NULL,
            total_hr_samples BIGINT NOT NULL,
            total_gps_points BIGINT NOT NULL,
            exercises_last_7d INTEGER NOT NULL,
            exercises_prev_7d INTEGER NOT NULL,
            sport_distribution JSONB NOT NULL)
        """,
        """
        CREATE TABLE global_weekly_statistics(
            iso_week TEXT PRIMARY KEY,
            week_start DATE NOT NULL,
            exercises INTEGER NOT NULL,
            active_users INTEGER NOT NULL,
            distance_m DOUBLE PRECISION NOT NULL)
        """,
    ]

    /// The service's accounts: API tokens (salted hashes only), uploads, AccessLink links and fetched exercises.
    static let v2: [String] = [
        """
        CREATE TABLE api_tokens(
            token_id TEXT PRIMARY KEY,
            user_key TEXT NOT NULL,
            is_admin BOOLEAN NOT NULL DEFAULT false,
            salt TEXT NOT NULL,
            hash TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL)
        """,
        """
        CREATE TABLE uploads(
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            user_key TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            path TEXT NOT NULL,
            bytes BIGINT NOT NULL,
            layout TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            UNIQUE (user_key, sha256))
        """,
        """
        CREATE TABLE accesslink_accounts(
            user_key TEXT PRIMARY KEY,
            polar_user_id BIGINT NOT NULL,
            access_token TEXT NOT NULL,
            registered_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ NOT NULL)
        """,
        """
        CREATE TABLE accesslink_exercises(
            user_key TEXT NOT NULL,
            exercise_id TEXT NOT NULL,
            path TEXT NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (user_key, exercise_id))
        """,
    ]
}
