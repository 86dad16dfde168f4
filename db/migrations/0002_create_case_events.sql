-- The event table behind the real-time channel: every case change writes one row in the same
-- transaction as the change, so the sequence has no gaps a client could miss, and a client that
-- reconnects with its last sequence number reads what it missed from here. After commit the
-- writer's pg_notify('grid_events', seq) wakes every server node.
create table case_events (
    seq          bigint generated always as identity primary key,
    at           timestamptz not null,
    kind         text not null check (kind in ('case_reported','case_changed','case_escalated','staff_position')),
    case_id      bigint references cases(id),
    cell_code    text references grid_cells(code),
    person_id    uuid references people(id),
    payload      jsonb not null
);
create index case_events_case_ix on case_events (case_id);
create index case_events_at_ix on case_events (at);
