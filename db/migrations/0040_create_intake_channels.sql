-- Every channel a problem arrives by (Open311, the 12345 hotline, monitoring systems) feeds the
-- same cases table through one intake path. Citizen, hotline and sensor cases have no signed-in
-- reporter (reported_by is null); the reporter's contact details stay on the case, and a merged
-- duplicate keeps pointing at the case that absorbed it so its reporter can still follow it.
alter table cases add column reporter_email text check (length(reporter_email) <= 200);
alter table cases add column merged_into bigint references cases(id);
create index cases_merged_into_ix on cases (merged_into) where merged_into is not null;

-- Everyone who reported a case, including the reporters of duplicates merged into it.
create table case_reporters (
    id            bigint generated always as identity primary key,
    case_id       bigint not null references cases(id),
    from_case_id  bigint not null references cases(id),
    source        text not null,
    name          text,
    phone         text,
    email         text,
    person_id     uuid references people(id),
    added_at      timestamptz not null,
    unique (case_id, from_case_id)
);

-- A report that looks like an open case of the same category nearby. An operator merges it into
-- that case or keeps the two apart; until then the flag is open.
create table duplicate_flags (
    id            bigint generated always as identity primary key,
    case_id       bigint not null references cases(id),
    candidate_id  bigint not null references cases(id),
    distance_m    double precision not null,
    status        text not null default 'open' check (status in ('open','merged','kept_apart')),
    flagged_at    timestamptz not null,
    decided_at    timestamptz,
    decided_by    uuid references people(id),
    reason        text check (length(reason) <= 1000),
    unique (case_id, candidate_id),
    check (case_id <> candidate_id)
);
create index duplicate_flags_open_ix on duplicate_flags (flagged_at) where status = 'open';

-- Open311 service definitions: the extra questions a category asks (GeoReport v2 attributes).
create table category_attributes (
    category_code        text not null references categories(code),
    code                 text not null check (code ~ '^[A-Za-z0-9_-]{1,40}$'),
    variable             boolean not null default true,
    datatype             text not null check (datatype in ('string','number','datetime','text','singlevaluelist','multivaluelist')),
    required             boolean not null default false,
    datatype_description text not null default '',
    sort_order           integer not null,
    description          text not null,
    "values"             jsonb not null default '[]',          -- [{"key": "...", "name": "..."}] for the list types
    primary key (category_code, code)
);

-- API keys of Open311 clients. Only a SHA-256 of the key is kept; the key is shown once when issued.
create table open311_api_keys (
    id               bigint generated always as identity primary key,
    name             text not null check (length(name) between 1 and 100),
    key_prefix       text not null,
    key_hash         text not null unique,
    rate_per_minute  integer not null check (rate_per_minute between 1 and 10000),
    created_by       uuid not null references people(id),
    created_at       timestamptz not null,
    revoked_at       timestamptz,
    revoked_by       uuid references people(id)
);

-- Requests counted per key and minute; the upsert's returned count decides 429 on every node alike.
create table open311_key_usage (
    key_id        bigint not null references open311_api_keys(id),
    window_start  timestamptz not null,
    count         integer not null,
    primary key (key_id, window_start)
);

-- Every Open311 POST. A request without a point (address_string only) cannot be placed in a cell
-- yet: it waits with a token until an operator places it, then case_id is set (GET tokens/{token}).
create table open311_requests (
    token           uuid primary key,
    api_key_id      bigint not null references open311_api_keys(id),
    case_id         bigint references cases(id),
    service_code    text not null references categories(code),
    address_string  text,
    description     text not null,
    media_url       text,
    attributes      jsonb not null default '{}',
    first_name      text,
    last_name       text,
    phone           text,
    email           text,
    device_id       text,
    account_id      text,
    created_at      timestamptz not null,
    placed_at       timestamptz,
    placed_by       uuid references people(id)
);
create index open311_requests_case_ix on open311_requests (case_id);
create index open311_requests_pending_ix on open311_requests (created_at) where case_id is null;

-- 12345 hotline tickets pushed by the hotline system; a resend of the same id changes nothing.
create table hotline_tickets (
    external_id   text primary key check (length(external_id) between 1 and 100),
    case_id       bigint not null references cases(id),
    request_hash  text not null,
    received_at   timestamptz not null,
    created_by    uuid references people(id)
);
create index hotline_tickets_case_ix on hotline_tickets (case_id);

-- Monitoring systems (public security, traffic, water, street lighting, environment, work safety),
-- each with one shared secret (SHA-256 kept), the device kinds it sends and their categories.
create table monitoring_systems (
    id           text primary key check (id ~ '^[a-z][a-z0-9_]*$'),
    name         text not null,
    secret_hash  text not null,
    created_at   timestamptz not null default now()
);

create table monitoring_kinds (
    kind           text primary key check (kind ~ '^[a-z][a-z0-9_]*$'),
    system_id      text not null references monitoring_systems(id),
    category_code  text not null references categories(code),
    priority       text not null default 'normal' check (priority in ('normal','urgent'))
);

create table monitoring_devices (
    id          text primary key check (length(id) between 1 and 100),
    kind        text not null references monitoring_kinds(kind),
    name        text not null default '',
    location    geometry(Point, 4326) not null,
    cell_code   text not null references grid_cells(code),
    address     text not null default '',
    created_at  timestamptz not null
);
create index monitoring_devices_cell_ix on monitoring_devices (cell_code);

-- Every alarm received, and what became of it: a new case, attached to the device's open case,
-- or throttled because the device keeps flapping.
create table device_alarms (
    id           bigint generated always as identity primary key,
    device_id    text not null references monitoring_devices(id),
    received_at  timestamptz not null,
    alarm_type   text not null default '',
    message      text not null default '',
    case_id      bigint references cases(id),
    outcome      text not null check (outcome in ('case_created','attached','throttled'))
);
create index device_alarms_device_ix on device_alarms (device_id, received_at);
create index device_alarms_case_ix on device_alarms (case_id);
