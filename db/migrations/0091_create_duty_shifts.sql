-- Duty rosters (值班): who of a cell's post holders is on duty when, and leave with a named substitute.
-- A cell with no shift rows has no roster: routing keeps using each person's on-duty mark. A cell with a
-- roster: a post holder is on duty only inside one of his shifts there and outside his leave; during a
-- leave his substitute stands in his posts.
create table duty_shifts (
    id            bigint generated always as identity primary key,
    cell_code     text not null references grid_cells(code) on delete cascade,
    person_id     uuid not null references people(id),
    kind          text not null check (kind in ('duty', 'leave')),
    starts_at     timestamptz not null,
    ends_at       timestamptz not null,
    substitute_id uuid references people(id),
    note          text not null default '',
    created_by    uuid references people(id),
    created_at    timestamptz not null default now(),
    check (ends_at > starts_at),
    check (kind = 'leave' or substitute_id is null),
    check (substitute_id is null or substitute_id <> person_id)
);
create index duty_shifts_cell_time_ix on duty_shifts (cell_code, starts_at, ends_at);
