-- Measured experiment for issue 15 item 4 (docs/scaling.md "Beyond one PostgreSQL server"), NOT a
-- product changeset: turns a loaded search-benchmark database's `measurement` table (the largest
-- curated table) into a PostgreSQL declarative partitioned table, as a Citus distributed table
-- would be split into shards:
--
--   psql -v key=site_id -f benchmarks/partitioning/partition-measurement.sql <database>
--       one LIST partition per site (the recommended key, docs/scaling.md)
--   psql -v key=patient_id -v parts=8 -f benchmarks/partitioning/partition-measurement.sql <database>
--       HASH partitions by patient (all of a patient's measurements in one partition)
--
-- Every index, trigger and the curated_observation view are carried over. A unique key on a
-- partitioned table (and on a Citus distributed one) must contain the partition key, so it is
-- added where missing: by site, observation_id and row_id stay globally unique (a fact id is a
-- function of its site's source key) and the source key already holds site_id; by patient, the
-- source key becomes unique per patient only. The search benchmark only reads, so it runs on
-- either unchanged. Intake is NOT supported on the result: its upsert says
-- ON CONFLICT (observation_id), which needs a unique index on that column alone.
\set ON_ERROR_STOP on
\if :{?key}
\else
  \set key site_id
\endif
\if :{?parts}
\else
  \set parts 8
\endif
\timing on
BEGIN;
CREATE TEMP TABLE carried (kind text, def text) ON COMMIT DROP;
INSERT INTO carried
  SELECT 'index', pg_get_indexdef(i.indexrelid)
    FROM pg_index i
   WHERE i.indrelid = 'measurement'::regclass
     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid);
INSERT INTO carried
  SELECT 'constraint', format('ALTER TABLE measurement ADD CONSTRAINT %I %s', conname,
         CASE WHEN contype IN ('p', 'u') AND NOT :'key' = ANY (
                   SELECT attname FROM pg_attribute
                    WHERE attrelid = conrelid AND attnum = ANY (conkey))
              THEN regexp_replace(pg_get_constraintdef(oid), '\)$', ', ' || :'key' || ')')
              ELSE pg_get_constraintdef(oid) END)
    FROM pg_constraint WHERE conrelid = 'measurement'::regclass AND contype IN ('p', 'u', 'f');
INSERT INTO carried
  SELECT 'trigger', pg_get_triggerdef(oid) FROM pg_trigger
   WHERE tgrelid = 'measurement'::regclass AND NOT tgisinternal;
INSERT INTO carried SELECT 'view', 'CREATE OR REPLACE VIEW curated_observation AS '
                                   || pg_get_viewdef('curated_observation');

\if `test :key = site_id && echo true || echo false`
CREATE TABLE measurement_partitioned (LIKE measurement INCLUDING DEFAULTS INCLUDING STORAGE)
  PARTITION BY LIST (site_id);
SELECT format('CREATE TABLE %I PARTITION OF measurement_partitioned FOR VALUES IN (%L)',
              'measurement_' || replace(site_id, '-', '_'), site_id)
  FROM site ORDER BY site_id \gexec
\else
CREATE TABLE measurement_partitioned (LIKE measurement INCLUDING DEFAULTS INCLUDING STORAGE)
  PARTITION BY HASH (patient_id);
SELECT format('CREATE TABLE measurement_p%s PARTITION OF measurement_partitioned'
              ' FOR VALUES WITH (MODULUS %s, REMAINDER %s)', r, :parts, r)
  FROM generate_series(0, :parts - 1) r \gexec
\endif
INSERT INTO measurement_partitioned SELECT * FROM measurement;

-- the row-id sequence is shared with derived_fact: keep it when the old table goes
ALTER SEQUENCE measurement_row_id_seq OWNED BY NONE;
ALTER TABLE measurement RENAME TO measurement_unpartitioned;
ALTER TABLE measurement_partitioned RENAME TO measurement;
SELECT def FROM carried WHERE kind = 'view' \gexec
DROP TABLE measurement_unpartitioned;
SELECT def FROM carried WHERE kind = 'constraint' \gexec
SELECT def FROM carried WHERE kind = 'index' \gexec
SELECT def FROM carried WHERE kind = 'trigger' \gexec
COMMIT;
VACUUM ANALYZE measurement;
SELECT count(*) FILTER (WHERE isleaf) AS partitions,
       pg_size_pretty(sum(pg_total_relation_size(relid))) AS size
  FROM pg_partition_tree('measurement');
