"""Tables and figures built from the pipeline's per-run result files."""
