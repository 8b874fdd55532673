"""Reports: the console view, the run record, and (later) JSON and JUnit files."""
