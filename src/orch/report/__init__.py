"""Reports: what the user sees of a run. The consoles (sequential, live, GitHub), the run record,
the summary, ``--result-json`` (tox's schema), ``--junit``, and the CI files ``orch ci`` writes."""
