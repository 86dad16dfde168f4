-- Escalation moves from one scheduler trigger per case to one recurring claim job (Hangfire) that
-- reads this column: cost follows the rungs that are due, not the number of open cases.
--
-- cases.next_rung_at is the moment the case's next rung of the ladder (督办) is due, or null when
-- none will come (no running clock, ladder finished). The lifecycle writes the exact moment in the
-- transaction of each step. Writers that do not know of escalation (seeders, a data fix moving the
-- clock) are covered by the trigger below: a change of state, deadline or dispatch time that does
-- not set next_rung_at itself sets it to "now", so the claim job looks at the case at once and
-- writes the exact moment. The job can only be early, never late.
alter table cases add column next_rung_at timestamptz;
create index cases_next_rung_ix on cases (next_rung_at) where next_rung_at is not null;

create function place_next_rung() returns trigger language plpgsql as $$
begin
    if (tg_op = 'INSERT' and new.next_rung_at is null)
       or (tg_op = 'UPDATE' and new.next_rung_at is not distinct from old.next_rung_at
           and (new.state is distinct from old.state or new.deadline is distinct from old.deadline
                or new.dispatched_at is distinct from old.dispatched_at)) then
        new.next_rung_at := case
            when new.state in ('dispatched','in_progress') and new.deadline is not null and new.dispatched_at is not null
            then now() end;
    end if;
    return new;
end $$;

create trigger cases_place_next_rung before insert or update on cases
    for each row execute function place_next_rung();

-- Cases open now: looked at once by the claim job, which writes their exact next moment.
update cases set next_rung_at = now()
where state in ('dispatched','in_progress') and deadline is not null and dispatched_at is not null;

-- Ladders live here, not in appsettings, so an administrator changes them without a restart; a
-- change applies to the next rung of every open case. Offsets are working time on the working
-- calendar, like the handling limits: the warning comes when (1 - warning_fraction) of the limit
-- given at dispatch is left before the deadline; delays_s are working seconds of the rungs assignee
-- (after the deadline), grid head, street leader and district supervision (each after the previous).
-- category_prefix (a category code or its prefix, e.g. E01 = all 市容环境 events) and priority pick
-- the cases a row is for; the most specific row wins; the row with neither is the default.
create table escalation_ladders (
    id                bigint generated always as identity primary key,
    category_prefix   text check (category_prefix ~ '^[CE][0-9]{0,4}$'),
    priority          text check (priority in ('normal','urgent')),
    warning_fraction  numeric(4,3) not null check (warning_fraction >= 0 and warning_fraction < 1),
    delays_s          integer[] not null check (cardinality(delays_s) <= 4 and 0 <= all(delays_s)),
    updated_at        timestamptz not null default now(),
    updated_by        uuid references people(id)
);
create unique index escalation_ladders_rule_ux on escalation_ladders (coalesce(category_prefix, ''), coalesce(priority, ''));

-- The defaults the appsettings carried (warning at 80 %, then 0 s, 2 h, 4 h, 8 h), now in working
-- time: overdue reminder at the deadline, grid head 2 working hours later, street leader half a
-- working day after that, district supervision one working day after that.
insert into escalation_ladders (category_prefix, priority, warning_fraction, delays_s)
values (null, null, 0.8, '{0,7200,14400,28800}');

-- The follower of case_events is gone with the per-case triggers.
drop table escalation_cursor;
