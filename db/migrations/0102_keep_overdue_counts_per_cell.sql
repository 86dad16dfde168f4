-- The cells list counted each cell's overdue cases on every call (0101: an index range per cell over
-- every running case past its deadline; 100,000 of them make a city box cost 40-100 ms). Overdue
-- depends on the clock, so a kept number can only be exact as of a moment: each cell row keeps
-- overdue_cases = its running cases (dispatched, in_progress) with deadline < overdue_as_of.
-- A reader adds the running cases whose deadline falls between overdue_as_of and its own "now"
-- (or takes away those between "now" and overdue_as_of, when its clock is behind): a range of the
-- (cell_code, deadline) partial index a few seconds wide instead of the whole past.
--
-- Kept exact by:
-- - the changes themselves: the deferred trigger of 0101 now also fires on a change of deadline and
--   moves a case out of / into the kept number when it was / is running with a deadline before the
--   row's overdue_as_of. The comparison is in the UPDATE's WHERE, so when the row was moved on by a
--   concurrent catch-up (below), PostgreSQL re-evaluates it against the row as committed;
-- - a catch-up (OverdueCounts, every few seconds) that locks the rows where a deadline passed since
--   their overdue_as_of, and then, in a new
--   statement (a snapshot that sees every change whose trigger ran before it got the lock), adds the
--   running cases whose deadline passed since overdue_as_of and sets overdue_as_of forward. A change
--   that commits after the catch-up's snapshot still had its old row counted by the catch-up, and its
--   trigger, run at its own commit against the new overdue_as_of, takes it out again.
alter table cell_case_counts
    add column overdue_cases integer not null default 0,
    add column overdue_as_of timestamptz not null default '-infinity';

-- Every cell with a running case has a row (a running case is open, 0101 made its row).
update cell_case_counts n set overdue_cases = (select count(*) from cases c where c.cell_code = n.cell_code
                                                 and c.state in ('dispatched','in_progress') and c.deadline < now()),
                              overdue_as_of = now();

create or replace function cases_count_open() returns trigger language plpgsql as $$
declare
    was_open boolean := tg_op <> 'INSERT' and old.state not in ('closed','cancelled');
    is_open  boolean := tg_op <> 'DELETE' and new.state not in ('closed','cancelled');
    was_running boolean := tg_op <> 'INSERT' and old.state in ('dispatched','in_progress') and old.deadline is not null;
    is_running  boolean := tg_op <> 'DELETE' and new.state in ('dispatched','in_progress') and new.deadline is not null;
begin
    if not (was_open and is_open and old.cell_code = new.cell_code) then
        if was_open then
            update cell_case_counts set open_cases = open_cases - 1 where cell_code = old.cell_code;
        end if;
        if is_open then
            insert into cell_case_counts (cell_code, open_cases) values (new.cell_code, 1)
            on conflict (cell_code) do update set open_cases = cell_case_counts.open_cases + 1;
        end if;
    end if;
    if was_running and is_running and old.cell_code = new.cell_code and old.deadline = new.deadline then
        return null;
    end if;
    if was_running then
        update cell_case_counts set overdue_cases = overdue_cases - 1
        where cell_code = old.cell_code and old.deadline < overdue_as_of;
    end if;
    if is_running then
        -- A running case is open: its row exists (made above, or by an earlier change).
        update cell_case_counts set overdue_cases = overdue_cases + 1
        where cell_code = new.cell_code and new.deadline < overdue_as_of;
    end if;
    return null;
end $$;

drop trigger cases_count_open on cases;
create constraint trigger cases_count_open after insert or delete or update of state, cell_code, deadline on cases
    deferrable initially deferred for each row execute function cases_count_open();
