-- The action list's province filter looks up the municipalities of a province for every
-- request; without an index that is a scan of all 585 rows with their boundaries.
create index municipalities_province_idx on municipalities (province, vintage, nis_code);
