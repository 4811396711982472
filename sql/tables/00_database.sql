-- The Kaminari database, named by warehouse.database (default kaminari): `kaminari init` substitutes the variable, and
-- beeline or spark-sql do with --hivevar kaminari_db=kaminari. The tables and views are created in it, so their
-- files, and the analyst queries in sql/queries, name them unqualified: run them in that database (USE kaminari).
-- Managed table locations follow the configured warehouse (local, hdfs:// or s3a://); with
-- warehouse.external-location set, init creates each table external at <location>/<table>.
CREATE DATABASE IF NOT EXISTS ${hivevar:kaminari_db} COMMENT 'Kaminari: pmacct flows, port vectors, anomaly scores';
