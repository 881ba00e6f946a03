"""spark-sim: a local HTTPS simulator of the Spark Edit 3.0 API (see ../README.md)."""
