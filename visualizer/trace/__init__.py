"""The trace: schema, columnar store, and the trace file format v1."""
