-- A case number is the report's day in the city's time zone and the city's number sequence, six digits wide
-- (20261127000123). The sequence is never reset, so the width is the city's first million cases, not a day's:
-- lpad(nextval, 6) cut the millionth number and every later one to its first six digits, so from the millionth case
-- on, ten reports in a row were given the same number and all but the first were refused by its unique index. Past a
-- million the number is simply longer (20261127 + 1000000). One definition, used by every insert and by the number an
-- address-only Open311 request is given on arrival.
create function case_no(at timestamptz, seq bigint) returns text
    language sql stable parallel safe
    return to_char(at at time zone 'Asia/Shanghai', 'YYYYMMDD')
        || case when seq < 1000000 then lpad(seq::text, 6, '0') else seq::text end;
