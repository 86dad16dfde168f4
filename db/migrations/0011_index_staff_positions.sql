-- The command-center map shows the latest position of each person; positions are staff_position
-- rows of case_events (written by POST /api/staff/position).
create index case_events_staff_position_ix on case_events (person_id, seq desc) where kind = 'staff_position';
