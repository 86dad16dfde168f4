-- The city's own citizen channel (随手拍, /r): reports through our Open311 route with a key of the
-- page's own, tracking codes, spam marks, published photos and follow-up (回访) answers.

-- The citizen page's key is public by nature (it is in the page), so it is stored in clear and its
-- limits are per device and per address instead of per key. One active page key at a time.
alter table open311_api_keys alter column created_by drop not null;
alter table open311_api_keys add column citizen_page boolean not null default false;
alter table open311_api_keys add column public_key text;
create unique index open311_api_keys_citizen_page_ux on open311_api_keys (citizen_page) where citizen_page and revoked_at is null;

-- A citizen follows a case with a tracking code: 128 random bits, of which only a SHA-256 is kept,
-- so codes cannot be enumerated, guessed, or read back from the database. 'support' codes belong to
-- citizens who said "this is my problem too" on an open case.
create table citizen_tracking (
    code_hash   text primary key check (code_hash ~ '^[0-9a-f]{64}$'),
    case_id     bigint not null references cases(id),
    kind        text not null check (kind in ('report','support')),
    device_id   text check (length(device_id) <= 100),
    name        text check (length(name) <= 100),
    phone       text check (length(phone) <= 40),
    created_at  timestamptz not null
);
create index citizen_tracking_case_ix on citizen_tracking (case_id);

-- Requests counted per device and per network address and hour (the page's own limits).
create table citizen_rate_usage (
    subject       text not null,
    window_start  timestamptz not null,
    count         integer not null,
    primary key (subject, window_start)
);

-- Photos sent from the citizen page (no person to record as uploader).
create table citizen_photo_uploads (
    sha256       text not null references photos(sha256),
    device_id    text,
    address      text,
    uploaded_at  timestamptz not null
);
create index citizen_photo_uploads_sha_ix on citizen_photo_uploads (sha256);

-- An operator's spam mark: the case leaves every public view and is cancelled with this reason.
create table spam_marks (
    case_id    bigint primary key references cases(id),
    marked_by  uuid not null references people(id),
    marked_at  timestamptz not null,
    reason     text not null check (length(reason) between 1 and 1000)
);

-- Before/after photos the city chose to show on the case's tracking page.
create table published_photos (
    case_id       bigint not null references cases(id),
    sha256        text not null references photos(sha256),
    kind          text not null check (kind in ('before','after')),
    published_by  uuid not null references people(id),
    published_at  timestamptz not null,
    primary key (case_id, sha256)
);

-- 回访: the reporter's answer about one closing of a case (a case reopened and closed again is
-- asked again). Unanswered follow-ups are not rows: "no answer" is computed from closed_at and
-- Grid:Citizens:FollowUpDays when asked, so no job has to mark them.
create table followups (
    id            bigint generated always as identity primary key,
    case_id       bigint not null references cases(id),
    closed_at     timestamptz not null,
    channel       text not null check (channel in ('web','phone','hotline')),
    solved        boolean not null,
    satisfaction  text not null check (satisfaction in ('satisfied','basic','unsatisfied')),
    comment       text check (length(comment) <= 1000),
    answered_at   timestamptz not null,
    recorded_by   uuid references people(id),
    unique (case_id, closed_at)
);
create index followups_case_ix on followups (case_id);

-- The actor of steps the citizen causes (a "not solved" answer reopens the case). It holds no role
-- and its password hash matches no password, so nobody can sign in as it.
insert into people (id, username, display_name, password_hash)
values ('00000000-0000-0000-0000-0000000c1715', 'system.citizen', '市民回访 / citizen follow-up', 'AA==')
on conflict do nothing;
