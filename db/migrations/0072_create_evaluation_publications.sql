-- Monthly evaluation (综合评价) is published once per natural month and frozen: later edits to old
-- cases do not move a published month. A publication keeps a snapshot of the facts of every case the
-- month's indicators and drill-downs read (cases reported in the month, and cases open past their
-- deadline when it was published), so each frozen number is computed, and its list of cases drawn,
-- from the snapshot with the same definitions as the live figures. The follow-up figures (回访率,
-- 满意率) are frozen too: whether a case had a citizen reporter, the follow-up answers given by the
-- moment of publication, and the cut-off before which an unanswered closing counts as "no answer".
-- A supervisor may re-publish a month with a reason (audited): a new version, the old one kept but
-- no longer current.
create table evaluation_publications (
    id            bigint generated always as identity primary key,
    month         date not null check (extract(day from month) = 1),
    version       integer not null check (version >= 1),
    published_at  timestamptz not null,
    published_by  uuid references people(id),           -- null: the monthly job
    reason        text check (length(reason) between 1 and 500),
    is_current    boolean not null,
    no_answer_before timestamptz not null,                -- published_at minus the follow-up days then configured
    unique (month, version),
    check (version = 1 or reason is not null)
);
create unique index evaluation_publications_current_ux on evaluation_publications (month) where is_current;

create table evaluation_snapshot (
    publication_id    bigint not null references evaluation_publications(id),
    id                bigint not null,                   -- the case id; named as in cases so the figures' SQL reads both
    case_no           text not null,
    state             text not null,
    category_code     text not null,
    cell_code         text not null,
    assigned_unit_id  text,
    assignee_id       uuid,
    created_at        timestamptz not null,
    registered_at     timestamptz,
    dispatched_at     timestamptz,
    closed_at         timestamptz,
    deadline          timestamptz,
    extension_count   integer not null,
    rework_count      integer not null,
    citizen_reporter  boolean not null,                  -- someone to ask after closing (citizen page, Open311 or 12345 with a phone)
    primary key (publication_id, id)
);

-- The follow-up answers of the snapshot's cases, as they stood at publication (named as in followups).
create table evaluation_followup_snapshot (
    publication_id  bigint not null references evaluation_publications(id),
    id              bigint not null,
    case_id         bigint not null,
    closed_at       timestamptz not null,
    satisfaction    text not null,
    answered_at     timestamptz not null,
    primary key (publication_id, id)
);
create index evaluation_followup_snapshot_case_ix on evaluation_followup_snapshot (publication_id, case_id);
