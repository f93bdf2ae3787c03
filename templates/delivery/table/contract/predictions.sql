-- The table export: what the consumer can rely on. The thread creates these tables from this
-- very file where they are missing, and the contract test fails if the tables it writes stop
-- matching it. Plain SQL that PostgreSQL and SQLite both run unchanged.

-- One row per customer per run. A run's rows appear all at once, when its transaction commits,
-- and re-running a run id replaces them the same way: never a half run, never a duplicate.
CREATE TABLE IF NOT EXISTS predictions (
    run_id        VARCHAR(64)      NOT NULL,  -- the run that scored the row
    customer_id   TEXT             NOT NULL,  -- the customer, exactly as in the input data
    score         DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1),  -- propensity to buy
    model_version TEXT             NOT NULL,  -- the model that scored the row
    PRIMARY KEY (run_id, customer_id)
);

-- One row per delivered run, committed with its predictions: the latest run is the one with the
-- latest delivered_at.
CREATE TABLE IF NOT EXISTS prediction_runs (
    run_id        VARCHAR(64)              NOT NULL PRIMARY KEY,
    model_version TEXT                     NOT NULL,
    row_count     INTEGER                  NOT NULL,  -- rows in predictions for this run
    delivered_at  TIMESTAMP WITH TIME ZONE NOT NULL   -- when the run committed, in UTC
);
