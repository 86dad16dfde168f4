-- The grid import stages every feature in one statement. ST_GeomFromGeoJSON raises an error on
-- GeoJSON it cannot read; this wrapper returns that error as text instead, so one bad feature is
-- reported with the others (by its number) rather than aborting the statement. It replaces a
-- savepoint and a round trip per feature.
create function try_geom_from_geojson(geojson text, out geom geometry, out error text)
language plpgsql immutable as $$
begin
  if geojson is null then return; end if;
  geom := ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326);
exception when others then
  error := SQLERRM;
end $$;
