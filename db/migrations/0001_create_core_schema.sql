-- The core of GridCity: administrative levels, unit grid cells, people and teams, responsible
-- units, the category catalogue, the working calendar, cases and their append-only history.
create extension if not exists postgis;

create table districts (
    code        text primary key check (code ~ '^[0-9]{6}$'),        -- GB/T 2260
    name        text not null
);

create table streets (
    code          text primary key check (code ~ '^[0-9]{9}$'),      -- district + GB/T 10114 street
    district_code text not null references districts(code),
    name          text not null
);

create table communities (
    code        text primary key check (code ~ '^[0-9]{12}$'),       -- street + 3-digit community
    street_code text not null references streets(code),
    name        text not null
);

create table grid_cells (
    code           text primary key check (code ~ '^[0-9]{15}$'),    -- community + 3-digit cell sequence
    community_code text not null references communities(code),
    name           text not null,
    geom           geometry(MultiPolygon, 4326) not null check (ST_IsValid(geom)),
    area_m2        double precision not null,
    created_at     timestamptz not null default now(),
    check (left(code, 12) = community_code)
);
create index grid_cells_geom_gix on grid_cells using gist (geom);

create table units (
    id          text primary key check (id ~ '^[a-z][a-z0-9_]*$'),
    name_zh     text not null,
    name_en     text not null,
    phone       text
);

create table people (
    id              uuid primary key,
    username        text not null unique check (username ~ '^[a-z0-9_.-]{2,64}$'),
    display_name    text not null,
    phone           text,
    password_hash   text not null,
    unit_id         text references units(id),
    street_code     text references streets(code),               -- area of a street-level leader or operator
    on_duty         boolean not null default true,
    failed_logins   integer not null default 0,
    locked_until    timestamptz,
    created_at      timestamptz not null default now()
);

create table person_roles (
    person_id   uuid not null references people(id) on delete cascade,
    role        text not null check (role in ('grid_head','grid_worker','patroller','informant','inspector','liaison',
                                               'operator','shift_lead','dispatcher','supervisor','unit_staff','admin')),
    primary key (person_id, role)
);

-- The one head and five officers of each cell. One person may serve several cells.
create table cell_staff (
    cell_code   text not null references grid_cells(code) on delete cascade,
    role        text not null check (role in ('grid_head','grid_worker','patroller','informant','inspector','liaison')),
    person_id   uuid not null references people(id),
    primary key (cell_code, role)
);
create index cell_staff_person_ix on cell_staff (person_id);

create table categories (
    code                   text primary key check (code ~ '^[CE][0-9]{4}$'),  -- C = 部件 component, E = 事件 event; 大类 + 小类
    kind                   text not null check (kind in ('component','event')),
    major_code             text not null check (major_code ~ '^[0-9]{2}$'),
    minor_code             text not null check (minor_code ~ '^[0-9]{2}$'),
    major_name_zh          text not null,
    major_name_en          text not null,
    name_zh                text not null,
    name_en                text not null,
    limit_value            integer not null check (limit_value > 0),
    limit_unit             text not null check (limit_unit in ('working_hours','working_days')),
    urgent_limit_value     integer not null check (urgent_limit_value > 0),
    urgent_limit_unit      text not null check (urgent_limit_unit in ('working_hours','working_days')),
    default_unit_id        text not null references units(id),
    handler_role           text not null default 'grid_worker' check (handler_role in ('grid_head','grid_worker')),
    self_handle_allowed    boolean not null default false,                -- light cases a grid worker may fix himself
    registration_condition text not null default '',
    closing_condition      text not null default '',
    check (substr(code, 2, 2) = major_code and substr(code, 4, 2) = minor_code),
    check ((kind = 'component') = (left(code, 1) = 'C'))
);

-- The working calendar: daily working periods (local time), which weekdays are rest days, and
-- dated exceptions (holidays, and make-up working days 调休 that fall on a weekend).
create table working_periods (
    starts_at   time not null,
    ends_at     time not null,
    primary key (starts_at),
    check (ends_at > starts_at)
);

create table calendar_settings (
    id             integer primary key default 1 check (id = 1),
    time_zone      text not null default 'Asia/Shanghai',
    rest_weekdays  integer[] not null default '{0,6}'                   -- 0 = Sunday .. 6 = Saturday
);

-- The standard working day (8 h) and week; a city edits these rows to match its own rules.
insert into working_periods (starts_at, ends_at) values ('08:30', '12:00'), ('13:30', '18:00');
insert into calendar_settings (id) values (1);

create table calendar_days (
    day         date primary key,
    kind        text not null check (kind in ('holiday','workday')),
    note        text not null default ''
);

create sequence case_no_seq;

create table cases (
    id                 bigint generated always as identity primary key,
    case_no            text not null unique,
    location           geometry(Point, 4326) not null,
    address            text not null default '' check (length(address) <= 200),
    category_code      text not null references categories(code),
    source             text not null check (source in ('field','citizen','hotline','higher_level','video','sensor','open311','web')),
    priority           text not null default 'normal' check (priority in ('normal','urgent')),
    description        text not null check (length(description) between 1 and 2000),
    reporter_name      text check (length(reporter_name) <= 100),
    reporter_phone     text check (length(reporter_phone) <= 40),
    state              text not null check (state in ('reported','registered','dispatched','in_progress','on_hold',
                                                     'returned','resolved','closed','cancelled')),
    cell_code          text not null references grid_cells(code),
    reported_by        uuid references people(id),
    assigned_unit_id   text references units(id),
    assignee_id        uuid references people(id),
    deadline           timestamptz,
    held_remaining_s   bigint,                        -- working seconds left when put on hold (挂账)
    extension_count    integer not null default 0,
    rework_count       integer not null default 0,
    created_at         timestamptz not null,
    registered_at      timestamptz,
    dispatched_at      timestamptz,
    accepted_at        timestamptz,
    resolved_at        timestamptz,
    closed_at          timestamptz,
    updated_at         timestamptz not null,
    version            integer not null default 1
);
create index cases_location_gix on cases using gist (location);
create index cases_state_ix on cases (state);
create index cases_cell_state_ix on cases (cell_code, state);
create index cases_assignee_ix on cases (assignee_id) where state not in ('closed','cancelled');
create index cases_created_ix on cases (created_at);
create index cases_deadline_open_ix on cases (deadline) where state in ('dispatched','in_progress');

-- Append-only record of every step: who, when, from which state, to which state, why, evidence.
create table case_history (
    id           bigint generated always as identity primary key,
    case_id      bigint not null references cases(id),
    at           timestamptz not null,
    actor_id     uuid references people(id),
    action       text not null,
    from_state   text,
    to_state     text not null,
    reason       text,
    evidence     jsonb not null default '[]',
    details      jsonb not null default '{}'
);
create index case_history_case_ix on case_history (case_id, id);

create function refuse_history_change() returns trigger language plpgsql as $$
begin
    raise exception 'case_history is append-only';
end $$;
create trigger case_history_append_only before update or delete on case_history
    for each row execute function refuse_history_change();

-- A report retried with the same Idempotency-Key by the same person creates one case only.
create table idempotency_keys (
    person_id     uuid not null references people(id),
    key           text not null check (length(key) between 1 and 200),
    request_hash  text not null,
    case_id       bigint not null references cases(id),
    created_at    timestamptz not null default now(),
    primary key (person_id, key)
);

-- State changes that are not case steps (grid import, account lockout, ...).
create table audit_log (
    id          bigint generated always as identity primary key,
    at          timestamptz not null default now(),
    actor_id    uuid references people(id),
    action      text not null,
    subject     text not null,
    details     jsonb not null default '{}'
);
