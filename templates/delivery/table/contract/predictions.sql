-- The table export: what the consumer can rely on. `make contract` writes it from
-- contract/schema.json; the thread creates the tables from it where they are missing.

-- One row per customer per run; a run's rows are committed together.
CREATE TABLE IF NOT EXISTS predictions (
    run_id VARCHAR(64) NOT NULL,
    "customer_id" VARCHAR(1000) NOT NULL,
    score DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1),  -- propensity to buy
    model_version VARCHAR(100) NOT NULL,
    PRIMARY KEY (run_id, "customer_id")
);

-- One row per delivered run, committed with its predictions.
CREATE TABLE IF NOT EXISTS prediction_runs (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    model_version VARCHAR(100) NOT NULL,
    row_count INTEGER NOT NULL,
    delivered_at TIMESTAMP WITH TIME ZONE NOT NULL
);
