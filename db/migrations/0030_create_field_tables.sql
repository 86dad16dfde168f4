-- The field app (issue 5): photos, idempotent replays of actions sent from a phone's offline
-- queue, and patrol shifts with their GPS track.

-- Photo files live outside the database, named by the SHA-256 of their bytes (Grid:Photos:Path);
-- this table says what each file is and who uploaded it. Cases reference photos from their
-- history as evidence strings 'photo:<sha256>'.
create table photos (
    sha256        text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    content_type  text not null check (content_type in ('image/jpeg','image/png','image/webp')),
    bytes         integer not null check (bytes > 0),
    has_metadata  boolean not null,          -- the original carries EXIF (maybe GPS); others get it stripped
    thumb_sha256  text check (thumb_sha256 ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz not null
);

-- The same bytes may be uploaded by several people; each uploader may see their original.
create table photo_uploads (
    sha256      text not null references photos(sha256),
    person_id   uuid not null references people(id),
    uploaded_at timestamptz not null,
    primary key (sha256, person_id)
);

-- "Which cases reference this photo?" is asked on every photo request.
create index case_history_evidence_ix on case_history using gin (evidence jsonb_ops);

-- A lifecycle action or field request retried with the same Idempotency-Key by the same person
-- replays the stored outcome instead of being applied (or refused) a second time.
create table request_keys (
    person_id     uuid not null references people(id),
    key           text not null check (length(key) between 1 and 200),
    case_id       bigint not null references cases(id),
    action        text not null,
    request_hash  text not null,
    created_at    timestamptz not null,
    primary key (person_id, key)
);

-- Patrol shifts (巡查) and the positions sent while on shift.
create table patrol_shifts (
    id          bigint generated always as identity primary key,
    person_id   uuid not null references people(id),
    started_at  timestamptz not null,
    ended_at    timestamptz,
    consent     boolean not null,
    check (ended_at is null or ended_at >= started_at)
);
-- One open shift per person at a time.
create unique index patrol_shifts_open_ux on patrol_shifts (person_id) where ended_at is null;

create table patrol_points (
    id          bigint generated always as identity primary key,
    shift_id    bigint not null references patrol_shifts(id),
    at          timestamptz not null,
    location    geometry(Point, 4326) not null,
    accuracy_m  double precision check (accuracy_m is null or accuracy_m >= 0),
    cell_code   text references grid_cells(code)
);
create index patrol_points_shift_ix on patrol_points (shift_id, at);
create index patrol_points_location_gix on patrol_points using gist (location);
