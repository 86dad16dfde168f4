-- What POST /api/cases writes, as pgbench runs it: the cell lookup, then the server's one statement
-- (CaseRepository.InsertReportSql): the case, its first history row, the reporter row, the duplicate
-- check (radius :radius m, as the server is started with) and the event with the NOTIFY (no global
-- lock since migration 0100; the deferred counts of migrations 0101/0102 run at commit, as in the
-- server), in one transaction. Run with -M prepared: the server's statements are prepared too (Npgsql's
-- automatic preparation), so neither side parses the statement on every report; both plan the cell lookup
-- for its values (PGOPTIONS, as the server's connections) and the insert once per connection (set local, as
-- CaseRepository.InsertReportAsync). Variables stand outside quotes (:cell::text), since a prepared run
-- would not replace them inside a literal.
-- Points fall anywhere in the bench city's 300 cells.
\set x random(1, 14999)
\set y random(1, 19999)
BEGIN;
select code as cell from grid_cells where ST_Covers(geom, ST_SetSRID(ST_MakePoint(118 + :x / 1000000.0, 29.001 + :y / 1000000.0), 4326)) order by code limit 1 \gset
set local plan_cache_mode = force_generic_plan;
with c as (
    insert into cases (case_no, location, address, category_code, source, priority, description, reporter_name, reporter_phone,
                       reporter_email, state, cell_code, reported_by, created_at, updated_at, version)
    values (to_char(now() at time zone 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('case_no_seq')::text, 6, '0'),
            ST_SetSRID(ST_MakePoint(118 + :x / 1000000.0, 29.001 + :y / 1000000.0), 4326), '', 'E9801', 'field', 'normal', 'pgbench report',
            null, null, null, 'reported', :cell::text, md5('bench-reporter')::uuid, now(), now(), 1)
    returning *
), h as (
    insert into case_history (case_id, at, actor_id, action, to_state, evidence, details)
    select c.id, now(), md5('bench-reporter')::uuid, 'report', 'reported', '[]'::jsonb, jsonb_build_object('source', 'field', 'cell', :cell::text) from c
), r as (
    insert into case_reporters (case_id, from_case_id, source, name, phone, email, person_id, added_at)
    select c.id, c.id, 'field', null, null, null, md5('bench-reporter')::uuid, now() from c
), d as (
    insert into duplicate_flags (case_id, candidate_id, distance_m, flagged_at)
    select n.id, o.id, ST_Distance(o.location::geography, n.location::geography), now()
    from c n
    join cases o on o.category_code = n.category_code
    where o.state not in ('closed','cancelled') and o.merged_into is null
      and o.created_at >= now() - interval '30 days'
      and o.location && ST_Expand(n.location, :radius / 97000.0, :radius / 110000.0)
      and ST_DWithin(o.location::geography, n.location::geography, :radius)
    order by ST_Distance(o.location::geography, n.location::geography), o.id
    limit 5
    returning candidate_id, distance_m
), e as (
    insert into case_events (at, kind, case_id, cell_code, payload)
    select now(), 'case_reported', c.id, c.cell_code,
           jsonb_build_object('caseId', c.id, 'caseNo', c.case_no, 'action', 'report', 'state', c.state, 'cellCode', c.cell_code,
                              'categoryCode', c.category_code, 'priority', c.priority, 'source', c.source,
                              'lat', ST_Y(c.location), 'lon', ST_X(c.location), 'assigneeId', c.assignee_id,
                              'assignedUnitId', c.assigned_unit_id, 'deadline', c.deadline, 'version', c.version)
    from c
    returning seq
)
select c.id, array_to_string(array(select d.candidate_id from d order by d.distance_m, d.candidate_id), ',')
from c, lateral (select pg_notify('grid_events', e.seq::text) from e) n;
COMMIT;
