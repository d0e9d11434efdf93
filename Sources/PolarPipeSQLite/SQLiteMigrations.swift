import GRDB
import PolarPipeCore

/// The schema, as versioned migrations. A shipped migration is never edited: changes come as new migrations.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_initial_schema") { db in
            try db.execute(sql: """
                CREATE TABLE users(
                    id INTEGER PRIMARY KEY,
                    user_key TEXT NOT NULL UNIQUE,
                    polar_user_id TEXT,
                    sex TEXT,
                    birthday TEXT,
                    height_cm REAL,
                    weight_kg REAL,
                    max_hr REAL,
                    resting_hr REAL,
                    vo2max REAL,
                    aerobic_threshold REAL,
                    anaerobic_threshold REAL,
                    physical_recorded_at TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL);

                CREATE TABLE pipeline_runs(
                    run_id TEXT PRIMARY KEY,
                    state TEXT NOT NULL CHECK (state IN ('running','success','failed')),
                    started_at TEXT NOT NULL,
                    ended_at TEXT,
                    trigger TEXT NOT NULL DEFAULT 'manual',
                    summary TEXT);

                CREATE TABLE task_instances(
                    run_id TEXT NOT NULL REFERENCES pipeline_runs(run_id),
                    task_id TEXT NOT NULL,
                    try_number INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    started_at TEXT,
                    ended_at TEXT,
                    error TEXT,
                    output TEXT,
                    PRIMARY KEY (run_id, task_id, try_number));

                CREATE TABLE run_lease(
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    run_id TEXT NOT NULL,
                    owner_pid INTEGER NOT NULL,
                    owner_host TEXT NOT NULL,
                    acquired_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL);

                CREATE TABLE ingested_files(
                    id INTEGER PRIMARY KEY,
                    sha256 TEXT NOT NULL,
                    path TEXT NOT NULL,
                    original_path TEXT NOT NULL,
                    user_key TEXT NOT NULL,
                    user_id INTEGER REFERENCES users(id),
                    run_id TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending','loaded','duplicate','quarantined')),
                    reason TEXT,
                    layout TEXT,
                    bytes INTEGER NOT NULL,
                    staged_path TEXT,
                    ingested_at TEXT NOT NULL);
                CREATE INDEX ingested_files_sha256 ON ingested_files(sha256);
                CREATE INDEX ingested_files_run ON ingested_files(run_id);

                CREATE TABLE exercises(
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    file_id INTEGER NOT NULL REFERENCES ingested_files(id),
                    run_id TEXT NOT NULL,
                    exercise_index INTEGER NOT NULL,
                    external_id TEXT,
                    layout TEXT NOT NULL,
                    sport TEXT NOT NULL,
                    sport_raw TEXT,
                    start_time_utc TEXT NOT NULL,
                    start_time_local TEXT NOT NULL,
                    start_utc_ms INTEGER NOT NULL,
                    tz_offset_min INTEGER,
                    duration_s REAL NOT NULL,
                    distance_m REAL,
                    calories REAL,
                    device_id TEXT,
                    reported_hr_min REAL,
                    reported_hr_avg REAL,
                    reported_hr_max REAL,
                    ascent_m REAL,
                    descent_m REAL,
                    hr_samples_rejected INTEGER,
                    gps_points_rejected INTEGER,
                    raw TEXT NOT NULL,
                    UNIQUE (file_id, exercise_index));
                CREATE INDEX exercises_user_start ON exercises(user_id, start_utc_ms);
                CREATE INDEX exercises_run ON exercises(run_id);
                CREATE INDEX exercises_start ON exercises(start_utc_ms);

                CREATE TABLE heart_rate_samples(
                    exercise_id INTEGER NOT NULL,
                    t REAL NOT NULL,
                    bpm INTEGER NOT NULL,
                    PRIMARY KEY (exercise_id, t)) WITHOUT ROWID;

                CREATE TABLE gps_route_points(
                    exercise_id INTEGER NOT NULL,
                    t REAL NOT NULL,
                    latitude REAL NOT NULL,
                    longitude REAL NOT NULL,
                    altitude_m REAL,
                    PRIMARY KEY (exercise_id, t)) WITHOUT ROWID;

                CREATE TABLE exercise_series(
                    exercise_id INTEGER NOT NULL,
                    channel TEXT NOT NULL,
                    samples INTEGER NOT NULL,
                    t BLOB NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (exercise_id, channel)) WITHOUT ROWID;

                CREATE TABLE exercise_statistics(
                    exercise_id INTEGER PRIMARY KEY REFERENCES exercises(id) ON DELETE CASCADE,
                    hr_samples INTEGER NOT NULL,
                    hr_min REAL,
                    hr_max REAL,
                    hr_avg REAL,
                    hr_sum REAL NOT NULL,
                    gps_points INTEGER NOT NULL,
                    duration_s REAL NOT NULL,
                    distance_m REAL,
                    gps_distance_m REAL,
                    avg_speed_kmh REAL,
                    pace_min_per_km REAL,
                    elevation_gain_m REAL,
                    elevation_loss_m REAL);

                CREATE TABLE user_statistics(
                    user_id INTEGER PRIMARY KEY REFERENCES users(id),
                    total_exercises INTEGER NOT NULL,
                    total_distance_m REAL NOT NULL,
                    total_duration_s REAL NOT NULL,
                    total_calories REAL NOT NULL,
                    avg_distance_m REAL,
                    avg_duration_s REAL,
                    avg_hr REAL,
                    total_hr_samples INTEGER NOT NULL,
                    most_common_sport TEXT,
                    first_exercise_at TEXT,
                    last_exercise_at TEXT,
                    computed_at TEXT NOT NULL);

                CREATE TABLE global_statistics(
                    id INTEGER PRIMARY KEY,
                    run_id TEXT NOT NULL UNIQUE,
                    computed_at TEXT NOT NULL,
                    total_users INTEGER NOT NULL,
                    total_exercises INTEGER NOT NULL,
                    total_distance_m REAL NOT NULL,
                    total_duration_s REAL NOT NULL,
                    total_calories REAL NOT NULL,
                    total_hr_samples INTEGER NOT NULL,
                    total_gps_points INTEGER NOT NULL,
                    exercises_last_7d INTEGER NOT NULL,
                    exercises_prev_7d INTEGER NOT NULL,
                    sport_distribution TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2_training_load") { db in
            try db.execute(sql: """
                ALTER TABLE exercises ADD COLUMN max_hr REAL;
                ALTER TABLE exercises ADD COLUMN resting_hr REAL;
                ALTER TABLE exercises ADD COLUMN sex TEXT;
                ALTER TABLE exercises ADD COLUMN birthday TEXT;
                ALTER TABLE exercise_statistics ADD COLUMN moving_time_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN hr_zone1_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN hr_zone2_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN hr_zone3_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN hr_zone4_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN hr_zone5_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN trimp REAL;

                CREATE TABLE user_weekly_statistics(
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    iso_week TEXT NOT NULL,
                    week_start TEXT NOT NULL,
                    exercises INTEGER NOT NULL,
                    distance_m REAL NOT NULL,
                    duration_s REAL NOT NULL,
                    trimp REAL NOT NULL,
                    PRIMARY KEY (user_id, iso_week));

                CREATE TABLE user_daily_load(
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    day TEXT NOT NULL,
                    trimp REAL NOT NULL,
                    ctl REAL NOT NULL,
                    atl REAL NOT NULL,
                    tsb REAL NOT NULL,
                    PRIMARY KEY (user_id, day));

                CREATE TABLE global_weekly_statistics(
                    iso_week TEXT PRIMARY KEY,
                    week_start TEXT NOT NULL,
                    exercises INTEGER NOT NULL,
                    active_users INTEGER NOT NULL,
                    distance_m REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v3_splits_and_records") { db in
            try db.execute(sql: """
                ALTER TABLE exercise_statistics ADD COLUMN best_1km_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN best_5km_s REAL;
                ALTER TABLE exercise_statistics ADD COLUMN best_10km_s REAL;

                CREATE TABLE exercise_splits(
                    exercise_id INTEGER NOT NULL,
                    km INTEGER NOT NULL,
                    time_s REAL NOT NULL,
                    pace_min_per_km REAL NOT NULL,
                    hr_avg REAL,
                    elevation_m REAL,
                    PRIMARY KEY (exercise_id, km)) WITHOUT ROWID;

                CREATE TABLE user_records(
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    record TEXT NOT NULL,
                    value REAL NOT NULL,
                    exercise_id INTEGER NOT NULL,
                    achieved_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, record));
                """)
        }
        // The service's accounts (`AccountStore`): API tokens (salted hashes only), uploads (so a byte-identical
        // re-upload is recognised before a run has taken the file) and AccessLink accounts and fetched exercises.
        migrator.registerMigration("v4-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE api_tokens(
                    token_id TEXT PRIMARY KEY,
                    user_key TEXT NOT NULL,
                    is_admin INTEGER NOT NULL DEFAULT 0,
                    salt TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    created_at TEXT NOT NULL);

                CREATE TABLE uploads(
                    id INTEGER PRIMARY KEY,
                    user_key TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    path TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    layout TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    UNIQUE (user_key, sha256));

                CREATE TABLE accesslink_accounts(
                    user_key TEXT PRIMARY KEY,
                    polar_user_id INTEGER NOT NULL,
                    access_token TEXT NOT NULL,
                    registered_at TEXT,
                    updated_at TEXT NOT NULL);

                CREATE TABLE accesslink_exercises(
                    user_key TEXT NOT NULL,
                    exercise_id TEXT NOT NULL,
                    path TEXT NOT NULL,
                    fetched_at TEXT NOT NULL,
                    PRIMARY KEY (user_key, exercise_id));
                """)
        }
        // The statistics read exercises by user and by time, summing a few narrow columns. An `exercises` row also
        // holds the file's raw JSON (kilobytes), so reading those columns from the table scanned every row's pages:
        // `update_global_statistics` took 0.04 s at 10 000 exercises against 0.00–0.01 s at 100. Indexes that
        // cover these columns keep the statistics tasks of a small run independent of the database's size.
        migrator.registerMigration("v5-covering-indexes") { db in
            try db.execute(sql: """
                DROP INDEX exercises_user_start;
                DROP INDEX exercises_start;
                CREATE INDEX exercises_user_start ON exercises(user_id, start_utc_ms, sport, tz_offset_min, duration_s, calories);
                CREATE INDEX exercises_start ON exercises(start_utc_ms, user_id, sport, tz_offset_min, duration_s, calories);
                """)
        }
        // The ingestion ledger: an explicit state per row (`FileState`), a zip entry's name in its own column with
        // its zip's row as parent (before, `original_path` was `<zip>#<entry>`, parsed back on every use), a count of
        // the deaths a file was in flight for, and `skipped` among the statuses. SQLite cannot change a CHECK, so the
        // table is copied. The run lease gains its fencing token and its owner's mode.
        migrator.registerMigration("v6-ingestion-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE ingested_files_v6(
                    id INTEGER PRIMARY KEY,
                    sha256 TEXT NOT NULL,
                    path TEXT NOT NULL,
                    original_path TEXT NOT NULL,
                    entry_name TEXT,
                    parent_id INTEGER REFERENCES ingested_files(id),
                    user_key TEXT NOT NULL,
                    user_id INTEGER REFERENCES users(id),
                    run_id TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('claimed','validated','loaded','archived','duplicate','quarantined','skipped','partial')),
                    status TEXT NOT NULL CHECK (status IN ('pending','loaded','duplicate','quarantined','skipped')),
                    reason TEXT,
                    layout TEXT,
                    bytes INTEGER NOT NULL,
                    staged_path TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    ingested_at TEXT NOT NULL);
                INSERT INTO ingested_files_v6(id, sha256, path, original_path, entry_name, user_key, user_id, run_id, state, status,
                                              reason, layout, bytes, staged_path, ingested_at)
                SELECT id, sha256,
                    CASE WHEN instr(path, '#') > 0 THEN substr(path, 1, instr(path, '#') - 1) ELSE path END,
                    CASE WHEN instr(original_path, '#') > 0 THEN substr(original_path, 1, instr(original_path, '#') - 1) ELSE original_path END,
                    CASE WHEN instr(original_path, '#') > 0 THEN substr(original_path, instr(original_path, '#') + 1) END,
                    user_key, user_id, run_id,
                    CASE status
                        WHEN 'pending' THEN (CASE WHEN staged_path IS NULL THEN 'claimed' ELSE 'validated' END)
                        WHEN 'loaded' THEN (CASE WHEN path LIKE 'processed/%' THEN 'archived' ELSE 'loaded' END)
                        ELSE status END,
                    status, reason, layout, bytes, staged_path, ingested_at
                FROM ingested_files;
                UPDATE ingested_files_v6 SET parent_id = (
                    SELECT z.id FROM ingested_files_v6 z
                    WHERE z.run_id = ingested_files_v6.run_id AND z.original_path = ingested_files_v6.original_path AND z.entry_name IS NULL)
                WHERE entry_name IS NOT NULL;
                DROP TABLE ingested_files;
                ALTER TABLE ingested_files_v6 RENAME TO ingested_files;
                CREATE INDEX ingested_files_sha256 ON ingested_files(sha256);
                CREATE INDEX ingested_files_run ON ingested_files(run_id);
                CREATE INDEX ingested_files_parent ON ingested_files(parent_id, entry_name);
                ALTER TABLE run_lease ADD COLUMN token INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE run_lease ADD COLUMN owner_mode TEXT NOT NULL DEFAULT 'process';
                """)
        }
        // Personal records per sport: `user_records` gains `sport` (part of the key). SQLite cannot change a primary
        // key, so the table is copied; a kept record takes its exercise's sport, and a fastest kilometre set on a bike
        // is dropped (only sports on foot have them now). The next run that touches a user, or `polarpipe stats
        // rebuild`, recomputes the records of every sport.
        migrator.registerMigration("v7-records-per-sport") { db in
            try db.execute(sql: """
                CREATE TABLE user_records_v7(
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    sport TEXT NOT NULL,
                    record TEXT NOT NULL,
                    value REAL NOT NULL,
                    exercise_id INTEGER NOT NULL,
                    achieved_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, sport, record));
                INSERT INTO user_records_v7(user_id, sport, record, value, exercise_id, achieved_at)
                SELECT r.user_id, COALESCE(e.sport, 'UNKNOWN'), r.record, r.value, r.exercise_id, r.achieved_at
                FROM user_records r LEFT JOIN exercises e ON e.id = r.exercise_id
                WHERE NOT (r.record LIKE 'fastest%' AND (e.sport LIKE '%CYCLING%' OR e.sport LIKE '%BIK%'));
                DROP TABLE user_records;
                ALTER TABLE user_records_v7 RENAME TO user_records;
                """)
        }
        // The channels each exercise has (`SampleChannels`), for the duplicate rule's richer copy (NULL for exercises
        // stored before: they count as having every channel); functional threshold power; and the power, cadence and
        // physiology columns of exercise statistics (`ExerciseStatistics.extendedColumnNames`).
        migrator.registerMigration("v8-power-and-channels") { db in
            try db.execute(sql: """
                ALTER TABLE exercises ADD COLUMN sample_channels INTEGER;
                ALTER TABLE exercises ADD COLUMN ftp_w REAL;
                ALTER TABLE users ADD COLUMN ftp_w REAL;
                ALTER TABLE exercise_statistics ADD COLUMN profile_sex TEXT;
                """)
            for column in ExerciseStatistics.extendedColumnNames {
                try db.execute(sql: "ALTER TABLE exercise_statistics ADD COLUMN \(column) REAL")
            }
        }
        // Mapped tasks: a task instance is also known by its map index (−1 when the task is not mapped, as in
        // Airflow), part of the key, so the table is copied; each validated file records its file shard.
        migrator.registerMigration("v9-mapped-tasks") { db in
            try db.execute(sql: """
                CREATE TABLE task_instances_v9(
                    run_id TEXT NOT NULL REFERENCES pipeline_runs(run_id),
                    task_id TEXT NOT NULL,
                    map_index INTEGER NOT NULL DEFAULT -1,
                    try_number INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    started_at TEXT,
                    ended_at TEXT,
                    error TEXT,
                    output TEXT,
                    PRIMARY KEY (run_id, task_id, map_index, try_number));
                INSERT INTO task_instances_v9(run_id, task_id, map_index, try_number, state, started_at, ended_at, error, output)
                SELECT run_id, task_id, -1, try_number, state, started_at, ended_at, error, output FROM task_instances ORDER BY rowid;
                DROP TABLE task_instances;
                ALTER TABLE task_instances_v9 RENAME TO task_instances;
                ALTER TABLE ingested_files ADD COLUMN shard INTEGER;
                CREATE INDEX ingested_files_shard ON ingested_files(run_id, shard);
                """)
        }
        // Heart-rate zones as bpm limits: those the file states for an exercise, and those its statistics used
        // (`HeartRateZoneLimits.text`; NULL: none, the zones were % of max HR).
        migrator.registerMigration("v10-heart-rate-zone-limits") { db in
            try db.execute(sql: """
                ALTER TABLE exercises ADD COLUMN hr_zone_limits TEXT;
                ALTER TABLE exercise_statistics ADD COLUMN profile_hr_zones TEXT;
                """)
        }
        // The OAuth2 states of "Connect Polar account": SHA-256 of the state, its user, its expiry (epoch ms).
        migrator.registerMigration("v11-accesslink-states") { db in
            try db.execute(sql: """
                CREATE TABLE accesslink_states(
                    state_hash TEXT PRIMARY KEY,
                    user_key TEXT NOT NULL,
                    expires_ms INTEGER NOT NULL);
                """)
        }
        return migrator
    }
}
