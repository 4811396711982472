-- The Kaminari database. Table locations follow the configured warehouse (local, hdfs:// or s3a://).
CREATE DATABASE IF NOT EXISTS kaminari COMMENT 'Kaminari: pmacct flows, port vectors, anomaly scores';
