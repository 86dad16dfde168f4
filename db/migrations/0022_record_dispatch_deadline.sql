-- The escalation warning is due a share of the handling time limit before the CURRENT deadline
-- (default: when 20% of the limit is left). The limit is the one given at dispatch, the first
-- deadline minus dispatched_at; extensions and resumes move `deadline` but not dispatched_at, so
-- "deadline - dispatched_at" would put the warning of a moved deadline in the past.
--
-- dispatch_deadline keeps the deadline set together with dispatched_at. A trigger keeps it, so
-- every writer (the lifecycle, the demo and benchmark seeders, a data fix that moves the clock)
-- records it without knowing of escalation: whenever dispatched_at changes, the deadline written
-- in the same statement is the deadline as given at dispatch.
alter table cases add column dispatch_deadline timestamptz;

-- Cases dispatched before this migration: the deadline of their latest dispatch history row,
-- else (seeded rows without history) the current deadline.
update cases c set dispatch_deadline = coalesce(
    (select (h.details->>'deadline')::timestamptz from case_history h
      where h.case_id = c.id and h.action = 'dispatch' and h.details->>'deadline' is not null
      order by h.id desc limit 1),
    c.deadline)
where c.dispatched_at is not null;

create function record_dispatch_deadline() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        new.dispatch_deadline := coalesce(new.dispatch_deadline, new.deadline);
    elsif new.dispatched_at is distinct from old.dispatched_at
          and new.dispatch_deadline is not distinct from old.dispatch_deadline then
        new.dispatch_deadline := new.deadline;
    end if;
    return new;
end $$;

create trigger cases_record_dispatch_deadline before insert or update on cases
    for each row execute function record_dispatch_deadline();
