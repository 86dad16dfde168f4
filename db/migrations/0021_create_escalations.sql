-- Escalation (督办): every rung that fired, the inbox items it made, and the cursor of the
-- scheduler that follows case_events.
--
-- Exactly once: a rung of the automatic ladder belongs to one deadline of one case. The unique
-- index makes a second firing of the same rung (another node, a retried job, the sweep) insert
-- nothing; the history row, the case_events row and the inbox items are written in the same
-- transaction only when the escalation row was inserted. A new deadline (extension, resume,
-- re-dispatch) starts a fresh ladder. Manual supervision (level 'supervise') may repeat.
create table escalations (
    id           bigint generated always as identity primary key,
    case_id      bigint not null references cases(id),
    level        text not null check (level in ('warning','assignee','grid_head','street_leader','district','supervise')),
    deadline     timestamptz,                       -- the deadline this rung belongs to (null for manual supervision)
    due_at       timestamptz not null,              -- when the rung was due; at - due_at is how late it fired
    at           timestamptz not null,
    ordered_by   uuid references people(id),        -- who ordered manual supervision
    note         text check (length(note) <= 2000),
    cell_code    text not null references grid_cells(code),
    unit_id      text references units(id),
    assignee_id  uuid references people(id),
    check ((level = 'supervise') = (deadline is null))
);
create unique index escalations_once_ux on escalations (case_id, level, deadline) where level <> 'supervise';
create index escalations_at_ix on escalations (at);
create index escalations_case_ix on escalations (case_id, id);

-- What a person must look at: one item per escalation and target person.
create table inbox_items (
    id             bigint generated always as identity primary key,
    person_id      uuid not null references people(id),
    escalation_id  bigint not null references escalations(id),
    case_id        bigint not null references cases(id),
    created_at     timestamptz not null,
    read_at        timestamptz,
    unique (escalation_id, person_id)
);
create index inbox_items_person_ix on inbox_items (person_id, id desc);
create index inbox_items_unread_ix on inbox_items (person_id) where read_at is null;

-- How far the escalation scheduler has read case_events. It starts at the current end: cases
-- that were open before this migration are picked up by the periodic sweep.
create table escalation_cursor (
    id        integer primary key default 1 check (id = 1),
    last_seq  bigint not null
);
insert into escalation_cursor (id, last_seq) select 1, coalesce(max(seq), 0) from case_events;

