-- Grid-cell imports from the console (issue 11).
-- A cell that a new file no longer contains is retired, never deleted: its cases, history and published
-- figures keep referring to it. A retired cell is out of the live grid (locating, maps, posts, overlaps).
alter table grid_cells add column retired_at timestamptz;

-- An import the administrator confirmed after its preview, applied by a background job. The file is kept
-- here (the job reads it; nothing else does) with the preview's fingerprint, so the job applies exactly what
-- was previewed or refuses. Progress (phase, done of total) is written by the job as it goes.
create table cell_imports (
    id            uuid primary key,
    actor_id      uuid not null references people(id),
    street_code   text,                       -- the administrator's street, when his account is limited to one
    created_at    timestamptz not null,
    status        text not null check (status in ('queued', 'running', 'applied', 'failed')),
    phase         text not null default 'queued',
    done          integer not null default 0,
    total         integer not null,
    fingerprint   text not null,
    file          text not null,
    added         integer not null default 0,
    changed       integer not null default 0,
    removed       integer not null default 0,
    message       text,
    finished_at   timestamptz
);

-- One import at a time: a second one is refused (409) while one is queued or running.
create unique index cell_imports_one_at_a_time on cell_imports ((true)) where status in ('queued', 'running');
