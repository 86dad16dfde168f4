-- What POST /api/cases writes, as pgbench runs it: the cell lookup, the case, its first history
-- row, its event with the NOTIFY (no global lock since migration 0100; the deferred open-cases count
-- of migration 0101 runs at commit, as in the server), the reporter row and the duplicate check
-- (radius :radius m, as the server is started with), in one transaction.
-- Points fall anywhere in the bench city's 300 cells.
\set x random(1, 14999)
\set y random(1, 19999)
BEGIN;
select code as cell from grid_cells where ST_Covers(geom, ST_SetSRID(ST_MakePoint(118 + :x / 1000000.0, 29.001 + :y / 1000000.0), 4326)) order by code limit 1 \gset
insert into cases (case_no, location, address, category_code, source, priority, description, reporter_name, reporter_phone,
                   reporter_email, state, cell_code, reported_by, created_at, updated_at)
values (to_char(now() at time zone 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('case_no_seq')::text, 6, '0'),
        ST_SetSRID(ST_MakePoint(118 + :x / 1000000.0, 29.001 + :y / 1000000.0), 4326), '', 'E9801', 'field', 'normal', 'pgbench report',
        null, null, null, 'reported', ':cell', md5('bench-reporter')::uuid, now(), now())
returning id as case_id \gset
insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
values (:case_id, now(), md5('bench-reporter')::uuid, 'report', null, 'reported', null, '[]'::jsonb, '{"source":"field","cell":":cell"}'::jsonb);
with e as (
    insert into case_events (at, kind, case_id, cell_code, payload)
    select now(), 'case_reported', c.id, c.cell_code,
           jsonb_build_object('caseId', c.id, 'caseNo', c.case_no, 'action', 'report', 'state', c.state, 'cellCode', c.cell_code,
                              'categoryCode', c.category_code, 'priority', c.priority, 'source', c.source,
                              'lat', ST_Y(c.location), 'lon', ST_X(c.location), 'assigneeId', c.assignee_id,
                              'assignedUnitId', c.assigned_unit_id, 'deadline', c.deadline, 'version', c.version)
    from cases c where c.id = :case_id
    returning seq
)
select pg_notify('grid_events', seq::text) from e;
insert into case_reporters (case_id, from_case_id, source, name, phone, email, person_id, added_at)
values (:case_id, :case_id, 'field', null, null, null, md5('bench-reporter')::uuid, now());
select ST_Y(location) from cases where id = :case_id;
insert into duplicate_flags (case_id, candidate_id, distance_m, flagged_at)
select n.id, c.id, ST_Distance(c.location::geography, n.location::geography), now()
from cases n
join cases c on c.category_code = n.category_code and c.id <> n.id
where n.id = :case_id
  and c.state not in ('closed','cancelled') and c.merged_into is null
  and c.created_at >= now() - interval '30 days'
  and c.location && ST_Expand(n.location, :radius / 97000.0, :radius / 110000.0)
  and ST_DWithin(c.location::geography, n.location::geography, :radius)
order by ST_Distance(c.location::geography, n.location::geography), c.id
limit 5
returning candidate_id;
COMMIT;
